"""``valueType(x)``, Neo4j 5's type of a value (migration 0054): scalars, graph
elements, points and lists normalised as Neo4j normalises a type."""

import pytest

from kgmem import Memory


async def _type_of(memory: Memory, namespace: str, expression: str) -> object:
    result = await memory.cypher(namespace, f"RETURN valueType({expression}) AS t", {"p": [1]})
    return result.rows[0][0]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'abc'", "STRING NOT NULL"),
        ("true", "BOOLEAN NOT NULL"),
        ("1", "INTEGER NOT NULL"),
        ("2.0", "FLOAT NOT NULL"),
        ("0.0 / 0", "FLOAT NOT NULL"),
        ("-1 / 0.0", "FLOAT NOT NULL"),
        ("null", "NULL"),
        ("{a: 1}", "MAP NOT NULL"),
        ("point({x: 3, y: 0})", "POINT NOT NULL"),
        ("point({latitude: 1, longitude: 2, height: 3})", "POINT NOT NULL"),
        ("{crs: 'cartesian', srid: 7203, x: 1.0}", "MAP NOT NULL"),
        ("$p", "LIST<INTEGER NOT NULL> NOT NULL"),
        ("[]", "LIST<NOTHING> NOT NULL"),
        ("[null]", "LIST<NULL> NOT NULL"),
        ("[1, null]", "LIST<INTEGER> NOT NULL"),
        ("[2.0, 2]", "LIST<INTEGER NOT NULL | FLOAT NOT NULL> NOT NULL"),
        ("['3', true]", "LIST<BOOLEAN NOT NULL | STRING NOT NULL> NOT NULL"),
        ("[[1, 2]]", "LIST<LIST<INTEGER NOT NULL> NOT NULL> NOT NULL"),
        (
            "[[1], ['a']]",
            "LIST<LIST<STRING NOT NULL> NOT NULL | LIST<INTEGER NOT NULL> NOT NULL> NOT NULL",
        ),
        (
            "[1, [], [2, [null]], [2.0, 2]]",
            "LIST<INTEGER NOT NULL | LIST<INTEGER NOT NULL | FLOAT NOT NULL> NOT NULL"
            " | LIST<INTEGER NOT NULL | LIST<NULL> NOT NULL> NOT NULL> NOT NULL",
        ),
    ],
)
async def test_the_type_is_written_as_neo4j_writes_it(
    memory: Memory, namespace: str, expression: str, expected: str
) -> None:
    assert await _type_of(memory, namespace, expression) == expected


async def test_graph_elements_and_paths(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:A {p: 1})-[:R]->(:B)", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH p = (a)-[r]->(b) RETURN valueType(a), valueType(r), valueType(p), "
        "valueType([a, 1]), valueType(a.p), valueType(a.missing)",
    )
    assert result.rows == [
        [
            "NODE NOT NULL",
            "RELATIONSHIP NOT NULL",
            "PATH NOT NULL",
            "LIST<INTEGER NOT NULL | NODE NOT NULL> NOT NULL",
            "INTEGER NOT NULL",
            "NULL",
        ]
    ]


async def test_it_serves_in_a_case_and_a_filter(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND [1, '1', 1.0, true, []] AS v WITH v WHERE valueType(v) <> 'BOOLEAN NOT NULL' "
        "RETURN CASE valueType(v) WHEN 'STRING NOT NULL' THEN 's' WHEN 'INTEGER NOT NULL' "
        "THEN 'i' WHEN 'FLOAT NOT NULL' THEN 'f' ELSE 'other' END AS kind",
    )
    assert [row[0] for row in result.rows] == ["i", "s", "f", "other"]
