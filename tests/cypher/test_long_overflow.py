"""Integer ``+``, ``-``, ``*``, negation, ``abs`` and ``sum`` past 64 bits are Neo4j's
ArithmeticError "long overflow", where AGE wrapped around (migration 0063); every result
that fits, and every float result, is as before."""

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j.exceptions import ClientError

from kgmem import Memory
from kgmem.cypher_errors import CypherArithmeticError
from tests.fixtures.bolt import Bolt

LEAST, GREATEST = -(2**63), 2**63 - 1

# Mostly values near the bounds, where a wrong check would show, and some small ones.
_EDGES = st.one_of(
    st.integers(LEAST, LEAST + 3),
    st.integers(GREATEST - 3, GREATEST),
    st.integers(-(2**62) - 2, -(2**62) + 2),
    st.integers(2**62 - 2, 2**62 + 2),
    st.integers(-3037000501, -3037000498),
    st.integers(3037000498, 3037000501),
    st.integers(-3, 3),
    st.integers(LEAST, GREATEST),
)
_OPERATIONS: dict[str, Callable[[int, int], int]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}
_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(a=_EDGES, b=_EDGES, op=st.sampled_from(sorted(_OPERATIONS)))
async def test_integer_arithmetic_fits_or_overflows(
    memory: Memory, namespace: str, a: int, b: int, op: str
) -> None:
    exact = _OPERATIONS[op](a, b)
    query = f"RETURN $a {op} $b AS r"
    if LEAST <= exact <= GREATEST:
        result = await memory.cypher(namespace, query, {"a": a, "b": b})
        assert result.rows == [[exact]]
    else:
        with pytest.raises(CypherArithmeticError, match=r"^long overflow$"):
            await memory.cypher(namespace, query, {"a": a, "b": b})


@_SETTINGS
@given(a=_EDGES)
async def test_negation_overflows_only_for_the_least_integer(
    memory: Memory, namespace: str, a: int
) -> None:
    if a == LEAST:
        with pytest.raises(CypherArithmeticError, match=r"^long overflow$"):
            await memory.cypher(namespace, "WITH $a AS a RETURN -a", {"a": a})
    else:
        assert (await memory.cypher(namespace, "WITH $a AS a RETURN -a", {"a": a})).rows == [[-a]]


@pytest.mark.parametrize(
    "query",
    [
        "RETURN 9223372036854775807 + 1",
        "RETURN -9223372036854775808 - 1",
        "RETURN 4611686018427387904 * 2",
        "RETURN 1 - -9223372036854775807 - 1",
        "RETURN abs(-9223372036854775808)",
        "WITH -9223372036854775808 AS x RETURN -x",
        "UNWIND [9223372036854775807, 1] AS x RETURN sum(x)",
        "UNWIND [4294967296] AS x RETURN x * x",
    ],
)
async def test_literals_overflow(memory: Memory, namespace: str, query: str) -> None:
    with pytest.raises(CypherArithmeticError, match=r"^long overflow$"):
        await memory.cypher(namespace, query)


async def test_results_at_the_bounds_and_floats_are_answers(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "RETURN 9223372036854775806 + 1, -9223372036854775807 - 1, "
        "-3037000499 * 3037000499, -(-9223372036854775807), 9223372036854775807 + 1.0, "
        "1e19 * 3, -9.3e18 - 1, 'a' + -1, [1] + -5, -0.0",
    )
    assert result.rows == [
        [GREATEST, LEAST, -9223372030926249001, GREATEST, 9.223372036854776e18,
         3e19, -9.3e18, "a-1", [1, -5], -0.0]
    ]  # fmt: skip


async def test_values_read_from_the_graph_overflow(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace, "CREATE (:V {big: 9223372036854775807, small: -9223372036854775808, one: 1})",
        mode="write",
    )  # fmt: skip
    for expression in ("n.big + 1", "n.big + n.one", "n.small - n.one", "n.one - n.small",
                       "n.big * 2", "-n.small", "n.small * n.one * -1"):  # fmt: skip
        with pytest.raises(CypherArithmeticError, match=r"^long overflow$"):
            await memory.cypher(namespace, f"MATCH (n:V) RETURN {expression}")
    result = await memory.cypher(
        namespace, "MATCH (n:V) RETURN n.big - n.one, n.small + n.one, n.big * n.one"
    )
    assert result.rows == [[GREATEST - 1, LEAST + 1, GREATEST]]


async def test_bolt_answers_neo4j_code(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        with pytest.raises(ClientError) as caught:
            await (await session.run("UNWIND [9223372036854775807] AS x RETURN x + 1")).consume()
        assert caught.value.code == "Neo.ClientError.Statement.ArithmeticError"
        assert caught.value.message == "long overflow"
