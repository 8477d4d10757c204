"""A mixed load of concurrent writers on one namespace never wedges it.

Label changes, the same fact from many writers, overlapping batches and episodes, all
at once on one namespace (the keyword index once made such writers wait on each other
for good, out of sight of the deadlock detector): every writer must finish within a
hard time limit, and afterwards a write still goes through at once.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import KgmemError
from kgmem.ingest import EpisodeWrite

WRITERS = 8
OPERATIONS = int(os.environ.get("KGMEM_STRESS_OPERATIONS", "15"))
"""Operations per writer: a bounded budget in the normal run, more when asked."""
LIMIT_S = 150
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
async def busy_namespace(memory: Memory, raw_conn: asyncpg.Connection) -> AsyncIterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(name)
    yield name
    stuck = await stuck_backends(raw_conn)
    for pid in stuck:  # only after a failure: a wedged backend ignores every signal but this
        os.kill(pid, signal.SIGKILL)
    if not stuck:
        await memory.delete_namespace(name)


async def stuck_backends(conn: asyncpg.Connection) -> list[int]:
    rows = await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'LWLock' AND wait_event = 'extension'"
    )
    return [r["pid"] for r in rows]


def entity(rng: random.Random) -> EntityWrite:
    k = rng.randrange(6)
    return EntityWrite(
        f"e{k}", rng.choice(["Person", "Organization", "Thing"]), {"name": f"Entity {k}"}
    )


def fact(rng: random.Random, writer: int) -> FactWrite:
    k = rng.randrange(10)
    return FactWrite(
        f"e{k % 6}",
        "KNOWS",
        f"e{(k + 1) % 6}",
        uid=f"shared{k}",
        valid_from=EPOCH + timedelta(days=k),
        source=f"src{writer}",
        text=f"Entity {k % 6} knows entity {(k + 1) % 6}",
    )


async def one_operation(memory: Memory, ns: str, rng: random.Random, writer: int) -> None:
    kind = rng.randrange(5)
    if kind == 0:
        await memory.upsert_entity(ns, entity(rng))
    elif kind == 1:
        await memory.add_fact(ns, fact(rng, writer))
    elif kind == 2:
        entities = [entity(rng) for _ in range(3)]
        facts = [fact(rng, writer) for _ in range(3)]
        rng.shuffle(entities)
        await memory.write_batch(ns, BatchWrite(entities=entities, facts=facts))
    elif kind == 3:
        text = f"Entity {rng.randrange(6)} met Entity {rng.randrange(6)} in Lisbon."
        await memory.add_episodes(ns, [EpisodeWrite(text=text, speaker=f"Entity {writer % 6}")])
    else:
        await memory.add_fact(
            ns,
            FactWrite(
                f"e{rng.randrange(6)}",
                "LIVES_IN",
                f"e{rng.randrange(6)}",
                valid_from=EPOCH + timedelta(days=rng.randrange(1000)),
                source=f"src{writer}",
            ),
        )


async def writer_loop(memory: Memory, ns: str, writer: int) -> list[str]:
    """The codes of the operations refused (a clear refusal is fine, a wedge is not)."""
    rng = random.Random(writer)
    refused = []
    for _ in range(OPERATIONS):
        try:
            await one_operation(memory, ns, rng, writer)
        except KgmemError as exc:
            refused.append(exc.code)
    return refused


@pytest.mark.slow
async def test_mixed_concurrent_writers_never_wedge_a_namespace(
    memory: Memory, busy_namespace: str, raw_conn: asyncpg.Connection
) -> None:
    ns = busy_namespace
    await memory.write_batch(
        ns,
        BatchWrite(
            entities=[EntityWrite(f"e{k}", "Thing", {"name": f"Entity {k}"}) for k in range(6)]
        ),
    )
    try:
        async with asyncio.timeout(LIMIT_S):
            refused = await asyncio.gather(*(writer_loop(memory, ns, w) for w in range(WRITERS)))
    except TimeoutError:
        stuck = await stuck_backends(raw_conn)
        pytest.fail(f"writers wedged: still running after {LIMIT_S} s; BM25 lock waits: {stuck}")
    codes = [code for codes in refused for code in codes]
    assert set(codes) <= {"write_conflict", "label_kind_conflict"}, codes
    assert len(codes) < WRITERS * OPERATIONS / 4, codes
    async with asyncio.timeout(10):
        await memory.upsert_entity(ns, EntityWrite("after", "Thing", {"name": "After"}))
    assert await stuck_backends(raw_conn) == []
