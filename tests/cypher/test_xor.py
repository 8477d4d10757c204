"""XOR binds looser than AND: the rule as text, then its truth table on AGE."""

import itertools

from kgmem import Memory
from kgmem.cypher import plan


def test_and_chains_beside_xor_are_bracketed() -> None:
    planned = plan(
        "WITH true AS a, false AS b RETURN a AND b XOR a AND b XOR b AS r, a XOR b AS s "
        "ORDER BY a OR b AND a XOR b"
    )
    assert planned.text == (
        "WITH true AS a, false AS b RETURN (a AND b) XOR (a AND b) XOR b AS r, a XOR b AS s "
        "ORDER BY a OR (b AND a) XOR b"
    )
    assert "xor_operands" in planned.rewrites


def test_operands_end_at_brackets_case_keywords_and_comprehension_parts() -> None:
    planned = plan(
        "UNWIND [true] AS x RETURN [y IN [x] WHERE y XOR y AND x | y XOR size([1]) > 0 AND x] "
        "AS l, CASE WHEN x AND NOT x XOR x THEN x END AS k, (x XOR x) AND x AS m"
    )
    assert planned.text.endswith(
        "[y IN [x] WHERE y XOR (y AND x) | y XOR (size([1]) > 0 AND x)] "
        "AS l, CASE WHEN (x AND NOT x) XOR x THEN x END AS k, (x XOR x) AND x AS m"
    )


def test_queries_without_xor_are_left_alone() -> None:
    assert plan("RETURN true AND false OR true AS r").rewrites == ()


async def test_xor_follows_opencyphers_precedence_on_age(memory: Memory, namespace: str) -> None:
    for a, b, c in itertools.product([True, False], repeat=3):
        result = await memory.cypher(
            namespace,
            "WITH $a AS a, $b AS b, $c AS c "
            "RETURN a XOR b AND c AS r1, a AND b XOR c AS r2, a OR b XOR c AS r3",
            params={"a": a, "b": b, "c": c},
        )
        assert result.rows == [[a != (b and c), (a and b) != c, a or (b != c)]], (a, b, c)
