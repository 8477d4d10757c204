"""Incremental re-scores racing on one data item: when PostgreSQL breaks a deadlock
between two of them, the one it undoes runs again and both writes succeed."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import asyncpg
import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.storage.truth import item_scores


async def _until_one_waits_for_a_lock(conn: asyncpg.Connection) -> None:
    for _ in range(1000):
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        )
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("no update waited for a lock")


async def test_a_rescore_undone_by_a_deadlock_runs_again(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Update 1 locks the score row of s1 (s0 has none yet) and stops before storing;
    another item's update creates s0's row; update 2 locks s0, then waits for s1; update 1
    then stores s0 and waits for update 2: a deadlock, whichever PostgreSQL undoes."""
    for uid in ("alice", "bob", "acme"):
        await memory.upsert_entity(namespace, EntityWrite(uid, "Person", {"name": uid}))
    job = FactWrite("alice", "WORKS_AT", "acme", uid="job")
    for source in ("s0", "s1"):  # batches are not re-scored: no score rows yet
        await memory.write_batch(namespace, BatchWrite(facts=[replace(job, source=source)]))
    await memory.add_fact(namespace, FactWrite("bob", "LIVES_IN", "acme", source="s1"))

    stored = item_scores.store_item
    paused, release = asyncio.Event(), asyncio.Event()

    async def held(*args: Any, **kwargs: Any) -> None:
        if not paused.is_set():
            paused.set()
            await release.wait()
        await stored(*args, **kwargs)

    monkeypatch.setattr(item_scores, "store_item", held)
    async with asyncio.timeout(60):
        first = asyncio.create_task(memory.add_fact(namespace, replace(job, source="s1")))
        await paused.wait()
        await memory.add_fact(namespace, FactWrite("bob", "KNOWS", "acme", source="s0"))
        second = asyncio.create_task(memory.add_fact(namespace, replace(job, source="s0")))
        await _until_one_waits_for_a_lock(raw_conn)
        release.set()
        done = await asyncio.gather(first, second)
    assert [f.uid for f in done] == ["job", "job"]
    assert set(done[1].sources) == {"s0", "s1"}
