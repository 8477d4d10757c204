"""``x IN list`` by openCypher's three-valued logic: the rewrite as text, and its
answers on AGE."""

import itertools
from typing import Any

import pytest

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherSyntaxError


def test_membership_age_misreads_becomes_three_valued() -> None:
    planned = plan("RETURN [1, 2] IN [[null, 2]] AS r")
    assert "comparisons" in planned.rewrites
    assert "kgmem_cypher.compare3([1, 2], '=', [null, 2])" in planned.text
    assert "__kgmem_in" not in planned.text  # a list literal's items one by one
    over_a_list = plan("WITH [[null, 2]] AS l RETURN [1, 2] IN l AS r")
    assert "kgmem_cypher.compare3(__kgmem_in, '=', [1, 2])" in over_a_list.text
    assert "[__kgmem_in IN (l) WHERE" in over_a_list.text


@pytest.mark.parametrize(
    "query",
    [
        "RETURN 3 IN [1, null] AS r",
        "MATCH (n) WHERE n.name IN ['a', 'b'] RETURN n",
        "MATCH (n) WHERE n.name IN $names RETURN n",
        "RETURN (NOT true) IN [true, false] AS r",
        "WITH [[false]] AS l RETURN (1 IN [2]) IN l[0] AS r",  # AGE's inner IN: a boolean
    ],
)
def test_membership_age_answers_right_or_an_index_serves_stays(query: str) -> None:
    assert "__kgmem_in" not in plan(query, {"names": []}).text


def test_membership_binds_tighter_than_comparison_and_looser_than_addition() -> None:
    text = plan("RETURN [1] + 2 IN [3] + 4 AS a, [1, 2] < [3] IN [[3]] AS b").text
    assert "IN ([3] + 4) WHERE kgmem_cypher.compare3(__kgmem_in, '=', [1] + 2)" in text
    assert (
        "kgmem_cypher.compare3([1, 2], '<', (CASE WHEN (kgmem_cypher.compare3([3], '=', [3]))"
        in text
    )


def test_a_list_comprehension_is_not_read_as_membership() -> None:
    assert "__kgmem_in" not in plan("WITH [[1]] AS l RETURN [x IN l] AS r").text


@pytest.mark.parametrize("source", ["true", "123", "12.5", "'foo'", "{x: []}"])
def test_membership_in_a_literal_that_is_not_a_list_is_a_syntax_error(source: str) -> None:
    with pytest.raises(CypherSyntaxError):
        plan(f"RETURN 1 IN {source}")


def _equal(a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    if isinstance(a, list) != isinstance(b, list):
        return False
    if not isinstance(a, list):
        return bool(a == b)
    if len(a) != len(b):
        return False
    pairs = [_equal(x, y) for x, y in zip(a, b, strict=True)]
    return False if False in pairs else (None if None in pairs else True)


def _member(element: Any, source: list[Any]) -> bool | None:
    tests = [_equal(item, element) for item in source]
    return True if True in tests else (None if None in tests else False)


_VALUES = [None, 1, 2, [1], [None], [1, None], [1, 2]]


async def test_membership_of_every_small_value_follows_opencypher(
    memory: Memory, namespace: str
) -> None:
    sources = [list(c) for n in range(3) for c in itertools.product(_VALUES, repeat=n)]
    cases = [[e, s] for e in _VALUES for s in sources]
    result = await memory.cypher(
        namespace,
        "UNWIND $cases AS c RETURN c[0] IN c[1] AS r",
        {"cases": cases},
    )
    assert [row[0] for row in result.rows] == [_member(e, s) for e, s in cases]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("[null] IN [[null]]", None),
        ("[1, 2] IN [[null, 2], [1, 3]]", None),
        ("[1, 2] IN [[null, 2], [1, 2]]", True),
        ("[1] IN [[1, null]]", False),
        ("$e IN $l", False),
    ],
)
async def test_membership_literals_answer_as_opencypher_says(
    memory: Memory, namespace: str, expression: str, expected: Any
) -> None:
    result = await memory.cypher(namespace, f"RETURN {expression} AS r", {"e": None, "l": []})
    assert result.rows == [[expected]]


async def test_membership_filters_rows_in_where(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND [[1, null], [1, 2], [3]] AS v WITH v WHERE NOT v IN [[1, 2], [1, null]] RETURN v",
    )
    assert result.rows == [[[3]]]


async def test_an_optional_match_filtered_by_a_list_of_negative_numbers_keeps_its_row(
    memory: Memory, namespace: str
) -> None:
    """AGE loses the optional row when its WHERE holds a list comprehension over the
    optional variable; ``-1`` is a literal, so the IN stays AGE's own."""
    await memory.cypher(namespace, "CREATE (:N {i: 0, k: 5}), (:N {i: 1, k: -1})", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH (n:N) OPTIONAL MATCH (m:N) WHERE m.k IN [-1, -2.5] AND m.i = n.i "
        "RETURN n.i, m.i ORDER BY n.i",
    )
    assert result.rows == [[0, None], [1, 1]]
    assert "__kgmem_in" not in plan("MATCH (n) WHERE n.k IN [-1, 2] RETURN n").text


def test_membership_in_where_over_a_list_of_scalars_stays_for_the_planner() -> None:
    query = "MATCH (a)-[r]->(b) WHERE type(r) IN ['KNOWS', null] RETURN r"
    assert plan(query).text == query
    assert (
        "compare3(n.x, '=', [1, null])" in plan("MATCH (n) WHERE n.x IN [[1, null]] RETURN n").text
    )


async def test_an_optional_match_filtered_by_a_list_of_expressions_keeps_its_rows(
    memory: Memory, namespace: str
) -> None:
    """A list literal's items are compared one by one, with no list comprehension in
    the OPTIONAL MATCH's WHERE (where AGE would lose the rows without a match)."""
    await memory.cypher(
        namespace, "CREATE (:N {x: 1}), (:N {x: 2}), (:N), (:M {k: 1})", mode="write"
    )
    result = await memory.cypher(
        namespace,
        "MATCH (n:N) OPTIONAL MATCH (m:M) WHERE m.k IN [n.x, [n.x], null] "
        "RETURN n.x AS x, m.k AS k, n.x IN [m.k, 3] AS r, n.x IN [] AS e ORDER BY x",
    )
    assert result.rows == [[1, 1, True, False], [2, None, None, False], [None, None, None, False]]


async def test_membership_of_a_short_list_compares_as_a_value(
    memory: Memory, namespace: str
) -> None:
    result = await memory.cypher(
        namespace,
        "RETURN (1 IN [1, 2]) = true AS a, (3 IN [1, null]) IS NULL AS b, "
        "[1] < ([2] IN [[2], true]) AS c, [1] = [2] IN [[2]] AS d",
    )
    assert result.rows == [[True, True, None, False]]
