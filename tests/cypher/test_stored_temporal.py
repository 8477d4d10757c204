"""Components of temporal values read from the graph (``n.born.year``): the rewrite
as text, and its answers on AGE."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherError


def test_a_component_of_a_property_reads_a_stored_string_as_temporal() -> None:
    planned = plan("MATCH (n) RETURN n.born.year AS y")
    assert planned.text == (
        "MATCH (n) RETURN (CASE WHEN kgmem_cypher.compare3(n.born, '>=', '') "
        "THEN kgmem_cypher.part(n.born, 'year') ELSE n.born.year END) AS y"
    )
    assert "stored_components" in planned.rewrites


def test_keyword_keys_in_the_chain_stay_in_backticks() -> None:
    text = plan("MATCH (n) RETURN n.end.days AS d").text
    assert "kgmem_cypher.part(n.`end`, 'days')" in text
    assert "ELSE n.`end`.days END" in text


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) RETURN n.born AS b",
        "MATCH (n) RETURN n.meta.city AS c",
        "MATCH (n) RETURN n.born.Year AS c",
        "MATCH (m:Movie) WHERE m.year > 2000 RETURN m.year AS y",
        "MATCH (a)-[r]->(b) RETURN r.days, b.month",
        "MATCH p = (a)-->(b) WITH p, a RETURN a.year",
        "CREATE (n {year: 1}) RETURN n.year",
    ],
)
def test_other_property_reads_are_left_alone(query: str) -> None:
    assert "kgmem_cypher.part" not in plan(query, mode="write").text


def test_a_component_of_a_variable_no_pattern_binds_is_read_as_temporal() -> None:
    text = plan("MATCH (n) WITH n.born AS b RETURN b.year AS y").text
    assert text.endswith(
        "RETURN (CASE WHEN kgmem_cypher.compare3(b, '>=', '') "
        "THEN kgmem_cypher.part(b, 'year') ELSE b.year END) AS y"
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("MATCH (n:P) WITH n.born AS b RETURN b.year AS r", 1984),
        ("MATCH (n:P) WITH n.at AS t RETURN t.epochMillis AS r", 1437511232142),
        ("MATCH (n:P) UNWIND [n.took] AS d RETURN d.months AS r", 14),
        ("MATCH (n:P) WITH n AS m RETURN m.meta AS r", {"year": 7}),
        ("MATCH (n:P) WITH n.meta AS m RETURN m.year AS r", 7),
        ("MATCH (n:P) WITH n.missing AS x RETURN x.year AS r", None),
    ],
)
async def test_components_through_a_variable_answer_as_opencypher_says(
    memory: Memory, namespace: str, query: str, expected: Any
) -> None:
    await memory.cypher(namespace, _STORED, mode="write")
    assert (await memory.cypher(namespace, query)).rows == [[expected]]


_STORED = (
    "CREATE (:P {born: date('1984-10-21'), at: datetime('2015-07-21T21:40:32.142+01:00'), "
    "took: duration('P1Y2M10DT12H'), meta: {year: 7}})"
)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("n.born.year", 1984),
        ("n.born.month", 10),
        ("n.born.dayOfWeek", 7),
        ("n.at.epochMillis", 1437511232142),
        ("n.at.offsetMinutes", 60),
        ("n.took.months", 14),
        ("n.took.days", 10),
        ("n.meta.year", 7),
        ("n.missing.year", None),
    ],
)
async def test_stored_components_answer_as_opencypher_says(
    memory: Memory, namespace: str, expression: str, expected: Any
) -> None:
    await memory.cypher(namespace, _STORED, mode="write")
    result = await memory.cypher(namespace, f"MATCH (n:P) RETURN {expression} AS r")
    assert result.rows == [[expected]]


async def test_stored_components_filter_and_order(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "UNWIND ['1990-05-01', '1984-10-21', '2001-01-30'] AS s CREATE (:Q {born: date(s)})",
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "MATCH (n:Q) WHERE n.born.year > 1985 RETURN n.born.month AS m ORDER BY n.born.day",
    )
    assert result.rows == [[5], [1]]


async def test_a_component_of_a_string_that_is_not_temporal_is_an_error(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:R {name: 'Ann'})", mode="write")
    with pytest.raises(CypherError):
        await memory.cypher(namespace, "MATCH (n:R) RETURN n.name.year AS y")


async def test_stored_durations_add_when_the_query_marks_them(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace, "CREATE (:D {a: duration('P1D'), b: duration('PT2H')})", mode="write"
    )
    result = await memory.cypher(
        namespace, "MATCH (n:D) RETURN duration(n.a) + duration(n.b) AS s, n.a.days AS d"
    )
    assert result.rows == [["P1DT2H", 1]]


_DURATION_PARTS = [
    "years",
    "quarters",
    "months",
    "weeks",
    "days",
    "hours",
    "minutes",
    "seconds",
    "milliseconds",
    "microseconds",
    "nanoseconds",
    "quartersOfYear",
    "monthsOfQuarter",
    "monthsOfYear",
    "daysOfWeek",
    "minutesOfHour",
    "secondsOfMinute",
    "millisecondsOfSecond",
    "microsecondsOfSecond",
    "nanosecondsOfSecond",
]
_INSTANT_PARTS = [
    "year",
    "quarter",
    "month",
    "week",
    "weekYear",
    "day",
    "ordinalDay",
    "dayOfWeek",
    "dayOfQuarter",
    "hour",
    "minute",
    "second",
    "millisecond",
    "microsecond",
    "nanosecond",
    "offsetMinutes",
    "epochSeconds",
    "epochMillis",
]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    months=st.integers(0, 40),
    days=st.integers(0, 40),
    seconds=st.integers(0, 200_000),
    nanos=st.integers(0, 999_999_999),
)
async def test_every_component_of_a_stored_value_is_the_constants(
    memory: Memory, namespace: str, months: int, days: int, seconds: int, nanos: int
) -> None:
    duration = (
        f"duration({{months: {months}, days: {days}, seconds: {seconds}, nanoseconds: {nanos}}})"
    )
    instant = (
        f"datetime({{year: 1984, month: {months % 12 + 1}, day: {days % 28 + 1}, "
        f"second: {seconds % 60}, nanosecond: {nanos}, timezone: '+01:00'}})"
    )
    await memory.cypher(namespace, "MATCH (n) DETACH DELETE n", mode="write")
    await memory.cypher(namespace, f"CREATE (:S {{d: {duration}, t: {instant}}})", mode="write")
    for value, parts in ((duration, _DURATION_PARTS), (instant, _INSTANT_PARTS)):
        items = ", ".join(f"v.{p} AS {p}" for p in parts)
        key = "d" if value is duration else "t"
        folded = await memory.cypher(namespace, f"WITH {value} AS v RETURN {items}")
        stored = await memory.cypher(namespace, f"MATCH (n:S) WITH n.{key} AS v RETURN {items}")
        assert stored.rows == folded.rows, parts
