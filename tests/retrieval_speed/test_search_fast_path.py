"""The vector-only search in one statement: the namespace comes from the per-process
cache and the probe loads its nearest vertices as entities. The answers are those of
the stored elements (``get_entity``, ``by_ids``) and of the per-kind probe; a deleted
namespace is noticed however it was deleted."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace

import asyncpg
import pytest

from bench.roundtrips import RoundTrips
from kgmem import Memory
from kgmem.errors import NamespaceNotFound
from kgmem.model import (
    BatchWrite,
    EntityWrite,
    FactWrite,
    GeoPoint,
    SearchQuery,
)
from kgmem.retrieval.search import plan_of, run
from kgmem.storage.graph import namespaces
from kgmem.storage.graph import vertices as vertex_store
from kgmem.storage.indexes import candidates as cand
from kgmem.storage.indexes import vector_search as vs
from tests.retrieval.graphs import ONLY_VECTOR, add_people, axis_vector, uids, vector_query


def _unit(rng: random.Random) -> list[float]:
    v = [rng.gauss(0, 1) for _ in range(384)]
    n = sum(x * x for x in v) ** 0.5
    return [x / n for x in v]


async def _expected_entities(
    memory: Memory, namespace: str, query: list[float], labels: tuple[str, ...], k: int
) -> list[str]:
    """The top ``k`` entity uids by the per-kind probe, ties by uid."""
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        where = vs.VectorFilter(labels=labels or None, exclude_labels=("Episode",))
        old = await vs.nearest_vertices(conn, ns, query, limit=max(4 * k, 50), where=where)
        rows = await cand.vertex_rows(conn, ns, [i for i, _ in old])
    ranked = sorted((-round(max(0.0, min(1.0, s)), 6), rows[i].uid) for i, s in old)
    return [u for _, u in ranked][:k]


async def _check_entities(memory: Memory, namespace: str, hits: tuple) -> None:  # type: ignore[type-arg]
    """Every entity hit is the stored entity, properties and all."""
    for hit in hits:
        if hit.entity is not None:
            stored = await memory.get_entity(namespace, hit.uid)
            assert hit.entity == stored.entity


async def test_lone_vector_search_is_one_statement(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    query = SearchQuery(embedding=axis_vector((0, 1.0)), weights=ONLY_VECTOR, k=3)
    first = await memory.search(namespace, query)  # the namespace is cached from now on
    # The search's own statements on whichever pooled connections it takes (not those
    # of background work such as the watchdog's sweep meanwhile).
    with RoundTrips(own=True) as rt:
        again = await memory.search(namespace, query)
    assert rt.total == 1, rt.by_query
    assert again == first
    assert uids(again.hits)[:2] == ["alice", "bob"]
    await _check_entities(memory, namespace, again.hits)
    # Fused with another axis the probe loads nothing: the load stage reads the hits.
    fused = SearchQuery(embedding=axis_vector((0, 1.0)), text="rocket", k=3)
    with RoundTrips(own=True) as rt:
        result = await memory.search(namespace, fused)
    assert rt.total > 1
    await _check_entities(memory, namespace, result.hits)


async def test_statements_sent_meanwhile_by_other_work_are_not_the_search_s(
    memory: Memory, namespace: str
) -> None:
    """Another task querying all the while (as the watchdog's sweep may): counted among
    every connection's statements, never among the search's own."""
    await add_people(memory, namespace)
    query = SearchQuery(embedding=axis_vector((0, 1.0)), weights=ONLY_VECTOR, k=3)
    await memory.search(namespace, query)
    stop = asyncio.Event()
    other = await asyncpg.connect(memory.database.url)

    async def busy() -> None:
        while not stop.is_set():
            await other.fetchval("SELECT 1")

    task = asyncio.create_task(busy())
    try:
        interleaved = 0
        for _ in range(20):
            with RoundTrips() as every, RoundTrips(own=True) as own:
                await asyncio.wait_for(memory.search(namespace, query), timeout=30)
            assert own.total == 1, own.by_query
            interleaved += every.total > own.total
        assert interleaved  # the other task did query during the searches
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
        await other.close()


@pytest.mark.parametrize("k", [1, 2, 3, 20])
@pytest.mark.parametrize("labels", [(), ("Person",), ("Organization",)])
async def test_entities_loaded_by_the_probe_are_the_stored_ones(
    memory: Memory, namespace: str, k: int, labels: tuple[str, ...]
) -> None:
    await add_people(memory, namespace)
    for query in (axis_vector((0, 1.0)), axis_vector((1, 1.0), (3, 0.5))):
        result = await memory.search(namespace, vector_query(query, labels=labels, k=k))
        assert uids(result.hits) == await _expected_entities(memory, namespace, query, labels, k)
        await _check_entities(memory, namespace, result.hits)
        async with memory.database.acquire() as conn:
            ns = await namespaces.resolve(conn, namespace)
            stored = await vertex_store.by_ids(conn, ns, [h.entity.id for h in result.hits])  # type: ignore[union-attr]
        assert [h.entity for h in result.hits] == [stored[h.entity.id] for h in result.hits]  # type: ignore[union-attr]


async def test_random_graph_with_deletions(memory: Memory, namespace: str) -> None:
    """A random graph: entities of three labels with random vectors, properties and
    places, facts between them; some entities deleted. Every vector-only search, of any
    type, label filter and k, returns only live elements, entities as stored, entity
    hits in the per-kind probe's order."""
    rng = random.Random(11)
    labels = ("Person", "Place", "Thing")
    entities = [
        EntityWrite(
            f"e{i:03d}",
            rng.choice(labels),
            {"name": f"E{i}", "n": i, "tags": [rng.choice("abc") for _ in range(2)]},
            embedding=_unit(rng),
            location=GeoPoint(rng.uniform(-80, 80), rng.uniform(-179, 179))
            if rng.random() < 0.5
            else None,
        )
        for i in range(60)
    ]
    facts = [
        FactWrite(
            f"e{rng.randrange(60):03d}",
            "LINKS",
            f"e{rng.randrange(60):03d}",
            {"w": i},
            embedding=_unit(rng),
        )
        for i in range(40)
    ]
    await memory.write_batch(namespace, BatchWrite(entities=entities, facts=facts))
    deleted = {f"e{i:03d}" for i in rng.sample(range(60), 8)}
    for uid in deleted:
        await memory.delete_entity(namespace, uid)
    seen_facts: set[str] = set()
    for _ in range(20):
        query = _unit(rng)
        k = rng.choice([1, 5, 10, 30])
        chosen = rng.choice([(), ("Person",), ("Place", "Thing")])
        for types in (("entities",), ("entities", "facts")):
            result = await memory.search(
                namespace, vector_query(query, labels=chosen, types=types, k=k)
            )
            assert not deleted & set(uids(result.hits))
            assert len(result.hits) <= k
            await _check_entities(memory, namespace, result.hits)
            entity_uids = [h.uid for h in result.hits if h.entity is not None]
            if types == ("entities",):
                assert entity_uids == await _expected_entities(memory, namespace, query, chosen, k)
            seen_facts |= {h.uid for h in result.hits if h.fact is not None}
            for hit in result.hits:
                if hit.fact is not None:
                    assert hit.fact.subject not in deleted and hit.fact.object not in deleted
    assert seen_facts  # fact hits were among the answers too


async def test_a_namespace_deleted_here_is_forgotten(memory: Memory) -> None:
    name = "t_nscache_here"
    await memory.create_namespace(name)
    await add_people(memory, name)
    query = SearchQuery(embedding=axis_vector((0, 1.0)), weights=ONLY_VECTOR)
    assert (await memory.search(name, query)).hits
    assert memory.database.namespaces.get(name) is not None
    await memory.delete_namespace(name)
    assert memory.database.namespaces.get(name) is None
    with pytest.raises(NamespaceNotFound):
        await memory.search(name, query)
    # Created again: found, searched on its new (empty) tables.
    await memory.create_namespace(name)
    try:
        assert (await memory.search(name, query)).hits == ()
    finally:
        await memory.delete_namespace(name)


async def test_a_namespace_deleted_by_another_process_is_noticed(
    memory: Memory, settings: object
) -> None:
    """Another store on the same database (another server worker, the CLI) deletes and
    re-creates the namespace: this store's cached entry is found stale by the failing
    statement, and the search answers NamespaceNotFound, then the new namespace's hits."""
    name = "t_nscache_other"
    other = await Memory.open(settings)  # type: ignore[arg-type]
    try:
        await memory.create_namespace(name)
        await add_people(memory, name)
        query = SearchQuery(embedding=axis_vector((0, 1.0)), weights=ONLY_VECTOR)
        fused = SearchQuery(embedding=axis_vector((0, 1.0)), text="rocket")
        assert (await memory.search(name, query)).hits
        assert (await memory.search(name, fused)).hits
        await other.delete_namespace(name)
        assert memory.database.namespaces.get(name) is not None  # still cached here
        for q in (query, fused):
            with pytest.raises(NamespaceNotFound):
                await memory.search(name, q)
        assert memory.database.namespaces.get(name) is None
        # Cached again, then dropped and re-created elsewhere: the new tables answer.
        await other.create_namespace(name)
        assert (await memory.search(name, query)).hits == ()
        await other.delete_namespace(name)
        await other.create_namespace(name)
        await add_people(other, name)
        assert uids((await memory.search(name, query)).hits)[:2] == ["alice", "bob"]
        assert (await memory.search(name, fused)).hits
    finally:
        async with other.database.acquire() as conn:
            present = await namespaces.list_all(conn, [name])
        if present:
            await other.delete_namespace(name)
        await other.close()


async def test_the_short_probe_gives_the_full_probes_hits(memory: Memory, namespace: str) -> None:
    """A lone vector axis first probes its top k + 1 per kind; the hits are those of the
    full probe (the same plans without the short probe), ties on equal
    vectors, label filters, closed facts and deleted entities included."""
    rng = random.Random(23)
    shared = [_unit(rng) for _ in range(5)]  # many equal similarities: ties
    entities = [
        EntityWrite(
            f"e{i:03d}",
            rng.choice(("Person", "Place")),
            {"name": f"E{i}"},
            embedding=rng.choice(shared) if i % 2 else _unit(rng),
        )
        for i in range(60)
    ]
    facts = [
        FactWrite(
            f"e{rng.randrange(60):03d}",
            "LINKS",
            f"e{rng.randrange(60):03d}",
            embedding=rng.choice(shared) if i % 2 else _unit(rng),
        )
        for i in range(40)
    ]
    written = await memory.write_batch(namespace, BatchWrite(entities=entities, facts=facts))
    for outcome in written.facts[:6]:
        await memory.delete_fact(namespace, outcome.uid)
    for uid in ("e001", "e002", "e003"):
        await memory.delete_entity(namespace, uid)
    queries = []
    for _ in range(25):
        query = rng.choice(shared) if rng.random() < 0.5 else _unit(rng)
        queries.append(
            vector_query(
                query,
                labels=rng.choice([(), ("Person",)]),
                types=rng.choice([("entities",), ("facts",), ("entities", "facts")]),
                k=rng.choice([1, 3, 10]),
                explain=True,
            )
        )
    short = [await memory.search(namespace, q) for q in queries]
    assert any("first its top" in line for r in short for line in r.plan or ())
    assert any(not any("probed again" in line for line in r.plan or ()) for r in short)
    assert any(any("probed again" in line for line in r.plan or ()) for r in short)
    plans = [plan_of(memory.ctx, q) for q in queries]
    assert any(p.short for p in plans)
    full = [await run(memory.ctx, namespace, replace(p, short=0)) for p in plans]
    for a, b in zip(short, full, strict=True):
        assert a.hits == b.hits


async def test_no_short_probe_when_the_full_one_needs_a_wider_ef_search(
    memory: Memory, namespace: str
) -> None:
    """A search for more candidates than ef_search widens the HNSW scan for the full
    probe; a short probe at the narrower setting could find other neighbours, so it is
    not used then."""
    await add_people(memory, namespace)
    ef_search = memory.database.ef_search
    narrow = SearchQuery(embedding=axis_vector((0, 1.0)), weights=ONLY_VECTOR, k=3, explain=True)
    wide = SearchQuery(
        embedding=axis_vector((0, 1.0)), weights=ONLY_VECTOR, k=ef_search // 4 + 1, explain=True
    )
    assert any("first its top" in line for line in (await memory.search(namespace, narrow)).plan)  # type: ignore[union-attr]
    plan = (await memory.search(namespace, wide)).plan or ()
    assert not any("first its top" in line for line in plan)
