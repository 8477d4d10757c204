"""Side rows read by position (the hot path of every search) hold what the rows read
by column name hold, and the shared side-row columns keep ``SideRow``'s order."""

from __future__ import annotations

import dataclasses

from kgmem import BatchWrite, FactWrite, Memory
from kgmem.storage import rows
from kgmem.storage.graph import namespaces
from kgmem.storage.indexes import candidates as cand
from tests.retrieval.graphs import add_cities, add_people


async def test_side_row_columns_are_the_side_row_fields(memory: Memory, namespace: str) -> None:
    async with memory.database.transaction(readonly=True) as conn:
        for columns, source in [
            (cand.VERTEX_COLUMNS, "_kg_vertex"),
            (cand.FACT_COLUMNS, "_kg_fact"),
        ]:
            statement = await conn.prepare(f'SELECT {columns} FROM "{namespace}".{source} s')
            names = tuple(a.name for a in statement.get_attributes())
            assert names == rows.columns(cand.SideRow)
    assert rows.columns(cand.VertexInfo) == cand.SideRow._fields[1:8]
    # A fact's predicate travels in the shared ``label`` column.
    fact_fields = tuple("label" if f == "predicate" else f for f in rows.columns(cand.FactInfo))
    assert fact_fields == cand.SideRow._fields[1:4] + cand.SideRow._fields[8:]


async def test_side_rows_match_rows_read_by_name(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    await add_cities(memory, namespace)
    await memory.write_batch(
        namespace,
        BatchWrite(facts=[FactWrite("london", "RELATED_TO", "paris", uid="l-p")]),
    )
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        by_name = {
            r["id"]: dict(r)
            for r in await conn.fetch(
                "SELECT id, uid, label, occurred_at, updated_at, lat, lon "
                f'FROM "{namespace}"._kg_vertex'
            )
        }
        facts_by_name = {
            r["id"]: dict(r)
            for r in await conn.fetch(
                "SELECT id, uid, predicate, subject_id, object_id, valid_from, valid_to, "
                f'recorded_at, expired_at FROM "{namespace}"._kg_fact'
            )
        }
        assert len(by_name) >= 10 and facts_by_name
        vertices, facts = await cand.side_rows(conn, ns, list(by_name), list(facts_by_name))
        assert {i: dataclasses.asdict(v) for i, v in vertices.items()} == by_name
        assert {i: dataclasses.asdict(f) for i, f in facts.items()} == facts_by_name
        assert await cand.vertex_rows(conn, ns, list(by_name)) == vertices
        assert await cand.fact_rows(conn, ns, list(facts_by_name)) == facts
