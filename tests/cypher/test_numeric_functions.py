"""``round`` (ties, a precision, Neo4j's rounding modes), ``isNaN``, ``haversin`` and
``toInteger`` of a boolean, as Neo4j 5 defines them (migration 0044), checked against
Python's decimal rounding, whose modes are Java's."""

import decimal
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher_errors import CypherArithmeticError
from kgmem.errors import CypherTypeError

_MODES = {
    "CEILING": decimal.ROUND_CEILING,
    "FLOOR": decimal.ROUND_FLOOR,
    "UP": decimal.ROUND_UP,
    "DOWN": decimal.ROUND_DOWN,
    "HALF_UP": decimal.ROUND_HALF_UP,
    "HALF_DOWN": decimal.ROUND_HALF_DOWN,
    "HALF_EVEN": decimal.ROUND_HALF_EVEN,
}


def rounded(x: float, digits: int, mode: str) -> float:
    """The value as Neo4j rounds it: its shortest decimal text, rounded at ``digits``."""
    step = decimal.Decimal(1).scaleb(-digits)
    return float(decimal.Decimal(repr(x)).quantize(step, rounding=_MODES[mode]))


async def test_ties_round_towards_positive_infinity(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND [2.5, -2.5, -1.5, -0.5, 0.49999999999999994, 3, -3.7] AS x "
        "RETURN round(x) AS r, round(x, 0) AS z",
    )
    expected = [3.0, -2.0, -1.0, 0.0, 0.0, 3.0, -4.0]
    assert [row[0] for row in result.rows] == expected
    assert [row[1] for row in result.rows] == expected  # precision 0 rounds as round(x)


_FLOATS = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(
    lambda x: abs(x) > 1e-6 or x == 0
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(_FLOATS, min_size=1, max_size=20), st.integers(-2, 4), st.sampled_from(list(_MODES))
)
async def test_precision_and_modes_round_the_decimal_text(
    memory: Memory, namespace: str, xs: list[float], digits: int, mode: str
) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND $xs AS x RETURN round(x, $d, $m) AS r, round(x, $d) AS h",
        {"xs": xs, "d": digits, "m": mode},
    )
    for x, (r, h) in zip(xs, result.rows, strict=True):
        assert r == pytest.approx(rounded(x, digits, mode), rel=1e-15, abs=1e-300)
        if digits != 0:
            assert h == pytest.approx(rounded(x, digits, "HALF_UP"), rel=1e-15, abs=1e-300)


async def test_halves_in_every_mode(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND ['HALF_UP', 'HALF_DOWN', 'HALF_EVEN', 'UP', 'DOWN', 'CEILING', 'FLOOR'] AS m "
        "RETURN [x IN [-1.55, -1.45, 1.45, 1.55] | round(x, 1, m)] AS r",
    )
    assert result.rows == [
        [[-1.6, -1.5, 1.5, 1.6]],
        [[-1.5, -1.4, 1.4, 1.5]],
        [[-1.6, -1.4, 1.4, 1.6]],
        [[-1.6, -1.5, 1.5, 1.6]],
        [[-1.5, -1.4, 1.4, 1.5]],
        [[-1.5, -1.4, 1.5, 1.6]],
        [[-1.6, -1.5, 1.4, 1.5]],
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("RETURN round(1.55, 1, 'UNNECESSARY') AS r", "UNNECESSARY"),
        ("RETURN round(1.5, 1, 'NEAREST') AS r", "no rounding mode NEAREST"),
        ("RETURN round('1.5') AS r", "needs a number"),
        ("RETURN round(1.5, 1.5) AS r", "integer precision"),
        ("RETURN isNaN('x') AS r", "needs a number"),
        ("RETURN haversin([1]) AS r", "needs a number"),
    ],
)
async def test_bad_arguments_are_type_errors(
    memory: Memory, namespace: str, query: str, message: str
) -> None:
    with pytest.raises(CypherTypeError, match=message):
        await memory.cypher(namespace, query)


async def test_nan_haversin_and_booleans_as_integers(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:V {f: 0.5, b: true})", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH (v:V) RETURN isNaN(1) AS a, isNaN(v.f) AS b, isNaN(toFloat('NaN')) AS c, "
        "haversin(v.f) AS d, toInteger(v.b) AS e, toInteger(false) AS f, "
        "round(1.5, 1, 'UNNECESSARY') AS g, round(null) AS h, isNaN(v.missing) AS i",
    )
    a, b, c, d, e, f, g, h, i = result.rows[0]
    assert (a, b, c, e, f, g, h, i) == (False, False, True, 1, 0, 1.5, None, None)
    assert d == pytest.approx((1 - math.cos(0.5)) / 2)


async def test_a_float_divided_by_zero_is_infinite_or_nan(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:V {zero: 0.0, three: 3, half: 0.5})", mode="write")
    query = (
        "MATCH (v:V) RETURN v.three / v.zero AS a, -v.half / 0 AS b, v.zero / 0.0 AS c, "
        "isNaN(0.0 / 0.0) AS d, 1 / -0.0 AS e, null / 0.0 AS f, v.three / 2 AS g, "
        "v.half / 2 AS h"
    )
    expected = [["Infinity", "-Infinity", "NaN", True, "-Infinity", None, 1, 0.25]]
    assert (await memory.cypher(namespace, query)).rows == expected  # as the reader role
    assert (await memory.cypher(namespace, query, mode="write")).rows == expected
    await memory.cypher(namespace, "MATCH (v:V) SET v.inf = v.three / v.zero", mode="write")
    stored = await memory.cypher(namespace, "MATCH (v:V) RETURN v.inf > 1e308 AS big")
    assert stored.rows == [[True]]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(x=st.one_of(st.integers(-3, 3), st.floats(-3, 3, allow_nan=False)))
async def test_outside_their_domain_functions_answer_nan_or_minus_infinity(
    memory: Memory, namespace: str, x: float
) -> None:
    result = await memory.cypher(
        namespace, "RETURN sqrt($x), log($x), log10($x), asin($x), acos($x)", {"x": x}
    )
    expected = [
        math.nan if x < 0 else math.sqrt(x),
        math.nan if x < 0 else (-math.inf if x == 0 else math.log(x)),
        math.nan if x < 0 else (-math.inf if x == 0 else math.log10(x)),
        math.asin(x) if -1 <= x <= 1 else math.nan,
        math.acos(x) if -1 <= x <= 1 else math.nan,
    ]
    # JSON carries NaN and the infinities as their names (docs/cypher.md)
    got = [float(v) if isinstance(v, str) else v for v in result.rows[0]]
    for value, wanted in zip(got, expected, strict=True):
        assert value == pytest.approx(wanted, nan_ok=True)


async def test_log_of_e_is_one(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(namespace, "RETURN log(e()) AS a, sqrt(null) AS b")
    assert result.rows == [[1.0, None]]


async def test_an_integer_divided_by_the_integer_zero_is_an_arithmetic_error(
    memory: Memory, namespace: str
) -> None:
    for query in ("UNWIND [1, 0] AS x RETURN 6 / x AS r", "UNWIND [1, 0] AS x RETURN 6 % x AS r"):
        with pytest.raises(CypherArithmeticError, match=r"^/ by zero$"):
            await memory.cypher(namespace, query)


def java_text(x: float) -> str:
    """``Double.toString``: the shortest digits, plain between 10^-3 and 10^7, otherwise
    ``d.dddE<n>``."""
    if math.isnan(x) or math.isinf(x):
        return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    if x == 0:
        return sign + "0.0"
    exact = decimal.Decimal(repr(abs(x))).normalize()
    digits = "".join(map(str, exact.as_tuple().digits))
    power = exact.adjusted()  # the exponent of the first digit
    if 1e-3 <= abs(x) < 1e7:
        plain = format(exact, "f")
        return sign + (plain if "." in plain else plain + ".0")
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{power}"


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.floats(allow_nan=False, min_value=-1e300, max_value=1e300), max_size=20))
async def test_to_string_writes_a_float_as_java_does(
    memory: Memory, namespace: str, xs: list[float]
) -> None:
    xs = [x for x in xs if x == 0 or abs(x) > 1e-300]  # subnormals aside
    result = await memory.cypher(namespace, "UNWIND $xs AS x RETURN toString(x) AS s", {"xs": xs})
    assert [row[0] for row in result.rows] == [java_text(x) for x in xs]


async def test_to_string_of_special_floats(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "RETURN toString(1.0e10) AS a, toString(0.001) AS b, toString(1e7) AS c, "
        "toString(-0.0) AS d, toString(0.0 / 0.0) AS e, toString(-1 / 0.0) AS f, "
        "toString(42) AS g, toStringOrNull(2.5e-4) AS h",
    )
    assert result.rows == [["1.0E10", "0.001", "1.0E7", "-0.0", "NaN", "-Infinity", "42", "2.5E-4"]]
