"""Temporal functions over graph values and parameters, computed by the database
(kgmem's ``kgmem_cypher`` SQL functions), over REST on the real store: read queries run
on the namespace's read-only role, so these also show the functions pass its fence."""

import datetime as dt
import random

import httpx
import pytest

from kgmem.cypher import temporal as t
from kgmem.cypher import temporal_build as build
from kgmem.cypher import temporal_math as tm
from tests.server.test_cypher_api import cypher
from tests.server.test_entities_api import assert_problem

PEOPLE = (
    "CREATE (:Person {name: 'Ann', born: '1985-02-28', at: '2015-07-21T21:40:32.142+01:00', "
    "gap: 'P1M2D'}), "
    "(:Person {name: 'Bob', born: '1979-12-31', at: '2015-07-21T20:00Z', gap: 'PT36H'}), "
    "(:Person {name: 'Cid', born: date('2001-06-15'), "
    "at: datetime('2015-07-21T23:00[Europe/Stockholm]'), gap: duration({days: 10})})"
)


@pytest.fixture
async def people(client: httpx.AsyncClient, namespace: str) -> str:
    created = await cypher(client, namespace, PEOPLE, mode="write")
    assert created.status_code == 200, created.text
    return namespace


async def rows(
    client: httpx.AsyncClient, ns: str, query: str, **body: object
) -> list[list[object]]:
    response = await cypher(client, ns, query, **body)
    assert response.status_code == 200, response.text
    return list(response.json()["rows"])


async def test_functions_and_components_of_stored_values(
    client: httpx.AsyncClient, people: str
) -> None:
    got = await rows(
        client, people,
        "MATCH (p:Person) RETURN p.name, date(p.born).year AS y, date(p.born).dayOfWeek AS dow, "
        "datetime(p.at).offset AS off, date(datetime(p.at)) AS day ORDER BY p.name",
    )  # fmt: skip
    assert got == [
        ["Ann", 1985, 4, "+01:00", "2015-07-21"],
        ["Bob", 1979, 1, "Z", "2015-07-21"],
        ["Cid", 2001, 5, "+02:00", "2015-07-21"],
    ]


async def test_arithmetic_with_stored_durations_and_end_of_month(
    client: httpx.AsyncClient, people: str
) -> None:
    got = await rows(
        client, people,
        "MATCH (p:Person) WITH p, date(p.born) AS d "
        "RETURN p.name, d + duration(p.gap) AS later, d - duration('P1Y') AS earlier "
        "ORDER BY p.name",
    )  # fmt: skip
    assert got == [
        ["Ann", "1985-03-30", "1984-02-28"],
        ["Bob", "1980-01-01", "1978-12-31"],
        ["Cid", "2001-06-25", "2000-06-15"],
    ]


async def test_ordering_and_comparison_across_offsets(
    client: httpx.AsyncClient, people: str
) -> None:
    # 21:40+01:00 is 20:40Z, after Bob's 20:00Z; 23:00 in Stockholm (CEST) is 21:00Z
    got = await rows(
        client, people,
        "MATCH (p:Person) WHERE datetime(p.at) > datetime('2015-07-21T20:30Z') "
        "RETURN p.name ORDER BY p.name",
    )  # fmt: skip
    assert got == [["Ann"], ["Cid"]]
    older = await rows(
        client, people,
        "MATCH (p:Person) WHERE p.born < date('1990-01-01') RETURN p.name ORDER BY p.born",
    )  # fmt: skip
    assert older == [["Bob"], ["Ann"]]


async def test_between_and_truncate_on_graph_values(client: httpx.AsyncClient, people: str) -> None:
    got = await rows(
        client, people,
        "MATCH (a:Person {name: 'Bob'}), (b:Person {name: 'Ann'}) "
        "RETURN duration.between(date(a.born), date(b.born)) AS d, "
        "duration.inDays(a.born, b.born).days AS days, "
        "date.truncate('month', b.born) AS m, datetime.truncate('hour', b.at) AS h",
    )  # fmt: skip
    assert got == [["P5Y2M", 1886, "1985-02-01", "2015-07-21T21:00+01:00"]]


async def test_parameters_become_temporal_values(client: httpx.AsyncClient, people: str) -> None:
    got = await rows(
        client, people,
        "MATCH (p:Person) WHERE date(p.born) >= date($from) "
        "RETURN p.name, date({year: $year, month: 2, day: 29}) AS leap ORDER BY p.name",
        params={"from": "1980-01-01", "year": 2024},
    )  # fmt: skip
    assert got == [["Ann", "2024-02-29"], ["Cid", "2024-02-29"]]


async def test_stored_results_keep_their_iso_text(client: httpx.AsyncClient, people: str) -> None:
    await rows(
        client, people,
        "MATCH (p:Person {name: 'Ann'}) SET p.next = date(p.born) + duration('P1D') RETURN p",
        mode="write",
    )  # fmt: skip
    got = await rows(client, people, "MATCH (p:Person {name: 'Ann'}) RETURN p.next")
    assert got == [["1985-03-01"]]


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (p:Person) RETURN date(p.name) AS d",
        "MATCH (p:Person) RETURN date(p.born).hour AS h",
        "MATCH (p:Person) RETURN date(p.born) + date(p.born) AS x",
        "RETURN duration.between(duration($x), date('2015-01-01')) AS d",
    ],
)
async def test_bad_graph_values_are_a_clear_4xx(
    client: httpx.AsyncClient, people: str, query: str
) -> None:
    response = await cypher(client, people, query, params={"x": "P1D"})
    assert_problem(response, 422, "cypher_type_error")
    still_up = await rows(client, people, "MATCH (p:Person) RETURN count(p)")
    assert still_up == [[3]]


async def test_analysts_cannot_call_the_sql_functions_themselves(
    client: httpx.AsyncClient, people: str
) -> None:
    response = await cypher(
        client, people,
        "RETURN kgmem_cypher.construct('date', '2015-01-01') AS a, date('2015-01-01') AS b",
    )  # fmt: skip
    assert_problem(response, 422, "cypher_rejected")


def _cases(count: int) -> list[dict[str, str]]:
    """Random dates, date-times with offsets and durations as kgmem's ISO text."""
    draw = random.Random(26)
    cases = []
    for _ in range(count):
        day = dt.date(1900, 1, 1) + dt.timedelta(days=draw.randrange(0, 200 * 365))
        other = day + dt.timedelta(days=draw.randrange(-4000, 4000))
        ns = draw.randrange(0, t.DAY_NS // t.NS) * t.NS + draw.randrange(0, 1000) * 1000
        offset = draw.randrange(-14 * 4, 14 * 4) * 900
        micros = draw.randrange(-(10**11), 10**11)
        gap = t.Duration(draw.randrange(-30, 30), draw.randrange(-60, 60), micros * 1000)
        cases.append({
            "a": t.to_string(t.Date(day)), "b": t.to_string(t.Date(other)),
            "at": t.to_string(t.DateTime(day, ns, offset)),
            "bt": t.to_string(t.DateTime(other, ns, -offset)),
            "gap": t.to_string(gap),
        })  # fmt: skip
    return cases


async def test_database_functions_agree_with_the_planner_on_random_values(
    client: httpx.AsyncClient, namespace: str
) -> None:
    """The SQL functions give what kgmem's own evaluation of the same constant
    expression gives (``kgmem.cypher.temporal_math``), for 300 random values."""
    cases = _cases(300)
    got = await rows(
        client, namespace,
        "UNWIND $cases AS c RETURN date(c.a) + duration(c.gap) AS moved, "
        "datetime(c.at) < datetime(c.bt) AS before, duration.between(date(c.a), date(c.b)) AS d, "
        "datetime(c.at).epochSeconds AS epoch, date(c.a).week AS week",
        params={"cases": cases},
    )  # fmt: skip
    for case, row in zip(cases, got, strict=True):
        a, b = build.parse("date", case["a"]), build.parse("date", case["b"])
        at, bt = build.parse("datetime", case["at"]), build.parse("datetime", case["bt"])
        expected = [
            t.to_string(tm.add(a, build.parse_duration(case["gap"]))),
            t.compare_key(at) < t.compare_key(bt),
            t.to_string(tm.between(a, b)),
            tm.component(at, "epochSeconds"),
            tm.component(a, "week"),
        ]
        assert row == expected, case
