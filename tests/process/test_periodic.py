"""Background services run through one helper: steps every interval on a connection of
their own, backoff after failures, a state /health and the metrics report."""

from __future__ import annotations

import asyncio
import itertools
import logging

import asyncpg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgmem.process.metrics import instruments
from kgmem.process.periodic import Periodic


async def _until(condition, timeout_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout_s):
        while not condition():  # noqa: ASYNC110 - polls what the service's task did
            await asyncio.sleep(0.01)


async def test_failures_back_off_then_a_success_brings_the_interval_back() -> None:
    outcomes = [OSError("down"), OSError("still down"), asyncpg.InterfaceError("gone"), None]
    ran: list[float] = []

    async def step(_: object) -> None:
        ran.append(asyncio.get_running_loop().time())
        outcome = outcomes.pop(0) if outcomes else None
        if outcome is not None:
            raise outcome

    service = Periodic("test-backoff", 0.05, step, max_backoff_s=0.4)
    service.start()
    try:
        await _until(lambda: len(ran) >= 3)
        assert service.status().state == "failing"
        assert service.status().failures >= 2
        await _until(lambda: len(ran) >= 6)
        assert service.status().state == "running" and service.status().failures == 0
        assert service.status().last_error is None
    finally:
        await service.stop()
    gaps = [b - a for a, b in itertools.pairwise(ran)]
    # After 1, 2 and 3 failures in a row: 0.05, 0.1, then 0.2; after the success 0.05 (a
    # sleep is never shorter than asked; a loaded host may make it longer).
    assert gaps[0] >= 0.045 and gaps[1] >= 0.095 and gaps[2] >= 0.19
    assert 0.045 <= gaps[3] < gaps[2]
    assert service.status().state == "stopped"


async def test_a_bug_in_a_step_is_logged_and_the_service_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    steps = 0

    async def step(_: object) -> None:
        nonlocal steps
        steps += 1
        if steps == 1:
            raise ValueError("a bug")

    service = Periodic("test-bug", 0.01, step)
    before = instruments().background_failures.labels("test-bug")._value.get()
    with caplog.at_level(logging.ERROR, logger="kgmem.services"):
        service.start()
        try:
            await _until(lambda: steps >= 3)
        finally:
            await service.stop()
    assert any("a bug" in r.getMessage() and r.exc_info for r in caplog.records)
    assert instruments().background_failures.labels("test-bug")._value.get() == before + 1


async def test_the_step_gets_its_own_connection_again_after_losing_it(pg_url: str) -> None:
    seen: list[int] = []
    opened = 0

    async def connect() -> asyncpg.Connection:
        nonlocal opened
        opened += 1
        return await asyncpg.connect(pg_url)

    async def step(conn: asyncpg.Connection | None) -> None:
        assert conn is not None
        seen.append(int(await conn.fetchval("SELECT pg_backend_pid()")))

    service = Periodic("test-reconnect", 0.05, step, connect=connect)
    service.start()
    try:
        await _until(lambda: len(seen) >= 2)
        first = seen[-1]
        admin = await asyncpg.connect(pg_url)
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", first)
        finally:
            await admin.close()
        await _until(lambda: seen[-1] != first)
        assert service.status().state == "running"
        assert opened == 2  # one connection until it was lost, then one more
    finally:
        await service.stop()
    assert instruments().background_up.labels("test-reconnect")._value.get() == 0


@given(
    interval=st.floats(0.01, 60),
    ceiling=st.floats(0.0, 600),
    failures=st.integers(0, 80),
)
def test_the_delay_grows_with_failures_within_its_bounds(
    interval: float, ceiling: float, failures: int
) -> None:
    async def step(_: object) -> None:
        return None

    service = Periodic("test-delay", interval, step, max_backoff_s=ceiling)
    service._failures = failures
    delay = service.delay()
    assert interval <= delay + 1e-9
    assert delay <= max(ceiling, interval) + 1e-9
    if failures == 0:
        assert delay == interval
    service._failures = failures + 1
    assert service.delay() >= delay


async def test_a_watchdog_that_cannot_reach_its_database_says_failing_and_keeps_trying() -> None:
    from kgmem.storage.pool.watchdog import Watchdog

    dog = Watchdog(url="postgresql://kgmem@127.0.0.1:9/kgmem", limit_s=1.0, interval_s=0.02)
    dog.start()
    try:
        await _until(lambda: dog.service.status().failures >= 3)
        status = dog.service.status()
        assert status.state == "failing" and status.last_error
    finally:
        await dog.stop()
    assert dog.service.status().state == "stopped"
