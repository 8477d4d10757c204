"""Temporal values written as temporal come back as the driver's temporal types:
written by Cypher's temporal functions or sent by the driver as parameters, read back
as properties, in nodes and in lists."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytz
from neo4j.time import Date, DateTime, Duration, Time

from tests.fixtures.bolt import Bolt

WRITTEN = """
CREATE (:E {d: date('2024-02-29'), dt: datetime('2024-02-29T13:05:07.5+01:00'),
            zoned: datetime('2024-07-01T09:00[Europe/Stockholm]'),
            ldt: localdatetime('2024-02-29T13:05'), t: time('13:05+01:00'),
            du: duration('P1Y2M3DT5S'), many: [date('2024-01-01'), date('2024-01-02')],
            text: 'not a date', clock: '12:30'})
"""


async def test_values_written_by_temporal_functions_come_back_temporal(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        await (await session.run(WRITTEN)).consume()
        record = await (
            await session.run("MATCH (e:E) RETURN e, e.d AS d, e.many AS many")
        ).single()
    assert record is not None
    props = record["e"]
    assert props["d"] == Date(2024, 2, 29) and record["d"] == Date(2024, 2, 29)
    assert record["many"] == [Date(2024, 1, 1), Date(2024, 1, 2)]
    plus_one = dt.timezone(dt.timedelta(hours=1))
    assert props["dt"] == DateTime(2024, 2, 29, 13, 5, 7, 500_000_000, tzinfo=plus_one)
    assert isinstance(props["zoned"], DateTime)
    assert props["zoned"].tzinfo is not None and props["zoned"].utcoffset() == dt.timedelta(hours=2)
    assert props["zoned"].to_native() == dt.datetime(
        2024, 7, 1, 9, tzinfo=ZoneInfo("Europe/Stockholm")
    )
    assert props["ldt"] == DateTime(2024, 2, 29, 13, 5) and props["ldt"].tzinfo is None
    assert props["t"].iso_format() == "13:05:00.000000000+01:00"  # Time's == needs pytz
    assert props["du"] == Duration(years=1, months=2, days=3, seconds=5)
    assert (props["text"], props["clock"]) == ("not a date", "12:30")


async def test_driver_temporal_parameters_come_back_as_they_went(bolt: Bolt) -> None:
    sent = {
        "d": Date(2024, 2, 29),
        "dt": DateTime(2024, 2, 29, 13, 5, 7, 123456789, tzinfo=dt.UTC),
        "ldt": DateTime(2024, 2, 29, 13, 5, 7),
        "t": Time(13, 5, 7, tzinfo=pytz.FixedOffset(-300)),
        "du": Duration(months=14, days=3, seconds=5, nanoseconds=7),
        "native": dt.datetime(2024, 2, 29, 13, 5, tzinfo=dt.UTC),
    }
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        await (await session.run("CREATE (x:X) SET x = $sent", sent=sent)).consume()
        stored = await (await session.run("MATCH (x:X) RETURN x")).single()
        echoed = await (
            await session.run("RETURN $d AS d, $dt AS dt", d=sent["d"], dt=sent["dt"])
        ).single()
    assert stored is not None and echoed is not None
    props = dict(stored["x"])
    assert props["d"] == sent["d"] and props["dt"] == sent["dt"] and props["ldt"] == sent["ldt"]
    assert props["t"].iso_format() == sent["t"].iso_format() and props["du"] == sent["du"]
    assert props["native"].to_native() == sent["native"]
    assert (echoed["d"], echoed["dt"]) == (sent["d"], sent["dt"])


async def test_rest_reads_the_same_values_as_iso_text(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        await (await session.run(WRITTEN)).consume()
    rest = await bolt.memory.cypher("alpha", "MATCH (e:E) RETURN e.d AS d, e.du AS du")
    assert rest.rows == [["2024-02-29", "P1Y2M3DT5S"]]


async def test_text_a_query_computes_stays_a_string(bolt: Bolt) -> None:
    """toString, substring, maps and lists the query builds hold strings, whatever their
    form (the schema queries of LangChain, LlamaIndex and neo4j-graphrag read them as
    strings); a property read back as it is stays temporal."""
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        await (
            await session.run(
                "CREATE (:Doc {created: '2024-05-01', at: datetime('2024-05-01T10:00Z')})"
            )
        ).consume()
        record = await (
            await session.run(
                "MATCH (n:Doc) WITH n, collect(DISTINCT substring(toString(n.created), 0, 52)) "
                "AS created RETURN toString(n.at) AS text, created, n {.*} AS props, "
                "{values: [toString(duration('P1D'))]} AS made, n.at AS at, $s AS echoed, "
                "n.at + duration('P1D') AS later",
                s="P1D",
            )
        ).single()
    assert record is not None
    assert record["text"] == "2024-05-01T10:00Z" and record["created"] == ["2024-05-01"]
    assert record["props"] == {"created": "2024-05-01", "at": "2024-05-01T10:00Z"}
    assert record["made"] == {"values": ["P1D"]}
    assert record["at"] == DateTime(2024, 5, 1, 10, 0, tzinfo=dt.UTC)
    assert record["echoed"] == Duration(days=1)  # a parameter returned as it is
    assert record["later"] == DateTime(2024, 5, 2, 10, 0, tzinfo=dt.UTC)  # temporal arithmetic


async def test_aggregates_and_sums_of_stored_temporal_values_come_back_temporal(
    bolt: Bolt,
) -> None:
    """``min``, ``max`` and ``coalesce`` give back stored values, and a sum of two of them
    is a temporal sum, not the two texts run together; a list the query builds keeps its
    text, as the libraries' schema queries read it."""
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        await (
            await session.run(
                "CREATE (:Trip {at: date('2020-01-01'), gap: duration('P1D'), name: 'a'}),"
                " (:Trip {at: date('2021-06-01'), gap: duration('P3D'), name: 'b'})"
            )
        ).consume()
        record = await (
            await session.run(
                "MATCH (t:Trip) RETURN min(t.at) AS first, max(t.gap) AS longest,"
                " min(t.at) + max(t.gap) AS after, max(t.at) - min(t.gap) AS before,"
                " collect(DISTINCT t.at) AS dates, head(collect(t.gap)) AS one,"
                " coalesce(max(t.missing), max(t.at)) AS either, max(t.name) AS name,"
                " toString(max(t.at)) AS text"
            )
        ).single()
        summed = await (
            await session.run(
                "MATCH (t:Trip) WITH min(t.at) AS m, max(t.gap) AS g RETURN m + g AS after"
            )
        ).single()
    assert record is not None and summed is not None
    assert (record["first"], record["longest"]) == (Date(2020, 1, 1), Duration(days=3))
    assert record["after"] == summed["after"] == Date(2020, 1, 4)
    assert record["before"] == Date(2021, 5, 31)
    assert sorted(record["dates"]) == ["2020-01-01", "2021-06-01"]  # a list the query builds
    assert record["one"] in ("P1D", "P3D")
    assert record["either"] == Date(2021, 6, 1)
    assert (record["name"], record["text"]) == ("b", "2021-06-01")
    rest = await bolt.memory.cypher("alpha", "MATCH (t:Trip) RETURN min(t.at) + max(t.gap) AS a")
    assert rest.rows == [["2020-01-04"]]
