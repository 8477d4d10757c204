"""The procedures graph tools call when they connect, answered by kgmem over Bolt."""

import neo4j
import pytest
from neo4j.exceptions import ClientError

from tests.fixtures.bolt import Bolt
from tests.server.test_cypher_procedures import BROWSER


@pytest.fixture
async def filled(bolt: Bolt) -> Bolt:
    await bolt.memory.cypher(
        "alpha",
        "CREATE (:Person {name: 'Ann', age: 3})-[:KNOWS {since: 1}]->(:City {name: 'Oslo'})",
        mode="write",
    )
    return bolt


async def _column(driver: neo4j.AsyncDriver, query: str, db: str = "alpha") -> list[object]:
    records, _, _ = await driver.execute_query(query, database_=db)
    return [r[0] for r in records]


async def test_labels_types_and_property_keys(filled: Bolt) -> None:
    async with filled.driver() as driver:
        assert await _column(driver, "CALL db.labels()") == ["City", "Person"]
        assert await _column(driver, "CALL db.relationshipTypes()") == ["KNOWS"]
        assert await _column(driver, "CALL db.propertyKeys() YIELD propertyKey") == [
            "age", "name", "since"
        ]  # fmt: skip


async def test_schema_visualization_is_a_graph_of_labels(filled: Bolt) -> None:
    async with filled.driver() as driver:
        records, _, _ = await driver.execute_query(
            "CALL db.schema.visualization()", database_="alpha"
        )
    nodes, rels = records[0]["nodes"], records[0]["relationships"]
    assert sorted(n["name"] for n in nodes) == ["City", "Person"]
    assert [(r.start_node["name"], r.type, r.end_node["name"]) for r in rels] == [
        ("Person", "KNOWS", "City")
    ]


async def test_components_and_databases_the_key_may_see(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        records, _, _ = await driver.execute_query("CALL dbms.components()", database_="system")
        names = await _column(driver, "SHOW DATABASES", "system")
    assert records[0]["name"] == "Neo4j Kernel" and records[1]["name"] == "kgmem"
    assert {"alpha", "beta", "default"} <= set(names)
    async with bolt.driver(bolt.alpha_only) as driver:
        assert await _column(driver, "SHOW DATABASES", "system") == ["alpha"]
        with pytest.raises(ClientError):
            await driver.execute_query("CALL db.labels()", database_="beta")


async def test_other_procedures_are_refused_clearly(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        with pytest.raises(ClientError) as caught:
            await driver.execute_query("CALL apoc.export.csv.all()", database_="alpha")
        with pytest.raises(ClientError) as yielded:
            await driver.execute_query("CALL db.labels() YIELD nope", database_="alpha")
    assert "not available" in caught.value.message
    assert yielded.value.code == "Neo.ClientError.Statement.SemanticError"


async def test_the_neo4j_browser_statement_through_the_driver(filled: Bolt) -> None:
    async with filled.driver() as driver:
        records, _, _ = await driver.execute_query(BROWSER, database_="alpha")
    assert [(r["result"]["name"], sorted(r["result"]["data"])) for r in records] == [
        ("labels", ["City", "Person"]),
        ("relationshipTypes", ["KNOWS"]),
        ("propertyKeys", ["age", "name", "since"]),
    ]


async def test_yield_aliases_where_and_aggregation_in_a_transaction(filled: Bolt) -> None:
    async with (
        filled.driver() as driver,
        driver.session(database="alpha") as session,
        await session.begin_transaction() as tx,
    ):
        found = await tx.run(
            "CALL db.labels() YIELD label AS l WHERE l <> 'City' RETURN l, size(l) AS n"
        )
        rows = [r.values() async for r in found]
        counted = await tx.run("CALL db.propertyKeys() YIELD propertyKey RETURN count(*) AS n")
        [total] = [r["n"] async for r in counted]
    assert rows == [["Person", 6]] and total == 3


async def test_an_unknown_procedure_inside_a_query_is_a_client_error(filled: Bolt) -> None:
    async with filled.driver() as driver:
        with pytest.raises(ClientError) as caught:
            await driver.execute_query(
                "CALL apoc.meta.schema() YIELD value RETURN value", database_="alpha"
            )
    assert "not available" in caught.value.message
    assert caught.value.code.startswith("Neo.ClientError.")
