"""A MATCH pattern's property map is an equality per entry in the clause's WHERE, which an
index or a hash join answers (``kgmem.cypher.property_maps``); the rows are Neo4j's."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher.plan import plan


async def _ids(memory: Memory, namespace: str, query: str) -> list[object]:
    found = await memory.cypher(namespace, query)
    return sorted(row[0] for row in found.rows)


def test_the_batch_lookup_of_the_libraries_becomes_an_equality() -> None:
    planned = plan("UNWIND $rows AS row MATCH (n:L {id: row.id}) RETURN n", {"rows": []})
    assert "MATCH (n:L ) WHERE n.id = row.id RETURN n" in planned.text
    assert "property_maps" in planned.rewrites
    anonymous = plan("MATCH (:A {k: $k})-[:R {w: 1 + 1}]->(m:B {`my key`: 'v'}) RETURN m", {"k": 1})
    assert anonymous.text == (
        "MATCH (__kgmem_pm1:A )-[__kgmem_pm2:R ]->(m:B ) WHERE __kgmem_pm1.k = $k "
        "AND __kgmem_pm2.w = (1 + 1) AND m.`my key` = 'v' RETURN m"
    )


def test_merge_create_functions_and_variable_lengths_keep_their_maps() -> None:
    for query in (
        "MERGE (n:L {id: 1}) RETURN n",
        "CREATE (n:L {id: 1}) RETURN n",
        "MATCH (a)-[:R*1..2 {w: 1}]->(b) RETURN b",
    ):
        assert "{" in plan(query, mode="write").text, query


async def test_entries_compare_as_neo4j_compares(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:L {id: 1, tags: [1, 2, 3], f: 1.0, end: 'e'})-[:R {since: 2020}]->(:M {k: 1}),"
        " (:L {id: 2, tags: [1, 2]})",
        mode="write",
    )
    assert await _ids(memory, namespace, "MATCH (n:L {tags: [1, 2]}) RETURN n.id") == [2]
    assert await _ids(memory, namespace, "MATCH (n:L {f: 1}) RETURN n.id") == [1]
    assert await _ids(memory, namespace, "MATCH (n:L {id: null}) RETURN n.id") == []
    assert await _ids(memory, namespace, "MATCH (n {end: 'e'}) RETURN n.id") == [1]
    found = await memory.cypher(
        namespace, "MATCH (:L {id: 1})-[r:R {since: 2020}]->(m:M {k: 1}) RETURN r.since, m.k"
    )
    assert found.rows == [[2020, 1]]
    optional = await memory.cypher(
        namespace, "MATCH (a:L {id: 2}) OPTIONAL MATCH (a)-[:R]->(m:M {k: 1}) RETURN a.id, m"
    )
    assert optional.rows == [[2, None]]


async def test_a_batch_finds_each_rows_node(memory: Memory, namespace: str) -> None:
    rows = [{"id": i, "x": i * 10} for i in range(50)]
    await memory.cypher(
        namespace, "UNWIND $rows AS row CREATE (:L {id: row.id})", {"rows": rows}, mode="write"
    )
    await memory.cypher(
        namespace,
        "UNWIND $rows AS row MATCH (n:L {id: row.id}) SET n.x = row.x",
        {"rows": rows},
        mode="write",
    )
    found = await memory.cypher(namespace, "MATCH (n:L) RETURN n.id, n.x ORDER BY n.id")
    assert found.rows == [[row["id"], row["x"]] for row in rows]


_VALUES = st.one_of(st.integers(-2, 2), st.sampled_from(["a", "b"]), st.none())


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stored=st.lists(_VALUES, min_size=1, max_size=4), wanted=_VALUES)
async def test_a_map_finds_what_a_where_equality_finds(
    memory: Memory, namespace: str, stored: list[object], wanted: object
) -> None:
    await memory.cypher(namespace, "MATCH (n) DETACH DELETE n", mode="write")
    await memory.cypher(
        namespace,
        "UNWIND range(0, size($v) - 1) AS i CREATE (:P {i: i, v: $v[i]})",
        {"v": stored},
        mode="write",
    )
    by_map = await memory.cypher(namespace, "MATCH (n:P {v: $w}) RETURN n.i", {"w": wanted})
    expected = [i for i, value in enumerate(stored) if value is not None and value == wanted]
    assert sorted(row[0] for row in by_map.rows) == expected
