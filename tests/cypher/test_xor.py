"""XOR binds looser than AND: the rule as text, then its truth table on AGE."""

import itertools

import pytest

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherError


def test_xor_chains_are_written_with_each_operand_once() -> None:
    planned = plan(
        "WITH true AS a, false AS b RETURN a AND b XOR a AND b XOR b AS r, a XOR b AS s "
        "ORDER BY a OR b AND a XOR b"
    )
    assert planned.text == (
        "WITH true AS a, false AS b RETURN [(((NOT (((NOT (a AND b )) <> (NOT ( a AND b ))))) "
        "<> (NOT ( b))))][0] AS r, [(((NOT (a )) <> (NOT ( b))))][0] AS s "
        "ORDER BY a OR [(((NOT (b AND a )) <> (NOT ( b))))][0]"
    )
    assert "xor_operands" in planned.rewrites


def test_a_long_chain_grows_linearly() -> None:
    sent = [len(plan("RETURN " + " XOR ".join(["true"] * n) + " AS x").text) for n in (10, 20, 40)]
    assert sent[2] - sent[1] == 2 * (sent[1] - sent[0])


def test_operands_end_at_brackets_case_keywords_and_comprehension_parts() -> None:
    planned = plan(
        "UNWIND [true] AS x RETURN [y IN [x] WHERE y XOR y AND x | y XOR size([1]) > 0 AND x] "
        "AS l, CASE WHEN x AND NOT x XOR x THEN x END AS k, (x XOR x) AND x AS m"
    )
    assert planned.text.endswith(
        "[y IN [x] WHERE [((kgmem_cypher.compare3((NOT ([y][0] )), '<>', "
        "(NOT ( [y][0] AND x)))))][0] | [(((NOT ([y][0] )) <> "
        "(NOT ( kgmem_cypher.size([1]) > 0 AND x))))][0]] AS l, "
        "CASE WHEN [(((NOT (x AND NOT x )) <> (NOT ( x))))][0] THEN x END AS k, "
        "([(((NOT (x )) <> (NOT ( x))))][0]) AND x AS m"
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


async def test_xor_keeps_null_and_refuses_what_is_not_a_boolean(
    memory: Memory, namespace: str
) -> None:
    result = await memory.cypher(
        namespace, "RETURN null XOR true AS a, false XOR null AS b, true XOR false XOR true AS c"
    )
    assert result.rows == [[None, None, False]]
    with pytest.raises(CypherError):
        await memory.cypher(namespace, "WITH 1 AS i RETURN i XOR true AS x")


async def test_forty_xors_run_at_once(memory: Memory, namespace: str) -> None:
    """AGE alone plans 2^40 copies of this query; kgmem's own XOR plans 40."""
    query = "RETURN " + " XOR ".join(["true"] * 41) + " AS x"
    result = await memory.cypher(namespace, query)
    assert result.rows == [[True]]
    assert result.timings["database_ms"] < 2000
