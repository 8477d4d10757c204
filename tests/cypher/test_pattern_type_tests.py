"""Relationship patterns with several types used as tests (a pattern predicate, an
EXISTS or COUNT subquery, nested subqueries) answer as the same tests written one type
at a time; a pattern that is a whole RETURN item, or a node as a WHERE, is refused."""

import pytest

from kgmem import Memory
from kgmem.errors import CypherSyntaxError

_GRAPH = (
    "CREATE (a:A {name: 'a'})-[:REL1]->(b:B {name: 'b'}), (b)-[:REL2]->(a), "
    "(a)-[:REL3]->(:C {name: 'c'}), (a)-[:REL1]->(d:D {name: 'd'}), (d)-[:REL4]->(d)"
)

# (several types at once, the same test one type at a time)
_SAME = [
    (
        "MATCH (n), (m) WHERE (n)-[:REL1|REL2]-(m) RETURN n.name, m.name",
        "MATCH (n), (m) WHERE (n)-[:REL1]-(m) OR (n)-[:REL2]-(m) RETURN n.name, m.name",
    ),
    (
        "MATCH (n) WHERE NOT (n)-[:REL1|:REL4]->() RETURN n.name",
        "MATCH (n) WHERE NOT (n)-[:REL1]->() AND NOT (n)-[:REL4]->() RETURN n.name",
    ),
    (
        "MATCH (n), (m) WHERE exists((n)-[:REL2|REL3]->(m)) RETURN n.name, m.name",
        "MATCH (n)-[r]->(m) WHERE type(r) IN ['REL2', 'REL3'] RETURN DISTINCT n.name, m.name",
    ),
    (
        "MATCH (n) WHERE EXISTS { (n)-[:REL3|REL4]->() } RETURN n.name",
        "MATCH (n) WHERE (n)-[:REL3]->() OR (n)-[:REL4]->() RETURN n.name",
    ),
    (
        "MATCH (n) WHERE EXISTS { MATCH (n)-[:REL2|REL4]->(m) WHERE m.name <> 'x' } RETURN n.name",
        "MATCH (n) WHERE (n)-[:REL2]->() OR (n)-[:REL4]->() RETURN n.name",
    ),
    (
        "MATCH (n) RETURN n.name, COUNT { (n)-[:REL1|REL3]->() } AS c",
        "MATCH (n) RETURN n.name, size([(n)-[:REL1]->(x) | x]) + size([(n)-[:REL3]->(x) | x])",
    ),
    (
        "MATCH (n) WHERE (n)-[:REL1|REL2*2]->() RETURN n.name",
        "MATCH (n) WHERE (n)-[:REL1]->()-[:REL2]->() OR (n)-[:REL2]->()-[:REL1]->() "
        "OR (n)-[:REL1]->()-[:REL1]->() OR (n)-[:REL2]->()-[:REL2]->() RETURN n.name",
    ),
    (
        "MATCH (n) WHERE EXISTS { MATCH (m) WHERE EXISTS { MATCH (l) "
        "WHERE (l)<-[:REL1|REL2]-(n)-[:REL3]->(m) RETURN true } RETURN true } RETURN n.name",
        "MATCH (n)-[:REL3]->() WHERE (n)-[:REL1]->() OR (n)-[:REL2]->() RETURN n.name",
    ),
]


@pytest.mark.parametrize(("several", "one_by_one"), _SAME)
async def test_several_types_test_as_each_type_does(
    memory: Memory, namespace: str, several: str, one_by_one: str
) -> None:
    await memory.cypher(namespace, _GRAPH, mode="write")
    got = (await memory.cypher(namespace, several)).rows
    expected = (await memory.cypher(namespace, one_by_one)).rows
    assert sorted(map(str, got)) == sorted(map(str, expected))
    assert got  # each query finds something on this graph


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("MATCH (n) RETURN (n)-[]->()", "UnexpectedSyntax"),
        ("MATCH (n) WITH (n)-[:R]->() AS x RETURN x", "UnexpectedSyntax"),
        ("MATCH (n) WHERE (n) RETURN n", "InvalidArgumentType"),
    ],
)
async def test_a_pattern_as_a_value_or_a_node_as_a_test_is_refused(
    memory: Memory, namespace: str, query: str, error: str
) -> None:
    with pytest.raises(CypherSyntaxError, match=error):
        await memory.cypher(namespace, query)


async def test_a_pattern_read_as_a_boolean_still_runs(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, _GRAPH, mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH (n) RETURN n.name AS name, NOT (n)-->() AS alone, "
        "CASE WHEN (n)-[:REL4]->() THEN 1 ELSE 0 END AS loops ORDER BY name",
    )
    assert result.rows == [["a", False, 0], ["b", False, 0], ["c", True, 0], ["d", False, 1]]


async def test_unlabelled_nodes_of_a_variable_length_path_have_no_labels(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE ({name: 'a'})-[:X]->(:L {name: 'b'})", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH p = ({name: 'a'})-[:X*]->() UNWIND nodes(p) AS x "
        "RETURN p, labels(x) AS l, x:L AS marked",
    )
    path = result.rows[0][0]
    assert [node["label"] for node in path["nodes"]] == ["", "L"]
    assert [row[1:] for row in result.rows] == [[[], False], [["L"], True]]


@pytest.mark.parametrize(
    ("projection", "expected"),
    [
        ("[x IN nodes(p) WHERE x:L | x.name]", ["b"]),
        ("[x IN nodes(p) WHERE x:L|M | x.name]", ["b"]),
        ("[x IN nodes(p) WHERE NOT x:L | x]", [{"name": "a"}]),
        ("[x IN nodes(p) WHERE x:L]", [{"name": "b"}]),
    ],
)
async def test_a_label_predicate_before_a_comprehensions_projection(
    memory: Memory, namespace: str, projection: str, expected: list[object]
) -> None:
    await memory.cypher(namespace, "CREATE ({name: 'a'})-[:X]->(:L {name: 'b'})", mode="write")
    result = await memory.cypher(
        namespace, f"MATCH p = ({{name: 'a'}})-[:X*]->() RETURN {projection} AS l"
    )
    got = result.rows[0][0]
    assert [x["properties"] if isinstance(x, dict) else x for x in got] == expected
