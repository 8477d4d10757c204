"""``toStringOrNull`` and the other ``...OrNull`` conversions, and the list forms, as
Neo4j 5 defines them: the conversion where it applies, null where it does not."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.errors import InvalidText

_CONVERSIONS = ("toStringOrNull", "toIntegerOrNull", "toFloatOrNull", "toBooleanOrNull")


async def test_each_conversion_as_neo4j(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "RETURN toIntegerOrNull('x') AS a, toIntegerOrNull(true) AS b, toIntegerOrNull('12') AS c, "
        "toIntegerOrNull([1]) AS d, toIntegerOrNull(2.7) AS e, toFloatOrNull('x') AS f, "
        "toFloatOrNull(true) AS g, toFloatOrNull('1.5') AS h, toFloatOrNull(3) AS i, "
        "toBooleanOrNull('x') AS j, toBooleanOrNull(0) AS k, toBooleanOrNull('TRUE') AS l, "
        "toBooleanOrNull(1.5) AS m, toStringOrNull(1.0) AS n, toStringOrNull(true) AS o, "
        "toStringOrNull([1]) AS p, toStringOrNull(null) AS q, toStringOrNull({a: 1}) AS r",
    )
    assert result.rows == [[None, 1, 12, None, 2, None, None, 1.5, 3.0, None, False, True, None,
                            "1.0", "true", None, None, None]]  # fmt: skip


async def test_list_conversions_convert_each_element(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "RETURN toStringList([1.0, true, {}, null]) AS a, "
        "toIntegerList([true, 1.9, '7', 'x']) AS b, toFloatList([1, '2.5', true]) AS c, "
        "toBooleanList(['true', 'x', 1, 0, 1.5]) AS d, "
        "toIntegerList([]) AS e, toIntegerList(null) AS f",
    )
    assert result.rows == [[["1.0", "true", None, None], [1, 1, 7, None], [1.0, 2.5, None],
                            [True, None, True, False, None], [], None]]  # fmt: skip


async def test_conversions_of_graph_values(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:V {s: '42', f: 'abc', l: ['1', 2]})", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH (v:V) RETURN toIntegerOrNull(v.s) AS a, toIntegerOrNull(v.f) AS b, "
        "toIntegerOrNull(v) AS c, toIntegerOrNull(v.missing) AS d, toFloatList(v.l) AS e",
    )
    assert result.rows == [[42, None, None, None, [1.0, 2.0]]]


_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**62), 2**62),
        st.floats(allow_nan=False, allow_infinity=False),
        # What a client can send: UTF-8 (no lone surrogate), and no NUL (PostgreSQL keeps none).
        st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text("ab", min_size=1, max_size=2), inner, max_size=2),
    ),
    max_leaves=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_VALUES)
async def test_or_null_conversions_never_raise(
    memory: Memory, namespace: str, value: object
) -> None:
    columns = ", ".join(f"{name}($v) AS c{i}" for i, name in enumerate(_CONVERSIONS))
    result = await memory.cypher(namespace, f"RETURN {columns}", {"v": value})
    text, integer, number, boolean = result.rows[0]
    assert text is None or isinstance(text, str)
    assert integer is None or (isinstance(integer, int) and not isinstance(integer, bool))
    assert number is None or isinstance(number, float)
    assert boolean is None or isinstance(boolean, bool)
    if isinstance(value, int) and not isinstance(value, bool):
        assert (integer, number) == (value, float(value))
    if isinstance(value, float) and math.isfinite(value) and abs(value) < 2**62:
        assert integer == int(value)


async def test_a_parameter_holding_nul_is_refused_clearly(memory: Memory, namespace: str) -> None:
    with pytest.raises(InvalidText, match="NUL"):
        await memory.cypher(namespace, "RETURN toStringOrNull($v) AS c", {"v": ["a", "b\x00"]})
