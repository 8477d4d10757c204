"""Neo4j's functions over Bolt, where the shape of the answer matters: the current time
arrives as the driver's temporal types, a map projection's null entry as a null value,
a point as a map of its stored form, and a fresh UUID per row."""

import datetime as dt
import uuid

import neo4j.spatial
import neo4j.time

from tests.fixtures.bolt import Bolt


async def test_functions_answer_driver_shapes(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        now = await (
            await session.run(
                "RETURN datetime() AS dt, date() AS d, localdatetime() AS l, time() AS t, "
                "localtime() AS lt, timestamp() AS ts, datetime({timezone: 'Europe/Paris'}) AS p"
            )
        ).single()
        await session.run(
            "MERGE (s:Session {id: 's'}) ON CREATE SET s.createdAt = datetime() "
            "CREATE (s)-[:LAST_MESSAGE]->(m:Message) "
            "SET m += {role: 'human', content: 'hi', createdAt: datetime(), id: randomUUID()}"
        )
        stored = await (
            await session.run(
                "MATCH (s:Session)-->(m:Message) RETURN s.createdAt = m.createdAt AS same, "
                "m {.*, content: null} AS props, m.createdAt < datetime() AS before"
            )
        ).single()
        ids = await (await session.run("UNWIND range(1, 3) AS i RETURN randomUUID() AS u")).values()
        place = await (
            await session.run(
                "RETURN point({latitude: 55.6, longitude: 12.5}) AS p, "
                "point.distance(point({x: 0, y: 0}), point({x: 3, y: 4})) AS d"
            )
        ).single()
    assert now is not None and stored is not None and place is not None
    assert isinstance(now["dt"], neo4j.time.DateTime) and now["dt"].utcoffset() == dt.timedelta(0)
    assert isinstance(now["d"], neo4j.time.Date) and now["d"] == now["dt"].date()
    assert isinstance(now["l"], neo4j.time.DateTime) and now["l"].tzinfo is None
    assert isinstance(now["t"], neo4j.time.Time) and isinstance(now["lt"], neo4j.time.Time)
    assert now["ts"] == int(now["dt"].to_native().timestamp() * 1000)
    assert now["p"].to_native() == now["dt"].to_native()
    assert str(now["p"].tzinfo) == "Europe/Paris"
    assert stored["same"] is True and stored["before"] is True
    props = stored["props"]
    assert "content" in props and props["content"] is None and props["role"] == "human"
    assert uuid.UUID(props["id"]).version == 4
    assert len({row[0] for row in ids}) == 3
    assert isinstance(place["p"], neo4j.spatial.WGS84Point)
    assert (place["p"].latitude, place["p"].longitude, place["p"].srid) == (55.6, 12.5, 4326)
    assert place["d"] == 5.0


async def test_value_type_answers_neo4j_type_text(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        records, _, _ = await driver.execute_query(
            "UNWIND [1, 'a', [1, 'a'], [1, null], [], null, {k: $v}] AS v RETURN valueType(v) AS t",
            {"v": [1.5]},
            database_="alpha",
        )
    assert [r["t"] for r in records] == [
        "INTEGER NOT NULL",
        "STRING NOT NULL",
        "LIST<STRING NOT NULL | INTEGER NOT NULL> NOT NULL",
        "LIST<INTEGER> NOT NULL",
        "LIST<NOTHING> NOT NULL",
        "NULL",
        "MAP NOT NULL",
    ]
