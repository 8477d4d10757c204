"""After ``SET n:L``, or a REST upsert that changes an entity's label, moves a node to a
new graph id, no row anywhere keeps the old one:
every ``graphid`` column of kgmem's side tables and of the store-wide tables a
namespace owns (found in the catalogue, as ``kgmem.storage.graph.relabels`` finds them)."""

import asyncpg
import pytest

from kgmem import Memory
from kgmem.model import EntityWrite, FactWrite
from kgmem.storage.graph import relabels
from kgmem.storage.refs import NamespaceRef

DIMENSION = 384


async def _ref(conn: asyncpg.Connection, namespace: str) -> NamespaceRef:
    oid = await conn.fetchval("SELECT graphid FROM ag_catalog.ag_graph WHERE name = $1", namespace)
    return NamespaceRef(name=namespace, graph_oid=int(oid))


async def _holding(conn: asyncpg.Connection, namespace: str, graph_id: int) -> list[str]:
    """Each side column (schema.table.column) holding ``graph_id``."""
    found = []
    for schema, relation, column in await relabels.side_columns(conn, await _ref(conn, namespace)):
        hits = await conn.fetchval(
            f'SELECT count(*) FROM "{schema}"."{relation}" WHERE "{column}"::text = $1',
            str(graph_id),
        )
        if hits:
            found.append(f"{schema}.{relation}.{column}")
    return found


@pytest.mark.parametrize("move", ["cypher", "rest"])
async def test_every_side_row_of_a_moved_node_follows_it(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection, move: str
) -> None:
    vector = [1.0] + [0.0] * (DIMENSION - 1)
    await memory.upsert_entity(namespace, EntityWrite("ada", "Person", {"name": "Ada"}, vector))
    await memory.upsert_entity(namespace, EntityWrite("bab", "Person", {"name": "Babbage"}))
    await memory.add_fact(namespace, FactWrite("ada", "KNOWS", "bab"))
    await memory.add_fact(namespace, FactWrite("bab", "KNOWS", "ada"))
    old = (await memory.get_entity(namespace, "ada")).entity.id
    await raw_conn.execute(
        "INSERT INTO kgmem.memory_tier (namespace, id, uid) VALUES ($1, $2::text::graphid, 'ada')",
        namespace,
        str(old),
    )
    before = await _holding(raw_conn, namespace, old)
    assert {f"{namespace}._kg_vertex.id", f"{namespace}._kg_vertex_vector.id"} <= set(before)
    assert {f"{namespace}._kg_fact.subject_id", "kgmem.memory_tier.id"} <= set(before)
    if move == "cypher":
        await memory.cypher(namespace, "MATCH (n {uid: 'ada'}) SET n:Extra", mode="write")
    else:
        await memory.upsert_entity(namespace, EntityWrite("ada", "Scientist", {"name": "Ada"}))
    moved = (await memory.get_entity(namespace, "ada")).entity
    assert moved.label == ("Person" if move == "cypher" else "Scientist")
    new = moved.id
    assert new != old
    assert await _holding(raw_conn, namespace, old) == []
    assert sorted(await _holding(raw_conn, namespace, new)) == sorted(before)
    ends = await raw_conn.fetchval(
        f'SELECT count(*) FROM "{namespace}"._ag_label_edge '
        "WHERE start_id::text = $1 OR end_id::text = $1",
        str(new),
    )
    assert ends == 2


async def test_the_side_columns_leave_age_label_tables_out(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.cypher(namespace, "CREATE (:A)-[:R]->(:B)", mode="write")
    found = await relabels.side_columns(raw_conn, await _ref(raw_conn, namespace))
    tables = {relation for _, relation, _ in found}
    assert not tables & {"A", "B", "R", "_ag_label_vertex", "_ag_label_edge"}
    assert {"_kg_vertex", "_kg_fact", "_kg_claim", "memory_tier"} <= tables
