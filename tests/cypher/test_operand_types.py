"""Arithmetic on values the text shows cannot be numbers, and rand() inside an
aggregate: refused while planning, as openCypher's semantic analysis refuses them, and
the well-typed queries beside them still plan."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherSyntaxError


@pytest.mark.parametrize(
    "query",
    [
        "RETURN none(x IN ['Clara'] WHERE x % 2 = 0) AS r",
        "RETURN any(x IN [false, true] WHERE x % 2 = 0) AS r",
        "RETURN all(x IN ['Clara', 'Bob', null] WHERE x % 2 = 0) AS r",
        "RETURN single(x IN [true] WHERE 2 ^ x > 1) AS r",
        "RETURN [x IN ['a', 'b'] | x * 2] AS r",
        "RETURN [x IN [true] WHERE x / 2 > 0] AS r",
        "RETURN 'a' - 1 AS r",
        "RETURN 2 * 'a' AS r",
        "RETURN -true AS r",
        "MATCH (n) WHERE n.v = false % 2 RETURN n",
    ],
)
def test_arithmetic_on_a_string_or_boolean_is_refused(query: str) -> None:
    with pytest.raises(CypherSyntaxError, match="InvalidArgumentType"):
        plan(query, mode="write")


@pytest.mark.parametrize(
    "query",
    [
        "RETURN all(x IN ['a', 1] WHERE x % 2 = 0) AS r",  # no one type: left to run
        "RETURN [x IN [1, 2.5, null] WHERE x % 2 = 0 | -x] AS r",
        "WITH ['a'] AS l RETURN [x IN l | x + 'b'] AS r",
        "RETURN 'a' + 'b' AS s, [1] + ['x'] AS l, 2 * -3 AS n",
        "RETURN date('2020-01-02') - duration('P1D') AS d, duration('P1D') * 2 AS e",
        "CREATE (a {k: 'x'})-[:T {k: 'y'}]->(b)<-[:U {f: false}]-(c) RETURN count(*)",
        "MATCH (a)-[r*]-(b)-[:T*2..3]->(c) WITH * RETURN count(*)",
        "MATCH (n) WHERE n.name STARTS WITH 'a' RETURN n.x - 1, n.true % 2, n.`a` / 2",
        "RETURN [x IN ['a'] | x] AS l, any(y IN ['b'] WHERE y = 'b') AS a, -1 AS n",
    ],
)
def test_well_typed_arithmetic_still_plans(query: str) -> None:
    assert plan(query, mode="write").text


_STRINGS = st.lists(st.sampled_from(["'a'", "'Clara'", "''", "null"]), min_size=1, max_size=4)
_BOOLS = st.lists(st.sampled_from(["true", "false", "null"]), min_size=1, max_size=4)


@given(
    items=st.one_of(_STRINGS, _BOOLS).filter(lambda xs: any(x != "null" for x in xs)),
    quantifier=st.sampled_from(["all", "any", "none", "single"]),
    operator=st.sampled_from(["%", "*", "/", "^", "-"]),
    left=st.booleans(),
)
def test_a_quantifier_over_one_non_numeric_type_refuses_arithmetic(
    items: list[str], quantifier: str, operator: str, left: bool
) -> None:
    """Any list literal of one type that is not a number, any quantifier, any arithmetic
    operator, the variable on either side: a compile-time InvalidArgumentType."""
    use = f"x {operator} 2" if left else f"2 {operator} x"
    query = f"RETURN {quantifier}(x IN [{', '.join(items)}] WHERE {use} = 0) AS r"
    with pytest.raises(CypherSyntaxError, match="InvalidArgumentType"):
        plan(query, mode="read")


@given(
    items=st.lists(st.sampled_from(["'a'", "true", "null", "[1]", "{k: 1}"]), max_size=3),
    number=st.sampled_from(["1", "2.5", "-3", "0x1F"]),
    operator=st.sampled_from(["%", "*", "/", "^", "-"]),
)
def test_a_list_holding_a_number_is_left_to_run(
    items: list[str], number: str, operator: str
) -> None:
    query = f"RETURN none(x IN [{', '.join([*items, number])}] WHERE x {operator} 2 = 0) AS r"
    assert plan(query, mode="read").text


@pytest.mark.parametrize(
    "query",
    ["RETURN count(rand())", "RETURN collect(rand() * 10) AS l", "RETURN sum(DISTINCT rand())"],
)
def test_rand_inside_an_aggregate_is_refused(query: str) -> None:
    with pytest.raises(CypherSyntaxError, match="NonConstantExpression"):
        plan(query, mode="read")


def test_rand_outside_an_aggregate_still_plans() -> None:
    assert plan("RETURN rand() < 2 AS r, count(*) AS c, toInteger(rand() * 10) AS i").text


async def test_the_error_comes_before_any_row(memory: Memory, namespace: str) -> None:
    """AGE fails only on a row; on an empty graph it would answer nothing."""
    with pytest.raises(CypherSyntaxError, match="InvalidArgumentType"):
        await memory.cypher(namespace, "MATCH (n) RETURN n.v + ('a' % 2) AS r")
    assert (await memory.cypher(namespace, "MATCH (n) RETURN count(n) AS c")).rows == [[0]]
