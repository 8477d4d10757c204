"""`kgmem serve` under faults: bounded shutdown with a request stuck in the database, a
second signal, and the embedded PostgreSQL killed under the running server.

Every wait here has a hard limit (subprocess and asyncio timeouts), so a regression
fails the test instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest

from tests.cli.test_serve import Server, free_port, home, postgres_running

__all__ = ["home"]  # the fixture, imported for the tests below

pytestmark = pytest.mark.slow

DRAIN_S = 3
ENV = {
    "KGMEM_EMBEDDING_PROVIDER": "none",
    "KGMEM_EMBEDDING_DIMENSION": "4",
    "KGMEM_LOG_LEVEL": "info",
    "KGMEM_DATABASE_PREWARM": "false",
    # A lock wait that no statement_timeout ends: the request stays stuck until the
    # shutdown does something about it.
    "KGMEM_DATABASE_STATEMENT_TIMEOUT_MS": "0",
}


def postmaster(home: Path) -> tuple[int, str]:
    """The embedded server's postmaster pid and a URL to its kgmem database."""
    lines = (home / "pgdata" / "postmaster.pid").read_text().splitlines()
    return int(lines[0]), f"postgresql://postgres:@/kgmem?host={lines[4]}"


def start(home: Path, **env: str) -> Server:
    home.parent.mkdir(parents=True, exist_ok=True)
    server = Server(home, free_port(), **{**ENV, **env})
    try:
        server.wait_healthy()
        httpx.post(f"{server.url}/v1/namespaces", json={"name": "faults"}).raise_for_status()
        put = httpx.put(
            f"{server.url}/v1/namespaces/faults/entities/kept",
            json={"properties": {"name": "Kept"}, "embedding": [0.1, 0.2, 0.3, 0.4]},
        )
        put.raise_for_status()
    except BaseException:
        server.stop()
        raise
    return server


@asynccontextmanager
async def stuck_request(server: Server, url: str) -> AsyncIterator[asyncio.Task[httpx.Response]]:
    """A write blocked behind a table lock that another connection holds."""
    blocker = await asyncpg.connect(url)
    client = httpx.AsyncClient(timeout=120)
    try:
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute("LOCK TABLE faults._kg_vertex IN ACCESS EXCLUSIVE MODE")
        write = asyncio.create_task(
            client.put(
                f"{server.url}/v1/namespaces/faults/entities/stuck",
                json={"properties": {"name": "Stuck"}, "embedding": [0.1, 0.2, 0.3, 0.4]},
            )
        )
        async with asyncio.timeout(20):
            while not await blocker.fetchval(  # noqa: ASYNC110 (no event for a lock wait)
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = 'kgmem' AND wait_event_type = 'Lock'"
            ):
                await asyncio.sleep(0.1)
        yield write
    finally:
        await client.aclose()
        blocker.terminate()


def alive(pid: int) -> bool:
    """Running, not a zombie that init has yet to reap."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def stopped_within(server: Server, seconds: float) -> float:
    started = time.monotonic()
    await asyncio.to_thread(server.proc.wait, seconds)
    return time.monotonic() - started


async def test_sigterm_with_a_request_stuck_in_the_database_stops_in_bounded_time(
    home: Path,
) -> None:
    server = start(home, KGMEM_SERVER_SHUTDOWN_TIMEOUT_S=str(DRAIN_S))
    try:
        pid, url = postmaster(home)
        async with stuck_request(server, url) as write:
            server.proc.send_signal(signal.SIGTERM)
            took = await stopped_within(server, DRAIN_S + 25)
            answer = await asyncio.wait_for(write, 5)
    finally:
        code = server.stop()
    assert code in (0, -signal.SIGTERM)
    assert DRAIN_S <= took < DRAIN_S + 15, took
    # The cancelled statement ended the request with an answer, not a dropped connection.
    assert answer.status_code == 504, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert not alive(pid) and not postgres_running(home / "pgdata")
    log = server.output
    assert "1 request(s) still running after 3 s; cancelled 1 statement(s)" in log, log
    assert "shutdown: connection pool closed" in log
    assert "shutdown: embedded PostgreSQL stopped (fast shutdown)" in log
    assert "shutdown: complete" in log


async def test_second_signal_skips_the_drain_and_still_stops_postgres(home: Path) -> None:
    server = start(home, KGMEM_SERVER_SHUTDOWN_TIMEOUT_S="120")
    try:
        pid, url = postmaster(home)
        async with stuck_request(server, url):
            server.proc.send_signal(signal.SIGTERM)
            await asyncio.sleep(1.0)
            assert server.proc.poll() is None, "the first signal must drain, not exit"
            server.proc.send_signal(signal.SIGINT)
            took = await stopped_within(server, 20)
    finally:
        server.stop()
    assert took < 15, took
    assert not alive(pid) and not postgres_running(home / "pgdata")
    log = server.output
    assert "shutdown: second signal; terminated 1 backend(s)" in log, log
    assert "shutdown: embedded PostgreSQL stopped (immediate shutdown)" in log


async def test_killed_postgres_is_restarted_and_answers_meanwhile_are_503(home: Path) -> None:
    server = start(home)
    try:
        pid, _ = postmaster(home)
        os.kill(pid, signal.SIGKILL)
        answers, states = await poll_until_recovered(server.url, deadline_s=45)
        pid_after, _ = postmaster(home)
        final = (await asyncio.to_thread(httpx.get, f"{server.url}/health")).json()
    finally:
        code = server.stop()
    assert code in (0, -signal.SIGTERM)
    assert not postgres_running(home / "pgdata"), "the restarted PostgreSQL outlived the server"
    bad = [(path, status, ctype) for path, status, ctype in answers if status >= 500]
    assert bad, "the outage went unnoticed: the test did not exercise it"
    assert all(s == 503 and c == "application/problem+json" for _, s, c in bad), bad
    assert "restarting" in states or "down" in states, states
    assert pid_after != pid
    assert final["database"]["state"] == "up" and final["database"]["restarts"] == 1, final
    # The supervisor is a background service like the others, running after its restart.
    assert final["services"]["supervisor"]["state"] == "running", final["services"]
    assert "embedded PostgreSQL restarted" in server.output


async def poll_until_recovered(
    url: str, *, deadline_s: float
) -> tuple[list[tuple[str, int, str]], set[str]]:
    """Read, write and ask /health until the kept entity reads back again after an
    outage; every answer's (path, status, content type) and the states /health named."""
    answers: list[tuple[str, int, str]] = []
    states: set[str] = set()
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        async with asyncio.timeout(deadline_s):
            for n in range(10**6):
                health = await client.get("/health")
                state = health.json()["database"]["state"]
                assert health.status_code == (200 if state == "up" else 503), health.text
                states.add(state)
                write = await client.put(
                    f"/v1/namespaces/faults/entities/w{n}",
                    json={"properties": {"n": n}, "embedding": [0.1, 0.2, 0.3, 0.4]},
                )
                read = await client.get("/v1/namespaces/faults/entities/kept")
                for path, got in (("put", write), ("get", read)):
                    answers.append((path, got.status_code, got.headers["content-type"]))
                if read.status_code == 200 and state == "up" and len(states) > 1:
                    assert read.json()["entity"]["properties"] == {"name": "Kept"}
                    return answers, states
                await asyncio.sleep(0.05)
    raise AssertionError("unreachable")


async def test_postgres_that_will_not_start_is_reported_down_until_it_is_back(
    home: Path,
) -> None:
    server = start(home, KGMEM_DATABASE_RESTART_ATTEMPTS="2")
    conf = home / "pgdata" / "postgresql.auto.conf"
    good = conf.read_text()
    try:
        pid, _ = postmaster(home)
        # Read only at the next start: the restarts fail.
        conf.write_text(good + "no_such_parameter_at_all = 1\n")
        os.kill(pid, signal.SIGKILL)
        down = await health_when(server.url, gave_up, deadline_s=60)
        write = await asyncio.to_thread(
            httpx.put,
            f"{server.url}/v1/namespaces/faults/entities/later",
            json={"properties": {}, "embedding": [0.1, 0.2, 0.3, 0.4]},
        )
        conf.write_text(good)
        await asyncio.to_thread(start_postgres_elsewhere, home / "pgdata")
        up = await health_when(server.url, lambda db: db["state"] == "up", deadline_s=30)
    finally:
        conf.write_text(good)
        code = server.stop()
    assert down["restart_attempt"] == 2 and "did not start" in down["error"], down
    assert write.status_code == 503 and write.json()["code"] == "database_unavailable"
    assert "down" in write.json()["detail"]
    assert up["ok"] and up["restarts"] == 0
    assert code in (0, -signal.SIGTERM) and not postgres_running(home / "pgdata")
    assert "2 restart attempts failed" in server.output


def gave_up(database: dict) -> bool:
    # "down" with attempt 0 is the moment before the supervisor noticed: the ping failed.
    return database["state"] == "down" and database["restart_attempt"] > 0


async def health_when(url: str, wanted: Callable[[dict], bool], *, deadline_s: float) -> dict:
    """The database part of /health once ``wanted`` holds for it."""
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        async with asyncio.timeout(deadline_s):
            while True:
                answer = await client.get("/health")
                database = answer.json()["database"]
                assert answer.status_code == (200 if database["state"] == "up" else 503)
                if wanted(database):
                    return database
                await asyncio.sleep(0.2)


def start_postgres_elsewhere(pgdata: Path) -> None:
    """Start the embedded server from another process, as an operator would."""
    code = "import sys; from pgserver import get_server; get_server(sys.argv[1], cleanup_mode=None)"
    subprocess.run([sys.executable, "-c", code, str(pgdata)], check=True, timeout=60)
