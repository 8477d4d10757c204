"""Procedure signatures and Cypher types: parsed as Neo4j and the TCK write them,
printed back the same way, and values checked and coerced against them."""

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgmem.procedures import procedure, signature
from kgmem.procedures.types import CypherType, Mismatch, coerce, parse_type


def test_a_tck_signature_parses_into_typed_fields() -> None:
    name, arguments, outputs = signature.parse(
        "test.my.proc(name :: STRING?, id :: INTEGER?) "
        ":: (city :: STRING?, country_code :: INTEGER?)"
    )
    assert name == "test.my.proc"
    assert [(a.name, str(a.type)) for a in arguments] == [("name", "STRING?"), ("id", "INTEGER?")]
    assert [o.name for o in outputs] == ["city", "country_code"]
    assert signature.parse("test.doNothing() :: ()") == ("test.doNothing", (), ())
    assert signature.parse("x.void(a :: ANY) :: VOID")[2] == ()


def test_defaults_are_constant_and_typed() -> None:
    _, arguments, _ = signature.parse(
        "p(a :: STRING, b = 3 :: FLOAT?, c = [1, -2] :: LIST OF INTEGER) :: (x :: ANY)"
    )
    assert [a.optional for a in arguments] == [False, True, True]
    assert arguments[1].default == 3.0 and isinstance(arguments[1].default, float)
    assert arguments[2].default == [1, -2]
    assert str(arguments[1]) == "b = 3.0 :: FLOAT?"


@pytest.mark.parametrize(
    "text",
    [
        "p(a INTEGER) :: (x :: ANY)",  # no ::
        "p(a :: WHATEVER) :: (x :: ANY)",
        "p(a = x :: INTEGER) :: (x :: ANY)",  # a default reading a variable
        "p(a = 'x' :: INTEGER) :: (x :: ANY)",  # a default of the wrong type
        "p() :: x :: ANY",
        "p() :: (x = 1 :: INTEGER)",
        "1p() :: ()",
        "p(a-b :: ANY) :: ()",
        "no parentheses",
    ],
)
def test_malformed_signatures_are_value_errors(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        signature.parse(text)


def test_types_as_written() -> None:
    assert parse_type("LIST<FLOAT>?") == CypherType("LIST", True, CypherType("FLOAT", False))
    assert str(parse_type("list of list of string")) == "LIST OF LIST OF STRING"
    assert parse_type("integer").nullable is False


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("FLOAT?", 42, 42.0),
        ("NUMBER", 42, 42),
        ("NUMBER", 4.5, 4.5),
        ("INTEGER?", None, None),
        ("LIST OF FLOAT", [1, 2.5], [1.0, 2.5]),
        ("MAP", {"a": 1}, {"a": 1}),
        ("ANY", {"kind": "node"}, {"kind": "node"}),
        ("NODE", {"kind": "node", "id": 1}, {"kind": "node", "id": 1}),
    ],
)
def test_values_are_coerced_to_their_type(kind: str, value: Any, expected: Any) -> None:
    out = coerce(parse_type(kind), value)
    assert out == expected and type(out) is type(expected)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("INTEGER?", True),
        ("INTEGER", 1.5),
        ("INTEGER", None),
        ("FLOAT", "1"),
        ("FLOAT", 10**400),
        ("BOOLEAN", 1),
        ("STRING", ["a"]),
        ("LIST OF INTEGER", [1, "a"]),
        ("MAP", {"kind": "node"}),
        ("NODE", {"a": 1}),
    ],
)
def test_values_of_another_type_are_mismatches(kind: str, value: Any) -> None:
    with pytest.raises(Mismatch):
        coerce(parse_type(kind), value)


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
_KINDS = st.sampled_from(
    [
        "ANY",
        "BOOLEAN",
        "STRING",
        "INTEGER",
        "FLOAT",
        "NUMBER",
        "MAP",
        "LIST OF ANY",
        "LIST OF INTEGER?",
        "NODE",
    ]
).map(lambda k: k + "?")


@given(kind=_KINDS, value=_VALUES)
def test_coercion_is_idempotent_and_keeps_numbers(kind: str, value: Any) -> None:
    """What a type accepts, it accepts again unchanged; numbers keep their value."""
    parsed = parse_type(kind)
    try:
        once = coerce(parsed, value)
    except Mismatch:
        return
    assert coerce(parsed, once) == once
    if isinstance(value, int | float) and not isinstance(value, bool):
        assert math.isclose(once, value) or once == value
    if isinstance(value, bool):
        assert once is value  # a boolean never becomes a number


_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)


@given(
    name=st.lists(_NAMES, min_size=1, max_size=3).map(".".join),
    arguments=st.lists(st.tuples(_NAMES, _KINDS), max_size=3, unique_by=lambda t: t[0]),
    outputs=st.lists(st.tuples(_NAMES, _KINDS), max_size=3, unique_by=lambda t: t[0]),
)
def test_a_printed_signature_parses_back_the_same(
    name: str, arguments: list[tuple[str, str]], outputs: list[tuple[str, str]]
) -> None:
    async def body(reader: Any, args: Any) -> list[Any]:
        return []

    given = ", ".join(f"{a} :: {k}" for a, k in arguments)
    yielded = ", ".join(f"{o} :: {k}" for o, k in outputs)
    declared = f"{name}({given}) :: ({yielded})"
    first = procedure(declared, body)
    again = procedure(first.signature, body)
    assert again.signature == first.signature
    assert (again.name, again.arguments, again.outputs) == (
        first.name,
        first.arguments,
        first.outputs,
    )
