"""Times and datetimes sorted by their instant: the rewrite as text, then the order on
AGE of stored and computed values against the instants Python computes."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from tests.cypher.rules import applied, left_alone


@pytest.mark.parametrize(
    ("query", "sent"),
    [
        ("UNWIND [1] AS t RETURN t ORDER BY t DESC",
         "UNWIND [1] AS t RETURN t ORDER BY kgmem_cypher.sort_key(t) DESC"),
        ("MATCH (n) RETURN n ORDER BY n.at, n.`b`.c ASC SKIP 1",
         "MATCH (n) RETURN n ORDER BY kgmem_cypher.sort_key(n.at), "
         "kgmem_cypher.sort_key(n.`b`.c) ASC SKIP 1"),
        ("MATCH (n) WITH n ORDER BY n.at LIMIT 2 RETURN n.x * 2 AS y ORDER BY y * 1",
         "MATCH (n) WITH n ORDER BY kgmem_cypher.sort_key(n.at) LIMIT 2 "
         "WITH n.x * 2 AS y RETURN y ORDER BY y * 1"),  # projected_order
    ],
)  # fmt: skip
def test_variables_and_properties_sort_by_kgmems_key(query: str, sent: str) -> None:
    assert applied("temporal_order", query).text == sent


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) RETURN n.x ORDER BY n.x + 1, count(*) DESC",
        "MATCH (n) RETURN DISTINCT n.name ORDER BY n.name",  # an item without a name
        "RETURN 1 AS x ORDER BY true, null",
        "MATCH (n) RETURN n",
    ],
)
def test_other_sort_keys_are_left_alone(query: str) -> None:
    assert left_alone("temporal_order", query)


def test_an_alias_stays_alone_when_the_sort_reads_past_the_projection() -> None:
    """AGE reads an alias in ORDER BY only alone, and ``m.id`` keeps the projection
    from being made first."""
    planned = applied("temporal_order", "MATCH (n)-->(m) WITH n.t AS t ORDER BY t, m.id RETURN t")
    assert "ORDER BY t, kgmem_cypher.sort_key(m.id)" in planned.text


async def test_times_sort_by_their_instant(memory: Memory, namespace: str) -> None:
    """openCypher's own example: 12:35:15+05:00 is 07:35 UTC, first; 10:35-08:00 last."""
    await memory.cypher(
        namespace,
        "CREATE (:T {at: time({hour: 10, minute: 35, timezone: '-08:00'})}), "
        "(:T {at: time({hour: 12, minute: 31, second: 14, nanosecond: 645876123, "
        "timezone: '+01:00'})}), "
        "(:T {at: time({hour: 12, minute: 31, second: 14, nanosecond: 645876124, "
        "timezone: '+01:00'})}), "
        "(:T {at: time({hour: 12, minute: 35, second: 15, timezone: '+05:00'})}), "
        "(:T {at: time({hour: 12, minute: 30, second: 14, nanosecond: 645876123, "
        "timezone: '+01:01'})})",
        mode="write",
    )
    expected = [
        "12:35:15+05:00", "12:30:14.645876123+01:01", "12:31:14.645876123+01:00",
        "12:31:14.645876124+01:00", "10:35-08:00",
    ]  # fmt: skip
    stored = await memory.cypher(namespace, "MATCH (n:T) WITH n.at AS t RETURN t ORDER BY t")
    assert [r[0] for r in stored.rows] == expected
    down = await memory.cypher(namespace, "MATCH (n:T) RETURN n.at ORDER BY n.at DESC LIMIT 2")
    assert [r[0] for r in down.rows] == expected[::-1][:2]
    distinct = await memory.cypher(
        namespace, "MATCH (n:T) RETURN DISTINCT n.at AS t ORDER BY t LIMIT 2"
    )
    assert [r[0] for r in distinct.rows] == expected[:2]


async def test_temporal_values_sort_before_other_strings(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND ['b', datetime('2020-01-01T10:00+05:00'), 3, "
        "datetime('2020-01-01T04:00[Europe/London]'), '12:30:14Z', null, '12:30:14.5Z', "
        "'a'] AS v RETURN v ORDER BY v",
    )
    assert [r[0] for r in result.rows] == [
        "2020-01-01T04:00Z[Europe/London]", "2020-01-01T10:00+05:00", "12:30:14Z",
        "12:30:14.5Z", "a", "b", 3, None,
    ]  # fmt: skip


_OFFSETS = st.integers(-18 * 60, 18 * 60).map(lambda m: dt.timedelta(minutes=m))
_TIMES = st.tuples(
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.integers(0, 999_999_999),
    _OFFSETS,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(_TIMES, min_size=2, max_size=6), kind=st.sampled_from(["datetime", "time"]))
async def test_any_stored_values_sort_as_their_instants(
    memory: Memory, namespace: str, values: list[tuple[dt.datetime, int, dt.timedelta]], kind: str
) -> None:
    """Stored times or datetimes at any offsets and nanoseconds come back in the order of
    (instant, local value) Python computes for them."""
    await memory.cypher(namespace, "MATCH (n:H) DELETE n", mode="write")
    maps = []
    for local, nanos, offset in values:
        minutes = int(offset.total_seconds() // 60)
        zone = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        fields = {"hour": local.hour, "minute": local.minute, "second": local.second,
                  "nanosecond": nanos, "timezone": zone}  # fmt: skip
        if kind == "datetime":
            fields |= {"year": local.year, "month": local.month, "day": local.day}
        maps.append(fields)
    await memory.cypher(
        namespace, f"UNWIND $maps AS m CREATE (:H {{at: {kind}(m), i: m.i}})", {"maps": maps},
        mode="write",
    )  # fmt: skip
    result = await memory.cypher(namespace, "MATCH (n:H) RETURN n.at ORDER BY n.at")

    def key(item: tuple[dt.datetime, int, dt.timedelta]) -> tuple[int, int, int]:
        local, nanos, offset = item
        base = (
            local.replace(microsecond=0)
            if kind == "datetime"
            else dt.datetime(2000, 1, 1, local.hour, local.minute, local.second)
        )
        seconds = int((base - dt.datetime(1, 1, 1)).total_seconds())
        return seconds - int(offset.total_seconds()), nanos, seconds

    assert len(result.rows) == len(values)
    got = [r[0] for r in result.rows]
    order = sorted(range(len(values)), key=lambda i: key(values[i]))
    texts = await memory.cypher(
        namespace, f"UNWIND $maps AS m RETURN toString({kind}(m)) AS s", {"maps": maps}
    )
    assert got == [texts.rows[i][0] for i in order]


@pytest.mark.parametrize(
    ("query", "sent"),
    [
        ("MATCH (a), (b) WITH a, b WHERE a.t >= b.t RETURN a",
         "MATCH (a), (b) WITH a, b WHERE kgmem_cypher.compare3(a.t, '>=', b.t) RETURN a"),
        ("UNWIND [1] AS v RETURN [x IN [2] WHERE x < v] AS l",
         "UNWIND [1] AS v RETURN [x IN [2] WHERE kgmem_cypher.compare3([x][0], '<', v)] AS l"),
    ],
)  # fmt: skip
def test_orderings_left_to_age_become_compare3(query: str, sent: str) -> None:
    assert applied("temporal_orderings", query).text == sent


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) WHERE n.x > 3 AND n.y <= $p RETURN n",  # an index may serve these
        "MATCH (a), (b) WHERE a.x + 1 < b.x RETURN a",  # not an operand alone
        "MATCH (a), (b) RETURN a.t < b.t AS c",  # compare3's, which compares keys
        "MATCH (a), (b) WHERE a.t < b.t RETURN a",  # a MATCH's filter: an index may serve it
    ],
)
def test_other_orderings_are_left_alone(query: str) -> None:
    assert left_alone("temporal_orderings", query, {"p": 1})


async def test_a_sort_agrees_with_less_than(memory: Memory, namespace: str) -> None:
    """openCypher: sorting is consistent with ``<`` where ``<`` is defined."""
    result = await memory.cypher(
        namespace,
        "WITH [time('10:35-08:00'), time('12:35:15+05:00'), time('12:30:14.5+01:01'), "
        "time('12:30:14Z')] AS values UNWIND values AS value "
        "WITH size([x IN values WHERE x < value]) AS below, value ORDER BY value "
        "RETURN collect(below) AS counts",
    )
    assert result.rows[0][0] == [0, 1, 2, 3]


async def test_stored_temporal_comparisons_answer_as_constants_do(
    memory: Memory, namespace: str
) -> None:
    """Durations have no order, values of two temporal types neither: the same answers
    from stored values as from constants; datetimes in lists are equal when they name
    one instant."""
    values = (
        "{d1: duration('P1D'), d2: duration('PT25H'), t1: time('12:00+01:00'), "
        "t2: time('11:00Z'), x: date('2020-01-01'), y: localdatetime('2020-01-01T00:00'), "
        "dt1: datetime('2020-01-01T12:00+01:00'), dt2: datetime('2020-01-01T11:00Z')}"
    )
    items = (
        "v.d1 < v.d2 AS a, v.d1 = v.d2 AS b, v.t1 = v.t2 AS c, v.x < v.y AS d, "
        "v.t1 > v.t2 AS f, v.dt1 >= v.dt2 AS g, v.t1 < v.x AS h"
    )
    await memory.cypher(namespace, f"CREATE (:A {values})", mode="write")
    stored = await memory.cypher(namespace, f"MATCH (v:A) RETURN {items}")
    constants = await memory.cypher(namespace, f"WITH {values} AS v RETURN {items}")
    assert stored.rows == constants.rows
    assert stored.rows[0][:4] == [None, False, False, None]
    kept = await memory.cypher(
        namespace, "MATCH (v:A) WITH v WHERE v.d1 < v.d2 RETURN count(*) AS c"
    )
    assert kept.rows == [[0]]  # null drops the row
    listed = await memory.cypher(namespace, "MATCH (v:A) RETURN [v.dt1] = [v.dt2] AS same")
    assert listed.rows == [[True]]  # one instant


async def test_a_match_filter_compares_instants_through_datetime(
    memory: Memory, namespace: str
) -> None:
    """The way docs/cypher.md gives to compare stored instants in a MATCH's own WHERE."""
    await memory.cypher(
        namespace,
        "CREATE (:E {n: 'a', at: datetime('2020-01-01T12:00+05:00')}), "
        "(:E {n: 'b', at: datetime('2020-01-01T10:00Z')})",
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "MATCH (x:E), (y:E) WHERE datetime(x.at) < datetime(y.at) "
        "RETURN x.n AS earlier, y.n AS later",
    )
    assert result.rows == [["a", "b"]]  # 07:00 UTC before 10:00 UTC


def test_min_and_max_of_a_property_take_the_extreme_key() -> None:
    planned = applied(
        "temporal_extremes",
        "MATCH (n) RETURN max(n.at) AS m, min(DISTINCT t) AS d, max(n.x + 1) AS e",
    )
    assert planned.text == (
        "MATCH (n) RETURN kgmem_cypher.unkey(max(kgmem_cypher.sort_key(n.at))) AS m, "
        "kgmem_cypher.unkey(min(DISTINCT kgmem_cypher.sort_key(t))) AS d, max(n.x + 1) AS e"
    )


async def test_min_and_max_agree_with_the_sort(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:T {k: 1, at: time('10:35-08:00')}), (:T {k: 1, at: time('12:35:15+05:00')}), "
        "(:T {k: 2, at: datetime('2020-01-01T10:00+05:00')}), "
        "(:T {k: 2, at: datetime('2020-01-01T06:00Z')}), (:T {k: 3, at: 7}), (:T {k: 3, at: 2.5})",
        mode="write",
    )
    result = await memory.cypher(
        namespace, "MATCH (n:T) RETURN n.k AS k, min(n.at) AS first, max(n.at) AS last ORDER BY k"
    )
    assert result.rows == [
        [1, "12:35:15+05:00", "10:35-08:00"],  # 07:35 and 18:35 UTC
        [2, "2020-01-01T10:00+05:00", "2020-01-01T06:00Z"],
        [3, 2.5, 7],
    ]
    for k, first, last in result.rows:
        ordered = await memory.cypher(
            namespace, "MATCH (n:T {k: $k}) RETURN n.at ORDER BY n.at", {"k": k}
        )
        assert [ordered.rows[0][0], ordered.rows[-1][0]] == [first, last]
