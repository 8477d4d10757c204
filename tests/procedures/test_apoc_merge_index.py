"""apoc.merge.node and apoc.merge.relationship find their element by equality of each
identifying property, Neo4j's meaning (``{id: 1}`` finds ``1.0``; a list equals the
stored list, not a longer one), on the expression a property index is built on, so the
index answers the lookup of each row of an import (migration 0058)."""

import json
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.errors import KgmemError
from tests.fixtures.database import analyze_namespace

NODE = (
    "CALL apoc.merge.node(['K'], $ident, {made: true}, {seen: true}) YIELD node "
    "RETURN properties(node)"
)
RELATIONSHIP = (
    "MATCH (a:A {id: 1}), (b:A {id: 2}) "
    "CALL apoc.merge.relationship(a, 'R', $ident, {made: true}, b, {seen: true}) YIELD rel "
    "RETURN properties(rel)"
)
QUOTED = {"it's": 1, 'a "b" c': "x", "back\\slash": [1, 2]}


async def _merge(memory: Memory, namespace: str, query: str, ident: dict[str, Any]) -> Any:
    result = await memory.cypher(namespace, query, {"ident": ident}, mode="write")
    [[properties]] = result.rows
    return properties


async def _count(memory: Memory, namespace: str, query: str) -> int:
    [[count]] = (await memory.cypher(namespace, query)).rows
    return int(count)


async def test_an_integer_key_finds_the_node_of_the_equal_float(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:K {id: 1.0}), (:K {id: 2})", mode="write")
    assert await _merge(memory, namespace, NODE, {"id": 1}) == {"id": 1.0, "seen": True}
    assert await _merge(memory, namespace, NODE, {"id": 2.0}) == {"id": 2, "seen": True}
    assert await _count(memory, namespace, "MATCH (n:K) RETURN count(n)") == 2


async def test_a_list_key_must_equal_the_stored_list(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:K {id: [1, 2]})", mode="write")
    shorter = await _merge(memory, namespace, NODE, {"id": [1]})
    assert shorter == {"id": [1], "made": True}  # containment found [1, 2]
    same = await _merge(memory, namespace, NODE, {"id": [1.0, 2]})
    assert same == {"id": [1, 2], "seen": True}
    assert await _count(memory, namespace, "MATCH (n:K) RETURN count(n)") == 2


async def test_keys_of_any_spelling_and_several_keys(memory: Memory, namespace: str) -> None:
    made = await _merge(memory, namespace, NODE, QUOTED)
    assert made == {**QUOTED, "made": True}
    again = await _merge(memory, namespace, NODE, QUOTED)
    assert again == {**QUOTED, "made": True, "seen": True}
    # every key must be equal: one different value is another node
    other = await _merge(memory, namespace, NODE, {**QUOTED, "it's": 2})
    assert other == {**QUOTED, "it's": 2, "made": True}
    assert await _count(memory, namespace, "MATCH (n:K) RETURN count(n)") == 2


async def test_null_and_missing_keys_keep_their_errors(memory: Memory, namespace: str) -> None:
    with pytest.raises(KgmemError, match="identifying properties of a merge cannot be null"):
        await _merge(memory, namespace, NODE, {"id": 1, "k": None})
    with pytest.raises(KgmemError, match="at least one identifying property"):
        await _merge(memory, namespace, NODE, {})
    assert await _count(memory, namespace, "MATCH (n) RETURN count(n)") == 0


async def test_a_relationship_is_found_by_equal_keys(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (a:A {id: 1})-[:R {w: 1.0, tags: [1, 2]}]->(b:A {id: 2})",
        mode="write",
    )
    found = await _merge(memory, namespace, RELATIONSHIP, {"w": 1, "tags": [1, 2]})
    assert found == {"w": 1.0, "tags": [1, 2], "seen": True}
    shorter = await _merge(memory, namespace, RELATIONSHIP, {"tags": [1]})
    assert shorter == {"tags": [1], "made": True}
    quoted = await _merge(memory, namespace, RELATIONSHIP, QUOTED)
    assert quoted == {**QUOTED, "made": True}
    assert await _merge(memory, namespace, RELATIONSHIP, QUOTED) == {
        **QUOTED, "made": True, "seen": True,
    }  # fmt: skip
    # no identifying property: any relationship of the type between the two nodes
    assert "seen" in await _merge(memory, namespace, RELATIONSHIP, {})
    assert await _count(memory, namespace, "MATCH ()-[r:R]->() RETURN count(r)") == 3


async def test_a_null_identifying_value_of_a_relationship_is_neo4js_error(
    memory: Memory, namespace: str
) -> None:
    """APOC merges with ``MERGE (a)-[r:R {k: $identProps.k}]->(b)``, which Neo4j refuses
    on a null value (migration 0059): kgmem no longer merges into any R between them."""
    await memory.cypher(namespace, "CREATE (a:A {id: 1})-[:R {k: 1}]->(b:A {id: 2})", mode="write")
    for ident in ({"uuid": None}, {"k": 1, "w": None}):
        with pytest.raises(KgmemError, match=r"null property value for '(uuid|w)'"):
            await _merge(memory, namespace, RELATIONSHIP, ident)
    assert await _count(memory, namespace, "MATCH ()-[r:R]->() WHERE r.seen RETURN count(r)") == 0


async def test_a_found_node_is_updated_in_its_own_table(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    """Migration 0059: the update after a match reads the node's label table alone, not
    every label's under ``_ag_label_vertex``."""
    await memory.cypher(namespace, "CREATE (:K {id: 1}), (:Other {id: 1})", mode="write")
    touched = (
        "SELECT relname FROM pg_stat_xact_user_tables WHERE schemaname = $1 "
        "AND n_tup_upd + seq_scan + idx_scan > 0 ORDER BY relname"
    )
    async with raw_conn.transaction():
        await raw_conn.execute("SELECT set_config('kgmem.cypher_graph', $1, true)", namespace)
        await raw_conn.execute(
            "SELECT kgmem_neo4j.apoc_merge_node('[\"K\"]', '{\"id\": 1}', '{}', '{\"seen\": true}')"
        )
        read = [row[0] for row in await raw_conn.fetch(touched, namespace)]
    assert "Other" not in read and "K" in read, read
    assert await _merge(memory, namespace, NODE, {"id": 1}) == {"id": 1, "seen": True}


async def _indexed_nodes(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "UNWIND range(1, 300) AS i CREATE (:K {id: i, `it's`: i})",
        mode="write",
    )
    await memory.cypher(namespace, "CREATE INDEX FOR (n:K) ON (n.id)", mode="write")
    await memory.cypher(namespace, "CREATE INDEX FOR (n:K) ON (n.`it's`)", mode="write")
    await analyze_namespace(memory, namespace)


@pytest.mark.parametrize("ident", [{"id": 7}, {"it's": 7}, {"id": 7, "it's": 7}])
async def test_the_lookup_is_answered_by_the_index(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection, ident: dict[str, Any]
) -> None:
    """The statement the functions run, with the condition ``_apoc_key_filter`` writes."""
    await _indexed_nodes(memory, namespace)
    keys = json.dumps(ident)
    condition = await raw_conn.fetchval("SELECT kgmem_neo4j._apoc_key_filter($1::jsonb, 1)", keys)
    await raw_conn.execute(
        f'PREPARE lookup(ag_catalog.agtype[]) AS SELECT t.id FROM "{namespace}"."K" t '
        f"WHERE {condition} LIMIT 1 FOR UPDATE"
    )
    # EXPLAIN EXECUTE takes no bound parameter: its argument is quoted by the server
    explain = await raw_conn.fetchval(
        "SELECT format('EXPLAIN EXECUTE lookup(%L::ag_catalog.agtype[])', "
        "kgmem_neo4j._apoc_key_values($1::jsonb))",
        keys,
    )
    try:
        lines = await raw_conn.fetch(explain)
    finally:
        await raw_conn.execute("DEALLOCATE lookup")
    plan = "\n".join(row[0] for row in lines)
    assert "Index Scan" in plan and "Seq Scan" not in plan, plan


async def test_the_function_reads_the_index_not_the_table(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    """What the function's own lookup read, from this transaction's statistics (of
    merges that make their node: a found node's update reads every label's table)."""
    await _indexed_nodes(memory, namespace)
    scans = (
        "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables "
        "WHERE schemaname = $1 AND relname = 'K'"
    )
    async with raw_conn.transaction():
        await raw_conn.execute("SELECT set_config('kgmem.cypher_graph', $1, true)", namespace)
        for ident in ({"id": 1000}, {"id": 1001, "it's": 7}):
            await raw_conn.execute(
                "SELECT kgmem_neo4j.apoc_merge_node('[\"K\"]', $1::text::ag_catalog.agtype, "
                "'{}', '{}')",
                json.dumps(ident),
            )
        seq_scan, idx_scan = await raw_conn.fetchrow(scans, namespace)
    assert seq_scan == 0 and idx_scan >= 2


# Values an import's ids take: numbers that are equal across int and float, lists
# (never booleans: Python's True == 1, Neo4j's true <> 1).
_IDS = st.sampled_from([0, 1, 1.0, 2, 2.5, "1", [1], [1, 2], [1.0, 2]])


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ids=st.lists(_IDS, min_size=1, max_size=10), indexed=st.booleans())
async def test_a_batch_merges_one_node_per_distinct_id(
    memory: Memory, namespace: str, ids: list[Any], indexed: bool
) -> None:
    """LangChain's import, one ``apoc.merge.node`` a row: one node per id (Neo4j's
    equality), made with onCreate by its first row, onMatch written by each later one."""
    await memory.cypher(namespace, "MATCH (n) DETACH DELETE n", mode="write")
    await memory.cypher(namespace, "DROP INDEX k_id IF EXISTS", mode="write")
    if indexed:
        await memory.cypher(namespace, "CREATE INDEX k_id FOR (n:K) ON (n.id)", mode="write")
    rows = [{"id": key, "x": at} for at, key in enumerate(ids)]
    result = await memory.cypher(
        namespace,
        "UNWIND $rows AS row CALL apoc.merge.node(['K'], {id: row.id}, {first: row.x}, "
        "{last: row.x}) YIELD node RETURN count(*)",
        {"rows": rows},
        mode="write",
    )
    assert result.rows == [[len(rows)]]
    model: list[dict[str, Any]] = []  # the nodes, in the order they were made
    for row in rows:
        node = next((n for n in model if n["id"] == row["id"]), None)
        if node is None:
            model.append({"id": row["id"], "first": row["x"], "last": None})
        else:
            node["last"] = row["x"]
    found = await memory.cypher(
        namespace, "MATCH (n:K) RETURN n.id, n.first, n.last ORDER BY n.first"
    )
    assert found.rows == [[n["id"], n["first"], n["last"]] for n in model]
