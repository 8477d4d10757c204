"""CREATE parts that read earlier parts: the split as text, then what AGE creates."""

import pytest

from kgmem import Memory
from tests.cypher.rules import applied, left_alone


def test_a_part_reading_an_earlier_part_starts_a_create_of_its_own() -> None:
    planned = applied(
        "create_parts",
        "CREATE (a {id: 0}), (:X), (b {num: a.id, f: toString(a.id)}), (a)-[:R {w: b.num}]->(b)",
        mode="write",
    )
    assert planned.text == (
        "CREATE (a {id: 0}), (:X) CREATE (b {num: a.id, f: kgmem_cypher.to_string(a.id)}) "
        "CREATE (a)-[:R {w: b.num}]->(b)"
    )


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (a {id: 0}), (b {id: 1}), (a)-[:R]->(b)",  # no map reads a variable
        "MATCH (a) CREATE (b {num: a.id}), (c {num: a.id})",  # a comes from MATCH
        "CREATE (a {a: 1}), (b {a: 2})",  # a key, not a variable
        "UNWIND [1] AS x CREATE (a {n: x}), (b {n: x})",
    ],
)
def test_other_creates_are_left_alone(query: str) -> None:
    assert left_alone("create_parts", query, mode="write")


async def test_parts_read_the_properties_of_earlier_parts(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (a:End {num: 42, id: 0}), (:End {num: 3}), (:Begin {num: a.id}), "
        "(a)-[:R {w: a.num}]->(:Begin {num: 7})",
        mode="write",
    )
    joined = await memory.cypher(
        namespace,
        "MATCH (a:Begin) WITH a.num AS property MATCH (b:End) WHERE b.id = property "
        "RETURN b.num AS num",
    )
    assert joined.rows == [[42]]
    edges = await memory.cypher(namespace, "MATCH (:End)-[r:R]->(b:Begin) RETURN r.w, b.num")
    assert edges.rows == [[42, 7]]
