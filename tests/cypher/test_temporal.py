"""Temporal values: constant temporal expressions folded into literals while planning,
checked as text (no database) and with Hypothesis for invariants."""

import contextlib
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem.cypher import plan
from kgmem.cypher import temporal as t
from kgmem.cypher import temporal_build as build
from kgmem.cypher import temporal_math as tm
from kgmem.errors import CypherError, CypherRejected, CypherSemanticError, LimitExceeded


def returned(expression: str) -> str:
    """The literal AGE receives for ``RETURN <expression> AS v``."""
    text = plan(f"RETURN {expression} AS v").text
    assert text.startswith("RETURN ") and text.endswith(" AS v"), text
    return text[len("RETURN ") : -len(" AS v")]


@pytest.mark.parametrize(
    ("expression", "literal"),
    [
        ("date('2015-07-21')", "'2015-07-21'"),
        ("date({year: 2015, week: 30, dayOfWeek: 2})", "'2015-07-21'"),
        ("date({year: 2015, ordinalDay: 202})", "'2015-07-21'"),
        ("date({year: 2015, quarter: 3, dayOfQuarter: 21})", "'2015-07-21'"),
        ("localtime('214032.5')", "'21:40:32.500'"),
        ("time({hour: 9, minute: 5, nanosecond: 7, timezone: '-03:30'})",
         "'09:05:00.000000007-03:30'"),
        ("localdatetime('2015-W30-2T21:40')", "'2015-07-21T21:40'"),
        ("datetime('2015-07-21T21:40:32.142+0100')", "'2015-07-21T21:40:32.142+01:00'"),
        ("datetime({year: 2015, month: 1, day: 1, timezone: 'Europe/Paris'})",
         "'2015-01-01T00:00+01:00[Europe/Paris]'"),
        ("datetime({year: 2015, month: 7, day: 1, timezone: 'Europe/Paris'})",
         "'2015-07-01T00:00+02:00[Europe/Paris]'"),
        ("datetime({epochMillis: 0})", "'1970-01-01T00:00Z'"),
        ("duration('P1Y2M3DT4H5M6.5S')", "'P1Y2M3DT4H5M6.5S'"),
        ("duration({weeks: 1.5})", "'P10DT12H'"),
        ("duration({minutes: 1, seconds: -61})", "'PT-1S'"),
    ],
)  # fmt: skip
def test_constructors_give_iso_strings(expression: str, literal: str) -> None:
    assert returned(expression) == literal


@pytest.mark.parametrize(
    ("expression", "literal"),
    [
        ("date('2020-01-31') + duration({months: 1})", "'2020-02-29'"),
        ("date('2020-03-01') - duration('P1D')", "'2020-02-29'"),
        ("localtime('23:30') + duration({hours: 1})", "'00:30'"),
        ("datetime('2021-03-28T01:30[Europe/Berlin]') + duration({hours: 1})",
         "'2021-03-28T03:30+02:00[Europe/Berlin]'"),
        ("duration({days: 1}) * 1.5", "'P1DT12H'"),
        ("duration.between(date('2015-01-31'), date('2015-03-01'))", "'P1M1D'"),
        ("duration.inDays(date('2015-01-01'), date('2016-01-01'))", "'P365D'"),
        ("duration.inSeconds(localtime('10:00'), localtime('09:59:59.5'))", "'PT-0.5S'"),
        ("date.truncate('month', date('2015-07-21'))", "'2015-07-01'"),
        ("datetime.truncate('week', datetime('2015-07-21T10:00+05:00'), {hour: 2})",
         "'2015-07-20T02:00+05:00'"),
        ("date('2015-07-21').week", "30"),
        ("datetime('2015-07-21T21:40+01:00[Europe/Stockholm]').timezone", "'Europe/Stockholm'"),
        ("duration('PT90M').minutes", "90"),
        ("date('2015-07-21') < date('2015-07-22')", "true"),
        ("datetime('2015-07-21T10:00+02:00') = datetime('2015-07-21T08:00Z')", "true"),
        ("date(null)", "null"),
        ("-duration('P1DT1S')", "'P-1DT-1S'"),
    ],
)  # fmt: skip
def test_arithmetic_components_truncation_and_comparison(expression: str, literal: str) -> None:
    assert returned(expression) == literal


def test_with_bound_temporal_constants_are_substituted_where_they_are_used() -> None:
    planned = plan(
        "WITH date('2015-07-21') AS d, 1 AS n "
        "RETURN d AS same, d.year AS y, d + duration({days: 1}) AS later, n"
    )
    assert planned.text.startswith("WITH '2015-07-21' AS d, 1 AS n RETURN d AS same, 2015 AS y")
    assert planned.text.endswith("'2015-07-22' AS later, n")
    assert planned.columns == ["same", "y", "later", "n"]


def test_a_temporal_constant_can_be_stored() -> None:
    planned = plan("CREATE (:E {at: datetime('2015-07-21T21:40Z')})", mode="write")
    assert planned.text == "CREATE (:E {at: '2015-07-21T21:40Z'})"


def test_map_keys_and_property_names_that_spell_temporal_functions_are_left_alone() -> None:
    query = "MATCH (n) RETURN n.date AS a, {date: 1} AS b, n.duration AS c"
    assert plan(query).text == query


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) RETURN date(n.born) * 2 AS d",
        "MATCH (n) RETURN datetime.fromepoch(n.s, 0) AS d",
        "RETURN date('2015-13-01') AS d",
        "RETURN date('yesterday') AS d",
        "RETURN datetime({year: 2015, timezone: 'Mars/Olympus'}) AS d",
        "RETURN duration('P1Q') AS d",
        "RETURN date({year: 'x'}) AS d",
        "RETURN date.truncate('fortnight', date('2015-07-21')) AS d",
        "RETURN time({hour: 25}) AS d",
    ],
)
def test_what_cannot_be_folded_is_a_clear_cypher_error(query: str) -> None:
    with pytest.raises(CypherError):
        plan(query, {"when": "2015-07-21"})


@pytest.mark.parametrize(
    ("query", "sent"),
    [
        ("MATCH (n) RETURN date(n.born) AS d",
         "MATCH (n) RETURN kgmem_cypher.construct('date', n.born) AS d"),
        ("RETURN date($when) AS d", "RETURN kgmem_cypher.construct('date', $when) AS d"),
        ("MATCH (n) WITH date('2015-07-21') AS d, n RETURN d + n.gap AS x",
         "MATCH (n) WITH '2015-07-21' AS d, n "
         "RETURN kgmem_cypher.plus('2015-07-21', n.gap, 1) AS x"),
        ("MATCH (n) WHERE n.at < datetime('2015-07-21T10:00Z') RETURN n",
         "MATCH (n) WHERE (kgmem_cypher.compare(n.at, '2015-07-21T10:00Z') < 0) RETURN n"),
        ("MATCH (n) WITH date(n.born) AS d RETURN d.year AS y ORDER BY d",
         "MATCH (n) WITH kgmem_cypher.construct('date', n.born) AS d "
         "RETURN kgmem_cypher.part(d, 'year') AS y ORDER BY kgmem_cypher.sort_key(d)"),
        ("MATCH (a), (b) RETURN duration.inDays(a.t, b.t) AS x",
         "MATCH (a), (b) RETURN kgmem_cypher.between(a.t, b.t, 'indays') AS x"),
        ("MATCH (a) RETURN date.truncate('month', a.t) - duration('P1D') AS x",
         "MATCH (a) RETURN kgmem_cypher.plus(kgmem_cypher.truncate('date', 'month', a.t), "
         "'P1D', -1) AS x"),
        ("MATCH (n) RETURN 'x' + toString(date(n.a)) AS s",
         "MATCH (n) RETURN 'x' + kgmem_cypher.to_string(kgmem_cypher.construct('date', n.a)) AS s"),
    ],
)  # fmt: skip
def test_temporal_expressions_over_graph_values_become_kgmem_sql_calls(
    query: str, sent: str
) -> None:
    assert plan(query, {"when": "2015-07-21"}).text == sent


def test_an_operand_bound_tighter_to_its_left_is_a_clear_error_not_a_hang() -> None:
    with pytest.raises(CypherSemanticError):
        plan("WITH date('2015-07-21') AS d MATCH (n) RETURN 2 * n.x - d AS v")
    planned = plan("WITH date('2015-07-21') AS d MATCH (n) RETURN (2 * n.x) - d AS v")
    assert planned.text.endswith("RETURN kgmem_cypher.plus((2 * n.x), '2015-07-21', -1) AS v")


def test_analysts_cannot_call_kgmem_sql_functions_even_beside_a_temporal_call() -> None:
    for query in (
        "RETURN kgmem_cypher.construct('date', '2015-01-01') AS a",
        "RETURN kgmem_cypher.construct('date', '2015-01-01') AS a, date('2015-01-01') AS b",
        "MATCH (n) RETURN KGMEM_CYPHER.part(n.x, 'year') AS a, date(n.x) AS b",
    ):
        with pytest.raises(CypherRejected):
            plan(query)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_as_a_temporal_argument_folds_or_is_a_cypher_error(text: str) -> None:
    quoted = "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    for function in ("date", "localtime", "time", "localdatetime", "datetime", "duration"):
        with contextlib.suppress(CypherError):
            plan(f"RETURN {function}({quoted}) AS v")


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    st.integers(min_value=0, max_value=999_999_999),
    st.integers(min_value=-18 * 60, max_value=18 * 60),
)
def test_datetime_text_reads_back_as_the_same_value(
    moment: dt.datetime, nanos: int, offset_minutes: int
) -> None:
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    value = t.DateTime(moment.date(), seconds * t.NS + nanos, offset_minutes * 60)
    assert build.parse("datetime", t.to_string(value)) == value


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=-10_000, max_value=10_000),
    st.integers(min_value=-10_000, max_value=10_000),
    st.integers(min_value=-(10**15), max_value=10**15),
)
def test_duration_text_reads_back_as_the_same_value(months: int, days: int, ns: int) -> None:
    value = t.Duration(months, days, ns)
    assert build.parse_duration(t.to_string(value)) == value


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=dt.date(100, 1, 1), max_value=dt.date(9900, 1, 1)),
    st.integers(min_value=-5000, max_value=5000),
)
def test_adding_then_subtracting_days_returns_the_date(day: dt.date, days: int) -> None:
    step = t.Duration(0, days, 0)
    assert tm.add(tm.add(t.Date(day), step), step, -1) == t.Date(day)
    between = tm.between(t.Date(day), tm.add(t.Date(day), step), "indays")
    assert between == t.Duration(0, days, 0)


def test_out_of_range_dates_are_reported_not_crashed() -> None:
    with pytest.raises(CypherSemanticError):
        returned("date('9999-12-31') + duration({days: 1})")


_SOUP = st.sampled_from(
    ["date(", "datetime.truncate(", "duration.between(", "duration(", "localtime(", ")", "(",
     "{", "}", "[", "]", ",", ":", ".", "year", "d", "n", "+", "-", "*", "/", "<", "=", "'x'",
     "'2015-07-21'", "'P1D'", "1", "2.5", "null", "$p", "WITH", "AS", "RETURN", "MATCH",
     "WHERE", "AND", "NOT", "CASE", "WHEN", "THEN", "END", "IN", "IS", "-1e400"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_SOUP, max_size=25))
def test_any_token_soup_around_temporal_calls_plans_or_is_a_cypher_error(words: list[str]) -> None:
    query = "WITH date('2015-07-21') AS d RETURN " + " ".join(words) + " AS v"
    with contextlib.suppress(CypherError):
        plan(query, {"p": 1})


def test_deep_nesting_inside_a_temporal_call_is_a_cypher_error() -> None:
    with pytest.raises((CypherError, LimitExceeded)):
        plan("RETURN date(" + "(" * 5000 + "1" + ")" * 5000 + ") AS v")


_STOCKHOLM_DAY = (
    "datetime({year: 2017, month: 10, day: 29, hour: %d, timezone: 'Europe/Stockholm'})"
)


@pytest.mark.parametrize(
    ("lhs", "rhs", "seconds"),
    [
        (_STOCKHOLM_DAY % 0, "localdatetime({year: 2017, month: 10, day: 29, hour: 4})", 5),
        (_STOCKHOLM_DAY % 0, "localtime({hour: 4})", 5),
        ("localdatetime({year: 2017, month: 10, day: 29})", _STOCKHOLM_DAY % 4, 5),
        ("localtime({hour: 0})", _STOCKHOLM_DAY % 4, 5),
        ("date({year: 2017, month: 10, day: 29})", _STOCKHOLM_DAY % 4, 5),
        (_STOCKHOLM_DAY % 0, "date({year: 2017, month: 10, day: 30})", 25),
        (_STOCKHOLM_DAY % 0, "localdatetime({year: 2017, month: 10, day: 28, hour: 23})", -1),
    ],
)
def test_a_local_value_is_read_in_the_other_values_zone_across_a_clock_change(
    lhs: str, rhs: str, seconds: int
) -> None:
    """Stockholm's clocks went back an hour at 03:00 on 2017-10-29: the hours between
    two readings of that day count the repeated hour, as Neo4j counts them."""
    planned = plan(f"RETURN duration.inSeconds({lhs}, {rhs}) AS d")  # folded while planning
    sign = "-" if seconds < 0 else ""
    assert planned.text == f"RETURN 'PT{sign}{abs(seconds)}H' AS d"
