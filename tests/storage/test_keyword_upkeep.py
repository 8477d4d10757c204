"""The keyword index's upkeep in a serving store: after an unclean stop it checks every
namespace's statistics against the rows and repairs what differs (log and /health say
so); after a clean stop it does not; and it folds the statistics' delta rows."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from kgmem import BatchWrite, EntityWrite, Memory
from kgmem.storage.indexes import keyword_upkeep
from tests.fixtures.database import store_settings


async def _written(url: str, home: Path) -> None:
    memory = await Memory.open(store_settings(url, home))
    try:
        await memory.create_namespace("upkeep_ns")
        for k in range(3):
            notes = [
                EntityWrite(f"n{i}", "Note", {"name": f"note {i} round {k}"}) for i in range(4)
            ]
            await memory.write_batch("upkeep_ns", BatchWrite(entities=notes))
    finally:
        await memory.close()


async def _damage(url: str, *, clean: bool) -> None:
    """Statistics that differ from the rows, and the serving marker of a server that
    stopped cleanly or not."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO upkeep_ns._kg_text_stats (kind, lexeme, docs) VALUES ('v', 'note', 5)"
        )
        await conn.execute(
            "INSERT INTO kgmem.store_meta (key, value) VALUES ('serving', $1::jsonb) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            '{"clean": true}' if clean else '{"clean": false}',
        )
    finally:
        await conn.close()


async def _stat_rows(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM upkeep_ns._kg_text_stats"))
    finally:
        await conn.close()


def _busy(health: Any) -> bool:
    """Whether the start-up check still runs or the upkeep service has not started yet."""
    upkeep = health.services.get("keyword-upkeep")
    return health.keyword_index == "checking" or upkeep is None or upkeep.state == "starting"


async def test_an_unclean_stop_is_followed_by_a_check_that_repairs(
    fresh_database,
    home_dir: Path,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    url = await fresh_database()
    await _written(url, home_dir)
    await _damage(url, clean=False)
    caplog.set_level(logging.INFO, logger="kgmem.storage.indexes.keyword_upkeep")
    memory = await Memory.open(store_settings(url, home_dir), serve=True)
    try:
        async with asyncio.timeout(30):
            while _busy(await memory.health()):  # noqa: ASYNC110 (a polled report)
                await asyncio.sleep(0.1)
        health = await memory.health()
        assert health.keyword_index == "repaired"
        # A server runs the upkeep as one of its background services.
        assert health.services["keyword-upkeep"].state == "running"
        assert all(check.ok for check, _ in await memory.check_keyword_index("upkeep_ns"))
        assert "upkeep_ns.vertices differed from the rows" in caplog.text
    finally:
        await memory.close()
    # That stop was clean: the next start checks nothing.
    await _damage(url, clean=True)
    memory = await Memory.open(store_settings(url, home_dir), serve=True)
    try:
        await asyncio.sleep(0.5)
        assert (await memory.health()).keyword_index == "ok"
        assert not all(check.ok for check, _ in await memory.check_keyword_index("upkeep_ns"))
    finally:
        await memory.close()


async def test_compaction_folds_delta_rows_and_keeps_the_sums(
    fresh_database,
    home_dir: Path,  # type: ignore[no-untyped-def]
) -> None:
    url = await fresh_database()
    await _written(url, home_dir)
    before = await _stat_rows(url)
    upkeep = keyword_upkeep.KeywordUpkeep(url, interval_s=3600)
    conn = await keyword_upkeep.connect(url)
    try:
        folded = await upkeep.compact_all(conn)
        checks = await keyword_upkeep.check_and_repair(conn, "upkeep_ns", repair=False)
    finally:
        await conn.close()
    after = await _stat_rows(url)
    assert folded > 0 and after < before
    assert all(check.ok and not repaired for check, repaired in checks)
    # One row per key left.
    conn = await asyncpg.connect(url)
    try:
        assert not await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM upkeep_ns._kg_text_stats "
            "GROUP BY kind, lexeme HAVING count(*) > 1)"
        )
    finally:
        await conn.close()


async def test_a_namespace_nobody_writes_is_not_compacted_again(
    fresh_database,
    home_dir: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from kgmem.storage.indexes import text_index

    url = await fresh_database()
    await _written(url, home_dir)
    compacted: list[str] = []
    real = text_index.compact

    async def counted(conn: asyncpg.Connection, namespace: str) -> int:
        compacted.append(namespace)
        return await real(conn, namespace)

    monkeypatch.setattr(text_index, "compact", counted)
    upkeep = keyword_upkeep.KeywordUpkeep(url, interval_s=3600)
    conn = await keyword_upkeep.connect(url)
    try:

        async def step() -> int:
            # What the writers and the last compaction inserted, reported now.
            await conn.execute("SELECT pg_stat_force_next_flush()")
            await asyncio.sleep(0)
            return await upkeep.compact_all(conn)

        assert await step() > 0  # folds the writers' rows
        assert await step() == 0  # finds nothing more: settled
        assert compacted.count("upkeep_ns") == 2
        assert await step() == 0
        assert compacted.count("upkeep_ns") == 2  # not looked at again
        # A write makes it worth a compaction again.
        memory = await Memory.open(store_settings(url, home_dir))
        try:
            await memory.write_batch(
                "upkeep_ns", BatchWrite(entities=[EntityWrite("late", "Thing", {"name": "late"})])
            )
        finally:
            await memory.close()
        async with asyncio.timeout(20):
            while compacted.count("upkeep_ns") == 2:
                await step()
                await asyncio.sleep(0.2)
        checks = await keyword_upkeep.check_and_repair(conn, "upkeep_ns", repair=False)
        assert all(check.ok for check, _ in checks)
    finally:
        await conn.close()


async def test_an_interval_of_zero_never_compacts_and_does_not_spin(
    fresh_database,
    home_dir: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from kgmem.storage.indexes import text_index

    url = await fresh_database()
    await _written(url, home_dir)
    compacted: list[str] = []
    steps: list[None] = []

    async def counted(conn: asyncpg.Connection, namespace: str) -> int:
        compacted.append(namespace)
        return 0

    monkeypatch.setattr(text_index, "compact", counted)
    upkeep = keyword_upkeep.KeywordUpkeep(url, interval_s=0)
    real_step = upkeep.service.step

    async def step(conn: asyncpg.Connection | None) -> None:
        steps.append(None)
        await real_step(conn)

    upkeep.service.step = step
    await upkeep.open()
    upkeep.start()
    try:
        async with asyncio.timeout(10):
            while upkeep.service.status().state != "running":  # noqa: ASYNC110 - polled state
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)
    finally:
        await upkeep.stop()
    assert compacted == [] and len(steps) == 1
