"""MERGE ... ON CREATE / ON MATCH and temporal values through the official neo4j driver."""

import pytest
import pytz
from neo4j.exceptions import ClientError
from neo4j.time import Date, DateTime, Duration, Time

from tests.fixtures.bolt import Bolt

MERGE = (
    "MERGE (p:Person {name: $name}) "
    "ON CREATE SET p.since = date('2024-02-29') + duration('P1Y') "
    "ON MATCH SET p.seen = coalesce(p.seen, 0) + 1 "
    "RETURN p.since AS since, p.seen AS seen"
)


async def test_merge_actions_through_the_driver(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        rows = []
        for _ in range(3):
            result = await session.run(MERGE, name="Ann")
            rows.append([tuple(r.values()) async for r in result])
        count = await (await session.run("MATCH (p:Person) RETURN count(p) AS n")).single()
    since = Date(2025, 2, 28)  # stored as temporal: read back as the driver's Date
    assert rows == [[(since, None)], [(since, 1)], [(since, 2)]]
    assert count is not None and count["n"] == 1


async def test_temporal_functions_and_components_through_the_driver(bolt: Bolt) -> None:
    query = (
        "WITH datetime('2015-07-21T21:40:32.142+01:00[Europe/London]') AS t "
        "RETURN t AS t, t.timezone AS zone, t.offset AS offset, "
        "datetime.truncate('day', t) AS day, duration.inSeconds(t, t + duration('PT2M')) AS d"
    )
    async with bolt.driver() as driver:
        records, _, _ = await driver.execute_query(query, database_="alpha")
    got = records[0].data()
    london = pytz.timezone("Europe/London")
    assert got["t"] == london.localize(DateTime(2015, 7, 21, 21, 40, 32, 142_000_000))
    assert got["t"].tzinfo.zone == "Europe/London"
    assert (got["zone"], got["offset"]) == ("Europe/London", "+01:00")
    assert got["day"] == london.localize(DateTime(2015, 7, 21))
    assert got["d"] == Duration(minutes=2)


ROUND_TRIP = {
    "date": Date(2024, 2, 29),
    "local_time": Time(9, 5, 7, 123_456_000),
    "time": Time(9, 5, 7, tzinfo=pytz.FixedOffset(-210)),
    "local_datetime": DateTime(1999, 12, 31, 23, 59, 59, 500_000_000),
    "datetime": DateTime(2015, 7, 21, 21, 40, 32, tzinfo=pytz.FixedOffset(120)),
    "zoned": pytz.timezone("Europe/Stockholm").localize(DateTime(2015, 1, 5, 8, 0, 0)),
    "duration": Duration(years=1, months=2, days=3, hours=4, minutes=5, seconds=6),
}
TYPES = {
    "date": "date", "local_time": "localtime", "time": "time",
    "local_datetime": "localdatetime", "datetime": "datetime", "zoned": "datetime",
    "duration": "duration",
}  # fmt: skip


async def test_temporal_parameters_are_stored_and_come_back_as_driver_types(bolt: Bolt) -> None:
    """Each of the driver's temporal types, sent as a parameter, is stored as its ISO
    text and read back through the matching temporal function as the same value."""
    sets = ", ".join(f"v.{name} = ${name}" for name in ROUND_TRIP)
    back = ", ".join(f"{kind}(v.{name}) AS {name}" for name, kind in TYPES.items())
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        await (await session.run(f"CREATE (v:Values) SET {sets}", **ROUND_TRIP)).consume()
        record = await (await session.run(f"MATCH (v:Values) RETURN {back}")).single()
        stored = await (await session.run("MATCH (v:Values) RETURN v.zoned AS z")).single()
        later = await (
            await session.run(
                "MATCH (v:Values) RETURN date(v.date) + duration({days: 1}) AS next, "
                "v.date < date('2025-01-01') AS before"
            )
        ).single()
    assert record is not None and stored is not None and later is not None
    assert record.data() == ROUND_TRIP
    assert stored["z"] == ROUND_TRIP["zoned"]  # a stored property: the same value
    assert stored["z"].tzinfo.zone == "Europe/Stockholm"
    assert (later["next"], later["before"]) == (Date(2024, 3, 1), True)


@pytest.mark.parametrize(
    "query",
    ["RETURN date('2015-02-30') AS d", "RETURN localtime($t) AS t", "RETURN duration('PT') AS d"],
)
async def test_malformed_temporal_input_is_a_client_error(bolt: Bolt, query: str) -> None:
    async with bolt.driver() as driver:
        with pytest.raises(ClientError) as caught:
            await driver.execute_query(query, t="25:00", database_="alpha")
        assert caught.value.code.startswith("Neo.ClientError.Statement.")
        records, _, _ = await driver.execute_query("RETURN 1 AS one", database_="alpha")
    assert records[0]["one"] == 1


async def test_label_predicates_and_a_final_limit_through_the_driver(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        kept = await session.run(
            "UNWIND range(1, 4) AS i CREATE (n:Item {i: i}) RETURN n.i AS i LIMIT 1"
        )
        assert len([r async for r in kept]) == 1
        result = await session.run(
            "MATCH (n) RETURN count(n) AS total, sum(CASE WHEN n:Item THEN 1 ELSE 0 END) AS items"
        )
        record = await result.single()
        await (await session.run("MATCH (n:Item) WHERE n.i = 1 SET n:Other")).consume()
        moved = await (await session.run("MATCH (n:Other) RETURN labels(n) AS l")).single()
    assert record is not None and (record["total"], record["items"]) == (4, 4)
    assert moved is not None and sorted(moved["l"]) == ["Item", "Other"]
