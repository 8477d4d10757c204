"""Octal integer literals: written in decimal for AGE, malformed ones refused."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherSyntaxError


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_an_octal_literal_is_its_decimal_value(value: int) -> None:
    planned = plan(f"RETURN 0o{value:o} AS a, -0O{value:o} AS b")
    assert planned.text == f"RETURN {value} AS a, -{value} AS b"
    assert planned.columns == ["a", "b"]


@pytest.mark.parametrize("literal", ["0o", "0o8", "0o17a", "0x", "0x1G"])
def test_malformed_prefixed_integers_are_syntax_errors(literal: str) -> None:
    with pytest.raises(CypherSyntaxError, match="invalid integer literal"):
        plan(f"RETURN {literal} AS x")


@pytest.mark.parametrize("literal", ["0o1000000000000000000000", "-0o1000000000000000000001"])
def test_octal_literals_beyond_64_bits_are_syntax_errors(literal: str) -> None:
    with pytest.raises(CypherSyntaxError, match="IntegerOverflow"):
        plan(f"RETURN {literal} AS x")


def test_names_and_strings_holding_0o_are_left_alone() -> None:
    query = "WITH {o: '0o17'} AS m RETURN m.o AS x0o1"
    assert plan(query).text == query


async def test_octal_literals_answer_on_age(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "RETURN 0o777777777777777777777 AS largest, -0o1000000000000000000000 AS smallest, "
        "[0o17, 0x1F] AS both",
    )
    assert result.rows == [[2**63 - 1, -(2**63), [15, 31]]]
