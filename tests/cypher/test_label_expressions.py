"""Neo4j 5's label expressions (``:A|B``, ``:A&B``, ``:!A``, ``:%``, brackets) in node
patterns and in expressions, answered on AGE as Neo4j answers them."""

from __future__ import annotations

import pytest

from kgmem import Memory
from kgmem.cypher import plan

NODES = (
    "CREATE (:A {n: 'a'}), (:B {n: 'b'}), (:A:B {n: 'ab'}), (:C {n: 'c'}), "
    "(:A:C {n: 'ac'}), ({n: 'none'})"
)


def test_a_node_pattern_expression_becomes_a_test_of_the_labels() -> None:
    assert plan("MATCH (n:A|B) RETURN n").text == (
        "MATCH (n) WHERE (kgmem_cypher.has_labels(label(n), ['A']) OR "
        "kgmem_cypher.has_labels(label(n), ['B'])) RETURN n"
    )
    anonymous = plan("MATCH (:!A)-->(m) RETURN m").text
    assert anonymous == (
        "MATCH (__kgmem_e1)-->(m) WHERE (NOT kgmem_cypher.has_labels(label(__kgmem_e1), "
        "['A'])) RETURN m"
    )
    plain = plan("MATCH (n:A:B) RETURN n")
    assert "label_expressions" not in plain.rewrites


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("A|B", ["a", "ab", "ac", "b"]),
        ("A&B", ["ab"]),
        ("A&!B", ["a", "ac"]),
        ("!A", ["b", "c", "none"]),
        ("%", ["a", "ab", "ac", "b", "c"]),
        ("!%", ["none"]),
        ("(A|B)&!C", ["a", "ab", "b"]),
        ("A|B|C", ["a", "ab", "ac", "b", "c"]),
    ],
)
async def test_label_expressions_match_as_in_neo4j(
    memory: Memory, namespace: str, expression: str, names: list[str]
) -> None:
    await memory.cypher(namespace, NODES, mode="write")
    in_pattern = await memory.cypher(
        namespace, f"MATCH (n:{expression}) RETURN n.n AS n ORDER BY n"
    )
    assert [r[0] for r in in_pattern.rows] == names
    in_where = await memory.cypher(
        namespace, f"MATCH (n) WHERE n:{expression} RETURN n.n AS n ORDER BY n"
    )
    assert [r[0] for r in in_where.rows] == names


async def test_a_label_expression_is_a_value_in_return_and_with_a_where(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, NODES, mode="write")
    found = await memory.cypher(
        namespace,
        "MATCH (n:A|C WHERE n.n <> 'c') RETURN n.n AS n, n:B|C AS bc, n:!B AS notb ORDER BY n",
    )
    assert found.rows == [["a", False, True], ["ab", True, False], ["ac", True, True]]
    pattern = await memory.cypher(
        namespace,
        "MATCH (a:A|B {n: 'ab'}) OPTIONAL MATCH (a)-->(m:%) RETURN a.n, m",
    )
    assert pattern.rows == [["ab", None]]


async def test_relationship_type_expressions_of_fixed_length(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace,
        "CREATE (a:X {n: 'a'}), (a)-[:K]->(:X {n: 'k'}), (a)-[:L]->(:X {n: 'l'}), "
        "(a)-[:M]->(:X {n: 'm'})",
        mode="write",
    )

    async def targets(relationship: str) -> list[str]:
        query = f"MATCH (:X {{n: 'a'}})-{relationship}->(b) RETURN b.n AS n ORDER BY n"
        return [r[0] for r in (await memory.cypher(namespace, query)).rows]

    assert await targets("[r:!K]") == ["l", "m"]
    assert await targets("[:!K&!L]") == ["m"]
    assert await targets("[:%]") == ["k", "l", "m"]
    assert await targets("[:K|M]") == ["k", "m"]
    assert await targets("[:K&L]") == []
