"""MERGE ... ON CREATE / ON MATCH and temporal values through the official neo4j driver."""

import pytest
from neo4j.exceptions import ClientError

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
    assert rows == [[("2025-02-28", None)], [("2025-02-28", 1)], [("2025-02-28", 2)]]
    assert count is not None and count["n"] == 1


async def test_temporal_functions_and_components_through_the_driver(bolt: Bolt) -> None:
    query = (
        "WITH datetime('2015-07-21T21:40:32.142+01:00[Europe/London]') AS t "
        "RETURN t AS t, t.timezone AS zone, t.offset AS offset, "
        "datetime.truncate('day', t) AS day, duration.inSeconds(t, t + duration('PT2M')) AS d"
    )
    async with bolt.driver() as driver:
        records, _, _ = await driver.execute_query(query, database_="alpha")
    assert records[0].data() == {
        "t": "2015-07-21T21:40:32.142+01:00[Europe/London]",
        "zone": "Europe/London",
        "offset": "+01:00",
        "day": "2015-07-21T00:00+01:00[Europe/London]",
        "d": "PT2M",
    }


@pytest.mark.parametrize(
    "query",
    ["RETURN date('2015-02-30') AS d", "RETURN localtime($t) AS t", "RETURN duration('PT') AS d"],
)
async def test_malformed_temporal_input_is_a_client_error(bolt: Bolt, query: str) -> None:
    async with bolt.driver() as driver:
        with pytest.raises(ClientError) as caught:
            await driver.execute_query(query, t="10:00", database_="alpha")
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
        with pytest.raises(ClientError) as caught:
            await (await session.run("MATCH (n:Item) SET n:Other")).consume()
    assert record is not None and (record["total"], record["items"]) == (4, 4)
    assert "one label per node" in (caught.value.message or "")
