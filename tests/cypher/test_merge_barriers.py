"""A MERGE after another MERGE finds what the earlier one made on any row: every row
passes the first MERGE before any reaches the second (Neo4j's Eager between them), so a
key that comes as a target and later as a source is one node, as LangChain's and
LlamaIndex's relationship imports expect."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory

_PAIRS = [{"s": "a", "t": "b"}, {"s": "b", "t": "c"}, {"s": "c", "t": "a"}]
_LANGCHAIN_RELATIONSHIPS = (
    "UNWIND $data AS row "
    "MERGE (source:`__Entity__` {id: row.source}) "
    "MERGE (target:`__Entity__` {id: row.target}) "
    "WITH source, target, row "
    "CALL apoc.merge.relationship(source, row.type, {}, row.properties, target) YIELD rel "
    "RETURN distinct 'done'"
)


async def _keys(memory: Memory, namespace: str) -> list[list[object]]:
    found = await memory.cypher(namespace, "MATCH (n) RETURN n.id, count(*) ORDER BY n.id")
    return found.rows


async def test_a_later_merge_does_not_duplicate_what_an_earlier_one_made(
    memory: Memory, namespace: str
) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND $rows AS row MERGE (s:E {id: row.s}) MERGE (t:E {id: row.t}) "
        "MERGE (s)-[:R]->(t) RETURN s.id, t.id",
        {"rows": _PAIRS},
        mode="write",
    )
    assert sorted(result.rows) == [["a", "b"], ["b", "c"], ["c", "a"]]
    assert await _keys(memory, namespace) == [["a", 1], ["b", 1], ["c", 1]]
    assert result.counters.nodes_created == 3
    assert result.counters.relationships_created == 3
    edges = await memory.cypher(namespace, "MATCH (a)-[:R]->(b) RETURN a.id, b.id")
    assert sorted(edges.rows) == [["a", "b"], ["b", "c"], ["c", "a"]]


async def test_on_create_and_on_match_follow_the_first_merge_of_each_key(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace,
        "UNWIND $rows AS row "
        "MERGE (s:E {id: row.s}) ON CREATE SET s.made = 'source' ON MATCH SET s.seen = true "
        "MERGE (t:E {id: row.t}) ON CREATE SET t.made = 'target' ON MATCH SET t.seen = true",
        {"rows": [*_PAIRS, {"s": "d", "t": "e"}]},
        mode="write",
    )
    found = await memory.cypher(namespace, "MATCH (n:E) RETURN n.id, n.made, n.seen ORDER BY n.id")
    assert found.rows == [
        ["a", "source", True],
        ["b", "source", True],
        ["c", "source", True],
        ["d", "source", None],
        ["e", "target", None],
    ]


async def test_langchain_relationship_import_makes_each_entity_once(
    memory: Memory, namespace: str
) -> None:
    rows = [
        {"source": "Ada", "target": "Acme", "type": "WORKS_AT", "properties": {}},
        {"source": "Acme", "target": "Paris", "type": "BASED_IN", "properties": {"since": 1}},
        {"source": "Paris", "target": "Ada", "type": "HOME_OF", "properties": {}},
    ]
    await memory.cypher(namespace, _LANGCHAIN_RELATIONSHIPS, {"data": rows}, mode="write")
    assert await _keys(memory, namespace) == [["Acme", 1], ["Ada", 1], ["Paris", 1]]
    found = await memory.cypher(
        namespace, "MATCH (a)-[r]->(b) RETURN a.id, type(r), b.id, r.since ORDER BY a.id"
    )
    assert found.rows == [
        ["Acme", "BASED_IN", "Paris", 1],
        ["Ada", "WORKS_AT", "Acme", None],
        ["Paris", "HOME_OF", "Ada", None],
    ]


async def test_the_barrier_keeps_every_variable_and_the_rows_order(
    memory: Memory, namespace: str
) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND range(1, 4) AS x WITH x, x * 10 AS y MERGE (a:A {x: x}) "
        "MERGE (b:B {y: y}) RETURN x, y, a.x, b.y",
        mode="write",
    )
    assert result.rows == [[x, x * 10, x, x * 10] for x in range(1, 5)]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    pairs=st.lists(
        st.tuples(st.sampled_from("abcde"), st.sampled_from("abcde")), min_size=1, max_size=8
    )
)
async def test_every_key_is_one_node_whatever_the_batch(
    memory: Memory, namespace: str, pairs: list[tuple[str, str]]
) -> None:
    await memory.cypher(namespace, "MATCH (n) DETACH DELETE n", mode="write")
    rows = [{"s": s, "t": t} for s, t in pairs]
    await memory.cypher(
        namespace,
        "UNWIND $rows AS row MERGE (s:K {id: row.s}) MERGE (t:K {id: row.t}) MERGE (s)-[:R]->(t)",
        {"rows": rows},
        mode="write",
    )
    keys = sorted({key for pair in pairs for key in pair})
    assert await _keys(memory, namespace) == [[key, 1] for key in keys]
    edges = await memory.cypher(namespace, "MATCH (a)-[:R]->(b) RETURN a.id, b.id")
    assert sorted(map(tuple, edges.rows)) == sorted(set(pairs))
