"""Comparisons across types, of NaN and of maps holding null, as openCypher answers them
(``kgmem.cypher.comparisons``, migration 0046): an ordering across types is null (so
WHERE drops the row, and ``NOT`` keeps it dropped), NaN is equal to nothing and neither
above nor below any number, and ``{k: null} = {k: null}`` is null."""

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan

_ORDER = {
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int | float):
        return "number"
    return "string" if isinstance(v, str) else "other"


def ordered(a: Any, op: str, b: Any) -> bool | None:
    """openCypher's ``a op b`` for scalars: null across types, false with NaN."""
    if _kind(a) != _kind(b) or _kind(a) == "other":
        return None
    if _kind(a) == "number" and (math.isnan(a) or math.isnan(b)):
        return False
    return bool(_ORDER[op]((a > b) - (a < b)))


def equal(a: Any, b: Any) -> bool | None:
    """openCypher's ``a = b`` for maps of scalars and for scalars."""
    if a is None or b is None:
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return False
        each = [equal(a[k], b[k]) for k in a]
        return False if False in each else (None if None in each else True)
    if _kind(a) != _kind(b):
        return False
    return a == b  # NaN == NaN is False in Python too


def cypher_literal(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and math.isnan(v):
        return "(0.0 / 0.0)"
    if isinstance(v, str):
        return "'" + v + "'"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {cypher_literal(x)}" for k, x in v.items()) + "}"
    return repr(v)


_STORED: list[Any] = [0, -3, 2.5, "xx", "a", "", True, False, [1], math.nan]
_LITERALS = st.one_of(
    st.integers(-5, 5), st.sampled_from([0.5, -1.5]), st.sampled_from(["x", "", "b"]), st.booleans()
)


async def _stored(memory: Memory, namespace: str) -> None:
    """One node of each of ``_STORED`` (and one without ``v``), after any earlier ones."""
    await memory.cypher(namespace, "MATCH (n) DETACH DELETE n", mode="write")
    values = ", ".join(f"(:C {{i: {i}, v: {cypher_literal(v)}}})" for i, v in enumerate(_STORED))
    await memory.cypher(namespace, f"CREATE {values}, (:C {{i: -1}})", mode="write")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(literal=_LITERALS, op=st.sampled_from(sorted(_ORDER)), flipped=st.booleans())
async def test_a_property_ordered_against_a_literal_keeps_only_values_of_its_type(
    memory: Memory, namespace: str, literal: Any, op: str, flipped: bool
) -> None:
    await _stored(memory, namespace)
    lit = cypher_literal(literal)
    mirror = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
    condition = f"{lit} {mirror} n.v" if flipped else f"n.v {op} {lit}"
    for where, wanted in ((condition, True), (f"NOT ({condition})", False)):
        result = await memory.cypher(
            namespace, f"MATCH (n:C) WHERE {where} RETURN n.i AS i ORDER BY i"
        )
        expected = [
            i for i, v in enumerate(_STORED) if not isinstance(v, list)
            and ordered(v, op, literal) is wanted
        ]  # fmt: skip
        assert [row[0] for row in result.rows] == expected, where


async def test_a_null_or_a_comparison_across_types_keeps_the_nulls_and_the_strings(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace,
        "CREATE (r:Root)-[:T]->(:Child {var: 0}), (r)-[:T]->(:Child {var: 'xx'}), "
        "(r)-[:T]->(:Child)",
        mode="write",
    )
    both = await memory.cypher(
        namespace, "MATCH (:Root)-->(i:Child) WHERE i.var IS NULL OR i.var > 'x' RETURN i.var"
    )
    assert sorted(both.rows, key=repr) == [["xx"], [None]]


def test_an_ordering_against_a_literal_stays_a_range_of_the_property() -> None:
    assert plan("MATCH (n) WHERE n.age > 30 RETURN n").text == (
        "MATCH (n) WHERE (n.age > 30 AND n.age < 'NaN'::float) RETURN n"
    )
    assert plan("MATCH (n) WHERE n.name <= 'm' RETURN n").text == (
        "MATCH (n) WHERE (n.name <= 'm' AND n.name >= '') RETURN n"
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    left=st.one_of(st.integers(-2, 2), st.just(math.nan), st.just("a")),
    right=st.one_of(st.integers(-2, 2), st.just(math.nan), st.just("a")),
)
async def test_nan_is_equal_to_nothing_and_ordered_against_nothing(
    memory: Memory, namespace: str, left: Any, right: Any
) -> None:
    a, b = cypher_literal(float(left) if left == 0 else left), cypher_literal(right)
    result = await memory.cypher(
        namespace,
        f"RETURN {a} = {b} AS eq, {a} <> {b} AS ne, {a} < {b} AS lt, {a} >= {b} AS ge, "
        f"[{a}] = [{b}] AS in_lists",
    )
    eq = equal(left, right)
    assert result.rows == [
        [eq, None if eq is None else not eq, ordered(left, "<", right),
         ordered(left, ">=", right), eq]
    ]  # fmt: skip


_MAPS = st.dictionaries(st.sampled_from("kl"), st.one_of(st.none(), st.integers(1, 2)))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(left=_MAPS, right=_MAPS)
async def test_maps_holding_null_compare_as_opencypher_says(
    memory: Memory, namespace: str, left: dict[str, Any], right: dict[str, Any]
) -> None:
    a, b = cypher_literal(left), cypher_literal(right)
    result = await memory.cypher(
        namespace, f"WITH {a} AS m RETURN {a} = {b} AS direct, m = {b} AS bound, m <> {b} AS ne"
    )
    eq = equal(left, right)
    assert result.rows == [[eq, eq, None if eq is None else not eq]]
