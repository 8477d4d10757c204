"""A MERGE whose map an index answers looks each row's node up by it: AGE's containment
is off for the statement, so the map is Neo4j's equality, the rows go through in their
order, and a null key is Neo4j's error rather than the end of the server process."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j.exceptions import ClientError

from kgmem import Memory
from kgmem.cypher import merge_keys
from kgmem.cypher.lexer import tokenize
from kgmem.cypher.plan import plan
from kgmem.errors import CypherSemanticError
from tests.fixtures.bolt import Bolt

_IMPORT = "UNWIND $rows AS row MERGE (n:K {id: row.id}) SET n.x = row.x"


async def _indexed(memory: Memory, namespace: str, label: str = "K") -> None:
    await memory.cypher(namespace, f"CREATE INDEX FOR (n:{label}) ON (n.id)", mode="write")


def test_the_plan_names_each_map_label_and_keys() -> None:
    found = plan(
        "UNWIND $rows AS row MERGE (a:A {id: row.a, k: 1}) MERGE (a)-[r:R {w: row.w}]->(b) "
        "MERGE (c {q: 1}) RETURN a",
        {"rows": []},
        mode="write",
    )
    assert found.merges == (("A", ("id", "k")), ("R", ("w",)), ("", ("q",)))
    assert plan("MATCH (n:A {id: 1}) RETURN n").merges == ()
    # a MERGE inside brackets (FOREACH): the statement keeps AGE's containment
    nested = "MERGE (b:B {id: 1}) FOREACH (x IN [1] | MERGE (:A {id: x}))"
    assert merge_keys.elements(tokenize(nested)) == ()


def test_each_merge_checks_its_values_on_the_row_before_it() -> None:
    leading = plan("MERGE (n:A {id: $id, k: 'x'}) RETURN n", {"id": 1}, mode="write")
    assert leading.text.startswith(f"WITH {merge_keys.CHECK}($id, 'node \\'id\\'') AS ")
    assert "k: 'x'" in leading.text
    later = plan(
        "UNWIND $rows AS row MERGE (n:A {id: row.id}) RETURN n", {"rows": []}, mode="write"
    )
    assert f"WITH *, {merge_keys.CHECK}(row.id, " in later.text
    # a value reading the pattern's own variable stays; the MERGE does not start the query
    own = plan("MERGE p = (a:A {id: 1})-[:R]->(b:B {id: a.k}) RETURN p", mode="write")
    assert own.text.startswith("WITH null AS ") and "b:B {id: a.k}" in own.text


async def test_an_indexed_merge_is_looked_up_by_the_index(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "UNWIND range(1, 50) AS i CREATE (:K {id: i})", mode="write")
    await _indexed(memory, namespace)
    lines = await memory.cypher(
        namespace, f"EXPLAIN {_IMPORT}", {"rows": [{"id": 1, "x": 2}]}, mode="write"
    )
    plan_text = "\n".join(str(row[0]) for row in lines.rows)
    assert "Index Scan" in plan_text and "@>" not in plan_text


async def test_without_an_index_the_merge_keeps_containment(memory: Memory, namespace: str) -> None:
    lines = await memory.cypher(
        namespace, f"EXPLAIN {_IMPORT}", {"rows": [{"id": 1, "x": 2}]}, mode="write"
    )
    assert "@>" in "\n".join(str(row[0]) for row in lines.rows)


async def test_an_indexed_map_is_an_equality(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:K {id: [1, 2, 3]}), (:K {id: 1.0})", mode="write")
    await _indexed(memory, namespace)
    longer = await memory.cypher(namespace, "MERGE (n:K {id: [1, 2]}) RETURN n.id", mode="write")
    assert longer.rows == [[[1, 2]]] and longer.counters.nodes_created == 1
    number = await memory.cypher(namespace, "MERGE (n:K {id: 1}) RETURN n.id", mode="write")
    assert number.rows == [[1.0]] and number.counters.nodes_created == 0


async def test_a_statement_met_before_the_index_uses_it_after(
    memory: Memory, namespace: str
) -> None:
    """The same text, run before and after CREATE INDEX: the index changes how AGE reads
    it (the prepared statement is analysed again after the index is made)."""
    query = "UNWIND $rows AS row MERGE (n:K {id: row.id}) RETURN n.id"
    rows = {"rows": [{"id": [1, 2]}]}
    await memory.cypher(namespace, "CREATE (:K {id: [1, 2, 3]})", mode="write")
    before = await memory.cypher(namespace, query, rows, mode="write")
    assert before.rows == [[[1, 2, 3]]]  # containment: the longer list matched
    await _indexed(memory, namespace)
    after = await memory.cypher(namespace, query, rows, mode="write")
    assert after.rows == [[[1, 2]]] and after.counters.nodes_created == 1


@pytest.mark.parametrize(
    "query",
    [
        "MERGE (n:K {id: $id}) RETURN n",
        "MERGE (n:K {id: coalesce($id)}) RETURN n",
        "MERGE (n:K {id: 1, k: $id}) RETURN n",
        "MERGE (n:K {id: $id}) ON CREATE SET n.c = 1 RETURN n",
        "UNWIND [1, $id] AS i MERGE (n:K {id: i}) RETURN n",
        "MATCH (a:K {id: 7}) MERGE (a)-[:R]->(b:K {id: $id}) RETURN b",
    ],
)
async def test_a_merge_on_a_null_is_neo4js_error(
    memory: Memory, namespace: str, query: str
) -> None:
    await _indexed(memory, namespace)
    await memory.cypher(namespace, "CREATE (:K {id: 7})", mode="write")
    with pytest.raises(CypherSemanticError, match=r"null property value for '(id|k)'"):
        await memory.cypher(namespace, query, {"id": None}, mode="write")
    alive = await memory.cypher(namespace, "MERGE (n:K {id: 7}) RETURN n.id", mode="write")
    assert alive.rows == [[7]] and alive.counters.nodes_created == 0


async def test_a_null_relationship_key_over_bolt(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        await driver.execute_query("CREATE INDEX FOR ()-[r:R]-() ON (r.w)", database_="alpha")
        with pytest.raises(ClientError) as caught:
            await driver.execute_query(
                "MERGE (a:A {id: 1})-[r:R {w: $w}]->(b:A {id: 2}) RETURN r",
                {"w": None},
                database_="alpha",
            )
        assert caught.value.code == "Neo.ClientError.Statement.SemanticError"
        assert "null property value for 'w'" in (caught.value.message or "")
        records, _, _ = await driver.execute_query("RETURN 1 AS one", database_="alpha")
        assert records[0]["one"] == 1


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(keys=st.lists(st.integers(0, 4), min_size=1, max_size=10))
async def test_rows_go_through_in_order_whatever_the_batch(
    memory: Memory, namespace: str, keys: list[int]
) -> None:
    """One node per key; ON CREATE for the key's first row, ON MATCH for the later ones;
    the last row's write wins; rows come back in their order."""
    await memory.cypher(namespace, "MATCH (n) DETACH DELETE n", mode="write")
    await memory.cypher(namespace, "CREATE INDEX IF NOT EXISTS FOR (n:K) ON (n.id)", mode="write")
    await memory.cypher(namespace, "CREATE (:K {id: 0, x: -1})", mode="write")
    rows = [{"id": key, "x": at} for at, key in enumerate(keys)]
    result = await memory.cypher(
        namespace,
        "UNWIND $rows AS row MERGE (n:K {id: row.id}) ON CREATE SET n.first = row.x "
        "ON MATCH SET n.matched = coalesce(n.matched, 0) + 1 SET n.x = row.x "
        "RETURN row.x, n.id",
        {"rows": rows},
        mode="write",
    )
    assert result.rows == [[r["x"], r["id"]] for r in rows]
    found = await memory.cypher(
        namespace, "MATCH (n:K) RETURN n.id, n.x, n.first, n.matched ORDER BY n.id"
    )
    expected = []
    for key in sorted({0, *keys}):
        at = [r["x"] for r in rows if r["id"] == key]
        created = key != 0
        matched = len(at) - 1 if created else len(at)
        expected.append([key, at[-1] if at else -1, at[0] if created else None, matched or None])
    assert found.rows == expected


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(edges=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2)), min_size=1, max_size=8))
async def test_graphitis_edge_import_makes_one_relationship_per_key(
    memory: Memory, namespace: str, edges: list[tuple[int, int]]
) -> None:
    """Relationships merged by an indexed key between matched nodes, as Graphiti saves
    its edges: one relationship per key, holding the key's last row."""
    await memory.cypher(namespace, "MATCH (n) DETACH DELETE n", mode="write")
    for statement in (
        "CREATE INDEX IF NOT EXISTS FOR (n:Entity) ON (n.uuid)",
        "CREATE INDEX IF NOT EXISTS FOR ()-[e:RELATES_TO]-() ON (e.uuid)",
        "UNWIND range(0, 2) AS i CREATE (:Entity {uuid: 'n' + toString(i)})",
    ):
        await memory.cypher(namespace, statement, mode="write")
    rows = [
        {"uuid": f"e{key}", "source": "n0", "target": f"n{target}", "at": at}
        for at, (key, target) in enumerate(edges)
    ]
    last = {r["uuid"]: r for r in rows}
    await memory.cypher(
        namespace,
        "UNWIND $edges AS edge MATCH (s:Entity {uuid: edge.source}) "
        "MATCH (t:Entity {uuid: edge.target}) MERGE (s)-[e:RELATES_TO {uuid: edge.uuid}]->(t) "
        "SET e.at = edge.at",
        {"edges": rows},
        mode="write",
    )
    found = await memory.cypher(
        namespace, "MATCH (s)-[e:RELATES_TO]->(t) RETURN e.uuid, e.at, t.uuid ORDER BY e.uuid"
    )
    # a key met again towards another target is another relationship (the pattern differs)
    expected: dict[tuple[str, str], int] = {}
    for r in rows:
        expected[(r["uuid"], r["target"])] = r["at"]
    assert sorted(found.rows) == sorted([k, at, t] for (k, t), at in expected.items())
    assert set(last) == {row[0] for row in found.rows}
