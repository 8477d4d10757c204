"""The few-statement search path gives the answers of the per-kind reads it replaced:
one probe of both HNSW indexes with side rows (``nearest_with_rows``) against
``nearest_vertices``/``nearest_facts`` plus ``vertex_rows``/``fact_rows``; one read of
both kinds of side rows (``side_rows``); entities with their properties in one
statement (``by_ids``) against the side rows plus ``properties_by_id``."""

from __future__ import annotations

import pytest

from kgmem import Memory
from kgmem.storage.graph import namespaces
from kgmem.storage.graph import vertices as vertex_store
from kgmem.storage.indexes import candidates as cand
from kgmem.storage.indexes import vector_search as vs
from tests.retrieval.graphs import add_people, axis_vector, uids, vector_query

QUERIES = [
    axis_vector((0, 1.0)),
    axis_vector((3, 1.0)),
    axis_vector((1, 1.0), (3, 0.5)),
    axis_vector((0, 0.3), (1, 0.3), (3, 0.3), (5, 1.0)),
]


@pytest.mark.parametrize(
    ("vertex_filter", "fact_filter"),
    [
        (vs.VectorFilter(), vs.VectorFilter()),
        (vs.VectorFilter(labels=("Organization",)), vs.VectorFilter(predicates=("WORKS_AT",))),
        (vs.VectorFilter(exclude_labels=("Person",)), None),
        (None, vs.VectorFilter(predicates=("NO_SUCH",))),
        (None, None),
    ],
)
async def test_one_probe_of_both_indexes_matches_the_per_kind_probes(
    memory: Memory,
    namespace: str,
    vertex_filter: vs.VectorFilter | None,
    fact_filter: vs.VectorFilter | None,
) -> None:
    await add_people(memory, namespace)
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        for query in QUERIES:
            for limit in (1, 3, 50):
                found = await vs.nearest_with_rows(
                    conn, ns, query, limit=limit, vertices=vertex_filter, facts=fact_filter
                )
                old_v = (
                    await vs.nearest_vertices(conn, ns, query, limit=limit, where=vertex_filter)
                    if vertex_filter is not None
                    else []
                )
                old_f = (
                    await vs.nearest_facts(conn, ns, query, limit=limit, where=fact_filter)
                    if fact_filter is not None
                    else []
                )
                assert sorted((r.id, round(s, 9)) for r, s in found.vertices) == sorted(
                    (i, round(s, 9)) for i, s in old_v
                )
                assert sorted((r.id, round(s, 9)) for r, s in found.facts) == sorted(
                    (i, round(s, 9)) for i, s in old_f
                )
                # Best first, and the side rows are those the filter stage reads.
                assert [s for _, s in found.vertices] == sorted(
                    (s for _, s in found.vertices), reverse=True
                )
                vrows = await cand.vertex_rows(conn, ns, [r.id for r, _ in found.vertices])
                frows = await cand.fact_rows(conn, ns, [r.id for r, _ in found.facts])
                assert {r.id: r for r, _ in found.vertices} == vrows
                assert {r.id: r for r, _ in found.facts} == frows
    if vertex_filter is None and fact_filter is None:
        assert found.vertices == [] and found.facts == []


async def test_side_rows_of_both_kinds_in_one_read(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        vids = [r["id"] for r in await conn.fetch(f'SELECT id FROM "{namespace}"._kg_vertex')]
        fids = [r["id"] for r in await conn.fetch(f'SELECT id FROM "{namespace}"._kg_fact')]
        assert vids and fids
        vertices, facts = await cand.side_rows(conn, ns, [*vids, 999_999_999], fids)
        assert vertices == await cand.vertex_rows(conn, ns, vids)
        assert facts == await cand.fact_rows(conn, ns, fids)
        assert await cand.side_rows(conn, ns, [], []) == ({}, {})
        only_facts = await cand.side_rows(conn, ns, [], fids[:1])
        assert only_facts == ({}, await cand.fact_rows(conn, ns, fids[:1]))


async def test_entities_load_with_their_properties_in_one_statement(
    memory: Memory, namespace: str
) -> None:
    await add_people(memory, namespace)
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        vids = [r["id"] for r in await conn.fetch(f'SELECT id FROM "{namespace}"._kg_vertex')]
        loaded = await vertex_store.by_ids(conn, ns, [*vids, 999_999_999])
        props = await vertex_store.properties_by_id(conn, ns, "_ag_label_vertex", vids)
        assert set(loaded) == set(vids)
        for i, entity in loaded.items():
            expected = {k: v for k, v in props[i].items() if k != "uid"}
            assert entity.properties == expected
            assert entity.id == i
            got = await memory.get_entity(namespace, entity.uid)
            assert got is not None and got.entity == entity
        assert await vertex_store.by_ids(conn, ns, []) == {}


async def test_vector_search_of_entities_ranks_as_the_per_kind_probe(
    memory: Memory, namespace: str
) -> None:
    """Whole searches: the hits are the vertex probe's neighbours by similarity, ties by
    uid, with their scores, whatever the label filter."""
    await add_people(memory, namespace)
    for query in QUERIES:
        for labels in ((), ("Person",), ("Organization",)):
            result = await memory.search(namespace, vector_query(query, labels=labels, k=20))
            async with memory.database.transaction(readonly=True) as conn:
                ns = await namespaces.resolve(conn, namespace)
                where = vs.VectorFilter(labels=labels or None, exclude_labels=("Episode",))
                old = await vs.nearest_vertices(conn, ns, query, limit=50, where=where)
                rows = await cand.vertex_rows(conn, ns, [i for i, _ in old])
            expected = sorted((-round(max(0.0, min(1.0, s)), 6), rows[i].uid) for i, s in old)
            assert uids(result.hits) == [u for _, u in expected]
            assert [-h.scores["vector"] for h in result.hits] == [s for s, _ in expected]
