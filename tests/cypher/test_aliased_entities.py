"""Nodes renamed by WITH and used in later patterns: the rewrite as text, then what
MERGE and MATCH do with them on AGE."""

import pytest

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherSemanticError, CypherSyntaxError
from tests.cypher.rules import applied, left_alone


def test_later_patterns_read_the_first_name() -> None:
    planned = applied(
        "aliased_entities",
        "MATCH (n), (m) WITH n AS a, m AS b MERGE (a)-[r:T]->(b) RETURN a.id AS a, b",
        mode="write",
    )
    assert planned.text == "MATCH (n), (m) WITH n, m MERGE (n)-[r:T]->(m) RETURN n.id AS a, m"
    assert planned.columns == ["a", "b"]


def test_a_renaming_of_a_renaming_is_undone_too() -> None:
    text = plan("MATCH (n) WITH n AS a WITH a AS b MATCH (b)-->(c) RETURN c").text
    assert text == "MATCH (n) WITH n WITH n MATCH (n)-->(c) RETURN c"


def test_a_node_under_two_names_is_carried_on_once() -> None:
    text = plan("MATCH (n) WITH n AS a, n AS b MATCH (a)-[:T]->(b) RETURN a.id AS a").text
    assert text == "MATCH (n) WITH n MATCH (n)-[:T]->(n) RETURN n.id AS a"
    kept = plan("MATCH (n) WITH n, n AS a MATCH (a)-->(c) RETURN n, c").text
    assert kept == "MATCH (n) WITH n MATCH (n)-->(c) RETURN n, c"


def test_a_name_given_anew_is_not_renamed_past_that_clause() -> None:
    text = plan("MATCH (n) WITH n AS a MATCH (a)-->(c) WITH c AS a RETURN a.x").text
    assert text == "MATCH (n) WITH n MATCH (n)-->(c) WITH c AS a RETURN a.x"


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) WITH n AS a RETURN a",  # no later pattern
        "MATCH (n) WITH n AS a MATCH (n)-->(a) RETURN a",  # n bound again
        "MATCH (n) WITH n AS a UNWIND [1] AS n MATCH (a) RETURN a",  # n given anew
        "MATCH (n) WITH n.x AS a MATCH (b {x: a}) RETURN b",  # a value, not a node
    ],
)
def test_other_renamings_are_left_alone(query: str) -> None:
    assert left_alone("aliased_entities", query)


async def test_merge_on_renamed_nodes_creates_no_node(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:N {id: 0}), (:N {id: 1})", mode="write")
    merged = await memory.cypher(
        namespace,
        "MATCH (n:N {id: 0}), (m:N {id: 1}) WITH n AS a, m AS b MERGE (a)-[r:T]->(b) "
        "RETURN a.id AS a, b.id AS b",
        mode="write",
    )
    assert merged.rows == [[0, 1]]
    counted = await memory.cypher(namespace, "MATCH (n) RETURN count(n) AS c")
    assert counted.rows == [[2]]
    matched = await memory.cypher(
        namespace, "MATCH (n:N {id: 0}) WITH n AS a MATCH (a)-[:T]->(c) RETURN c.id AS id"
    )
    assert matched.rows == [[1]]
    for looping in (
        "MATCH (n:N {id: 0}) WITH n AS a, n AS b MERGE (a)-[:SELF]->(b) RETURN a.id AS a",
        "MATCH (n:N {id: 0}) MERGE (n)-[:SELF]->(n)",
    ):  # AGE cannot merge a self-loop: a clear refusal, and no node made
        with pytest.raises(CypherSemanticError, match="same node"):
            await memory.cypher(namespace, looping, mode="write")
    assert (await memory.cypher(namespace, "MATCH (n) RETURN count(n) AS c")).rows == [[2]]


def test_a_renamed_literal_is_no_variable() -> None:
    with pytest.raises(CypherSyntaxError, match="VariableTypeConflict"):
        plan("WITH true AS x MATCH (x)-->(y) RETURN y")
    assert "MATCH (null)" not in plan("WITH null AS x MATCH (x)-->(y) RETURN y").text
