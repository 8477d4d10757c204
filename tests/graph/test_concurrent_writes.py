"""Batches written at once by several writers sharing one store, as a server's requests
share it: overlapping endpoints, the same facts sent by several writers in different
orders, functional predicates whose current values are closed meanwhile. Nothing may
deadlock, and every fact is stored exactly once, with one edge, all its claims and
matching side row and edge."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import asyncpg

from kgmem import BatchWrite, EntityWrite, FactQuery, FactWrite, Memory

PEOPLE = 40
PLACES = 6
WRITERS = 6
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


async def setup(memory: Memory, ns: str) -> None:
    people = [EntityWrite(f"p{i}", "Person", {"name": f"Person {i}"}) for i in range(PEOPLE)]
    places = [EntityWrite(f"c{i}", "Place", {"name": f"City {i}"}) for i in range(PLACES)]
    await memory.write_batch(ns, BatchWrite(entities=[*people, *places]))


def shared_fact(k: int, source: str) -> FactWrite:
    """Fact ``k`` as every writer states it (a uid names one statement); only the
    source differs from writer to writer."""
    a, b = k % PEOPLE, (k * 7 + 3) % PEOPLE
    if a == b:
        b = (b + 1) % PEOPLE
    return FactWrite(
        f"p{a}",
        "KNOWS",
        f"p{b}",
        uid=f"shared{k:04d}",
        valid_from=EPOCH + timedelta(days=k),
        source=source,
        properties={"k": k},
    )


def own_fact(w: int, k: int) -> FactWrite:
    predicate = ("WORKS_AT", "LIVES_IN", "KNOWS")[k % 3]
    obj = f"c{k % PLACES}" if predicate != "KNOWS" else f"p{(k + w) % PEOPLE}"
    return FactWrite(
        f"p{(k * 3 + w) % PEOPLE}", predicate, obj, uid=f"w{w}-{k:04d}", source=f"src{w}"
    )


async def stored_facts(conn: asyncpg.Connection, ns: str) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT f.uid, f.predicate, f.expired_at, e.id AS edge, e.properties::text AS props, "
        f'(SELECT count(*) FROM "{ns}"._kg_claim c WHERE c.fact_id = f.id) AS claims '
        f'FROM "{ns}"._kg_fact f LEFT JOIN "{ns}"._ag_label_edge e ON e.id = f.id'
    )
    return rows


async def test_writers_sharing_endpoints_and_facts_store_each_fact_once(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await setup(memory, namespace)
    shared = 600  # long enough for the chunked path of a batch of facts
    rng = random.Random(7)

    async def writer(w: int) -> None:
        order = list(range(shared))
        rng.shuffle(order)  # every writer sends the shared facts in its own order
        mine = [shared_fact(k, f"src{w}") for k in order]
        mine += [own_fact(w, k) for k in range(300)]
        # Two batches: the shared facts alone (chunked), then all again with its own
        # facts mixed in, shuffled (updates of what others may have just created).
        await memory.write_batch(namespace, BatchWrite(facts=mine[:shared]))
        again = list(mine)
        rng.shuffle(again)
        for at in range(0, len(again), 450):
            await memory.write_batch(namespace, BatchWrite(facts=again[at : at + 450]))

    await asyncio.wait_for(asyncio.gather(*(writer(w) for w in range(WRITERS))), 300)

    rows = await stored_facts(raw_conn, namespace)
    uids = [r["uid"] for r in rows]
    assert len(uids) == len(set(uids)) == shared + WRITERS * 300
    assert all(r["edge"] is not None for r in rows)
    edges = await raw_conn.fetchval(f'SELECT count(*) FROM "{namespace}"._ag_label_edge')
    assert edges == len(rows)
    by_uid = {r["uid"]: r for r in rows}
    # Every writer's claim on every shared fact, one claim per writer's own fact.
    assert {by_uid[f"shared{k:04d}"]["claims"] for k in range(shared)} == {WRITERS}
    assert {by_uid[f"w{w}-{k:04d}"]["claims"] for w in range(WRITERS) for k in range(300)} == {1}
    # Each writer's source was created once.
    sources = await raw_conn.fetch(
        f"SELECT uid FROM \"{namespace}\"._kg_vertex WHERE label = 'Source' ORDER BY uid"
    )
    assert [s["uid"] for s in sources] == sorted(f"src{w}" for w in range(WRITERS))
    fact = await memory.get_fact(namespace, "shared0005")
    assert fact.properties == {"k": 5}
    assert fact.sources == tuple(sorted(f"src{w}" for w in range(WRITERS)))


async def test_closing_current_values_while_writers_rewrite_and_add(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    """Each person's current employer is closed and a new one written while other
    writers send batches restating the old facts and adding facts about the same
    people: the closed facts stay closed (side row and edge), nothing is lost."""
    await setup(memory, namespace)

    def old(i: int) -> FactWrite:
        return FactWrite(f"p{i}", "WORKS_AT", f"c{i % PLACES}", uid=f"job{i}-0", source="hr")

    def new(i: int) -> FactWrite:
        return FactWrite(f"p{i}", "WORKS_AT", f"c{(i + 1) % PLACES}", uid=f"job{i}-1", source="hr")

    await memory.write_batch(namespace, BatchWrite(facts=[old(i) for i in range(PEOPLE)]))

    async def mover(part: int) -> None:
        for i in range(part, PEOPLE, 2):
            await memory.close_fact(namespace, f"job{i}-0")
            await memory.write_batch(namespace, BatchWrite(facts=[new(i)]))

    async def restater(w: int) -> None:
        order = list(range(PEOPLE))
        random.Random(w).shuffle(order)
        for _ in range(3):
            batch = [old(i) for i in order] + [
                FactWrite(f"p{i}", "LIVES_IN", f"c{(i + w) % PLACES}", uid=f"home{w}-{i}")
                for i in order
            ]
            await memory.write_batch(namespace, BatchWrite(facts=batch))
            order.reverse()

    await asyncio.wait_for(
        asyncio.gather(mover(0), mover(1), *(restater(w) for w in range(4))), 300
    )

    rows = {r["uid"]: r for r in await stored_facts(raw_conn, namespace)}
    assert len(rows) == PEOPLE * 2 + 4 * PEOPLE
    for i in range(PEOPLE):
        closed, current = rows[f"job{i}-0"], rows[f"job{i}-1"]
        assert closed["expired_at"] is not None
        assert '"expired_at": null' not in closed["props"]  # the edge says closed too
        assert current["expired_at"] is None
    current_jobs = await memory.list_facts(namespace, FactQuery(predicate="WORKS_AT"))
    assert sorted(f.uid for f in current_jobs.items) == sorted(f"job{i}-1" for i in range(PEOPLE))
