"""Nodes held in values and matched again: the rewrite as text, then the matches."""

import pytest

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherSyntaxError
from tests.cypher.rules import applied, left_alone


def test_a_value_in_a_pattern_is_matched_through_a_fresh_variable() -> None:
    planned = applied(
        "bound_values",
        "MATCH (a) WITH coalesce(a, a) AS x MATCH (x)-[r]->(y) WHERE y.v > 1 RETURN y",
    )
    assert planned.text == (
        "MATCH (a) WITH coalesce(a, a) AS x MATCH (__kgmem_b1)-[r]->(y) "
        "WHERE id(__kgmem_b1) = id(x) AND (y.v > 1 AND y.v < 'NaN'::float) RETURN y"
    )


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (a) WITH a MATCH (a)-->(b) RETURN b",  # a pattern variable carried on
        "MATCH (a) WITH a.x AS x RETURN x",  # no later pattern
        "MATCH (a) WITH a.x AS x WITH a AS y MATCH (x) RETURN x",  # x left scope
    ],
)
def test_pattern_variables_are_left_alone(query: str) -> None:
    assert left_alone("bound_values", query)


async def test_values_holding_nodes_match_from_those_nodes(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:S {n: 1})-[:T]->(:Y {v: 1}), (:S {n: 2})-[:T]->(:Y {v: 2})",
        mode="write",
    )
    chosen = await memory.cypher(
        namespace,
        "MATCH (s:S) OPTIONAL MATCH (s)-->(none:Nothing) WITH coalesce(none, s) AS x "
        "MATCH (x)-->(y) WHERE y.v > 1 RETURN y.v AS v",
    )
    assert chosen.rows == [[2]]
    unwound = await memory.cypher(
        namespace,
        "MATCH (s:S) WITH collect(s) AS ss UNWIND ss AS x MATCH (x)-->(y) "
        "RETURN x.n, y.v ORDER BY x.n",
    )
    assert unwound.rows == [[1, 1], [2, 2]]
    nothing = await memory.cypher(
        namespace, "OPTIONAL MATCH (n:Nothing) WITH n AS x MATCH (x)-->(y) RETURN count(*) AS c"
    )
    assert nothing.rows == [[0]]


@pytest.mark.parametrize(
    "value", ["true", "123", "-1.5", "'foo'", "[]", "[n]", "{x: 1}", "{x: null}", "{x: []}"]
)
def test_a_value_that_holds_no_element_cannot_be_matched(value: str) -> None:
    with pytest.raises(CypherSyntaxError, match="VariableTypeConflict"):
        plan(f"MATCH (n) WITH {value} AS x MATCH (x)-->(m) RETURN m")
