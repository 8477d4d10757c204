"""Sums and differences of stored values: the rewrite as text, then temporal values
added as temporal values and everything else as AGE adds it."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from tests.cypher.rules import applied


def test_a_sum_of_two_stored_values_is_written_as_arith() -> None:
    planned = applied(
        "stored_arithmetic",
        "MATCH (n) RETURN n.start + n.length - $gap AS end, n.x + 1 AS y",
        {"gap": "P1D"},
    )
    assert planned.text == (
        "MATCH (n) RETURN kgmem_cypher.arith('-', kgmem_cypher.arith('+', n.start, n.length), "
        "$gap) AS `end`, n.x + 1 AS y"
    )


def test_a_call_that_gives_back_a_stored_value_is_an_operand() -> None:
    planned = applied(
        "stored_arithmetic",
        "WITH [1, 2] AS l, {a: 1} AS m RETURN head(l) + last(l) AS a, "
        "coalesce(m.a, m.b) - head(l) AS b",
    )
    assert planned.text == (
        "WITH [1, 2] AS l, {a: 1} AS m RETURN kgmem_cypher.arith('+', head(l), last(l)) AS a, "
        "kgmem_cypher.arith('-', coalesce(m.a, m.b), head(l)) AS b"
    )


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) RETURN n.x + 1 AS a",  # a literal
        "MATCH (n) RETURN count(n) + max(n.x) AS a",  # count gives no stored value
        "MATCH (n) RETURN size(collect(n.l)) + max(n.x) AS a",
        "MATCH (n) RETURN 2 * max(n.x) + min(n.y) AS a",  # * binds max(n.x) first
        "MATCH (n) RETURN max(n.x) + 1 AS a",
        "MATCH (n) RETURN 2 * n.x + n.y AS a",  # * binds n.x first
        "MATCH (n) RETURN n.x + n.y * 2 AS a",
        "MATCH (n) RETURN -n.x AS a",
        "MATCH (a)-[r]->(b) RETURN a",  # a pattern's dashes
        "MATCH (n) RETURN n.first + ' ' AS a",
        "MATCH (n) RETURN date(n.a) + n.d AS a",  # marked temporal: kgmem_cypher.plus
    ],
)
def test_other_expressions_are_left_alone(query: str) -> None:
    assert "kgmem_cypher.arith" not in plan(query).text


async def test_stored_temporal_values_add_as_temporal_values(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:E {start: date('2020-01-31'), length: duration('P1M'), "
        "hours: duration('PT2H'), at: datetime('2020-01-01T23:00Z'), first: 'Paul', "
        "title: 'PhD'})",
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "MATCH (n:E) RETURN n.start + n.length AS a, n.start - n.length AS b, "
        "n.length + n.hours AS c, n.at + n.hours AS d, n.first + n.title AS e",
    )
    assert result.rows == [["2020-02-29", "2019-12-31", "P1MT2H", "2020-01-02T01:00Z", "PaulPhD"]]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    a=st.one_of(st.integers(-1000, 1000), st.text(alphabet="abcPQ-_ ", max_size=6)),
    b=st.one_of(st.integers(-1000, 1000), st.text(alphabet="abcPQ-_ ", max_size=6)),
)
async def test_values_that_are_not_temporal_add_as_before(
    memory: Memory, namespace: str, a: int | str, b: int | str
) -> None:
    if isinstance(a, int) != isinstance(b, int):
        return  # AGE refuses a number plus a string: not this rule's business
    result = await memory.cypher(
        namespace, "WITH $a AS a, $b AS b RETURN a + b AS s", {"a": a, "b": b}
    )
    expected = a + b if isinstance(a, int) and isinstance(b, int) else f"{a}{b}"
    assert result.rows == [[expected]]


def test_reduce_and_projections_keep_their_sums() -> None:
    planned = plan("RETURN reduce(s = 0, x IN [1, 2] | s + x) AS t, [x IN [1] | x + x] AS l")
    assert "arith" not in planned.text and "fold" in planned.text
