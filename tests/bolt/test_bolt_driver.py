"""The official neo4j driver against kgmem's Bolt server: sessions, transactions,
parameters, graph structures and errors with Neo4j status codes."""

import asyncio

import neo4j
import pytest
from neo4j.exceptions import (
    AuthError,
    ClientError,
    CypherSyntaxError,
    Forbidden,
)

from tests.fixtures.bolt import Bolt


async def test_a_session_runs_a_query_and_streams_records(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        result = await session.run("UNWIND range(1, 5) AS x RETURN x, x * 2 AS y")
        records = [r async for r in result]
    assert [r["x"] for r in records] == [1, 2, 3, 4, 5]
    assert records[0].keys() == ["x", "y"] and records[4]["y"] == 10


async def test_nodes_relationships_and_paths_arrive_as_graph_structures(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        await driver.execute_query(
            "CREATE (:Person {name: 'Ann'})-[:KNOWS {since: 2020}]->(:Person {name: 'Bo'})",
            database_="alpha",
        )
        records, _, _ = await driver.execute_query(
            "MATCH p = (a:Person)-[r:KNOWS]->(b) RETURN a, r, p", database_="alpha"
        )
    a, r, p = records[0]["a"], records[0]["r"], records[0]["p"]
    assert isinstance(a, neo4j.graph.Node) and a.labels == {"Person"} and a["name"] == "Ann"
    assert isinstance(r, neo4j.graph.Relationship) and r.type == "KNOWS" and r["since"] == 2020
    assert r.start_node.element_id == a.element_id
    assert isinstance(p, neo4j.graph.Path) and [n["name"] for n in p.nodes] == ["Ann", "Bo"]
    assert p.relationships[0].type == "KNOWS"


async def test_managed_transactions_commit_and_a_failure_rolls_back(bolt: Bolt) -> None:
    async def create(tx: neo4j.AsyncManagedTransaction, name: str) -> None:
        await tx.run("CREATE (:T {name: $name})", name=name)

    async def create_then_fail(tx: neo4j.AsyncManagedTransaction) -> None:
        await tx.run("CREATE (:T {name: 'lost'})")
        await tx.run("RETURN 1 +")

    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        await session.execute_write(create, "kept")
        with pytest.raises(CypherSyntaxError):
            await session.execute_write(create_then_fail)
        names = await session.execute_read(_names)
    assert names == ["kept"]


async def _names(tx: neo4j.AsyncManagedTransaction) -> list[str]:
    result = await tx.run("MATCH (t:T) RETURN t.name AS name ORDER BY name")
    return [r["name"] async for r in result]


async def test_explicit_transaction_sees_its_writes_and_rollback_undoes_them(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        tx = await session.begin_transaction()
        await tx.run("CREATE (:T {name: 'a'}), (:T {name: 'b'})")
        first = await (await tx.run("MATCH (t:T) RETURN count(t) AS n")).single()
        await tx.rollback()
        tx = await session.begin_transaction()
        await tx.run("CREATE (:T {name: 'c'})")
        await tx.commit()
        names = await session.execute_read(_names)
    assert first is not None and first["n"] == 2
    assert names == ["c"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (-(2**63), -(2**63)),
        (2**40, 2**40),
        (1.25, 1.25),
        ("naïve ✓", "naïve ✓"),
        ([1, "two", [3.0, None]], [1, "two", [3.0, None]]),
        ({"k": {"n": [1]}}, {"k": {"n": [1]}}),
        (neo4j.time.Date(2024, 2, 29), neo4j.time.Date(2024, 2, 29)),
        (neo4j.time.DateTime(2024, 2, 29, 13, 5, 7), neo4j.time.DateTime(2024, 2, 29, 13, 5, 7)),
        (neo4j.time.Time(13, 5, 7, 500000000), "13:05:07.500"),  # a local time stays text
        (neo4j.time.Duration(months=14, days=3), neo4j.time.Duration(months=14, days=3)),
        (neo4j.spatial.CartesianPoint((1.5, 2.5)), neo4j.spatial.CartesianPoint((1.5, 2.5))),
        (b"\x00\xff", b"\x00\xff"),
    ],
)
async def test_parameters_of_every_type_arrive_as_kgmem_values(
    bolt: Bolt, value: object, expected: object
) -> None:
    async with bolt.driver() as driver:
        records, _, _ = await driver.execute_query(
            "RETURN $v AS v", {"v": value}, database_="alpha"
        )
    assert records[0]["v"] == expected


async def test_errors_carry_neo4j_status_codes(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        with pytest.raises(CypherSyntaxError) as syntax:
            await driver.execute_query("MATCH (n RETURN n", database_="alpha")
        with pytest.raises(ClientError) as missing:
            await driver.execute_query("RETURN $nope AS x", database_="alpha")
        with pytest.raises(ClientError) as unknown_db:
            await driver.execute_query("RETURN 1 AS x", database_="nosuchns")
    assert syntax.value.code == "Neo.ClientError.Statement.SyntaxError"
    assert missing.value.code == "Neo.ClientError.Statement.SemanticError"
    assert unknown_db.value.code == "Neo.ClientError.Database.DatabaseNotFound"


async def test_keys_are_the_credentials_and_scopes_hold(bolt: Bolt) -> None:
    async with bolt.driver("kgm_not_a_key") as driver:
        with pytest.raises(AuthError):
            await driver.execute_query("RETURN 1 AS x", database_="alpha")
    async with bolt.driver(bolt.reader) as driver:
        records, _, _ = await driver.execute_query("RETURN 1 AS x", database_="alpha")
        assert records[0]["x"] == 1
        with pytest.raises(Forbidden):
            await driver.execute_query("CREATE (:Pwned)", database_="alpha")
    async with bolt.driver(bolt.alpha_only) as driver:
        with pytest.raises(Forbidden):
            await driver.execute_query("RETURN 1 AS x", database_="beta")
    assert (await bolt.memory.namespace_stats("alpha")).vertices.get("Pwned", 0) == 0


async def test_read_sessions_run_on_the_read_only_role(bolt: Bolt) -> None:
    driver = bolt.driver()
    async with driver, driver.session(database="alpha", default_access_mode="READ") as session:
        with pytest.raises(ClientError) as caught:
            await (await session.run("CREATE (:Pwned)")).consume()
    assert caught.value.code == "Neo.ClientError.Statement.AccessMode"


async def test_pull_in_batches_and_discard(bolt: Bolt) -> None:
    driver = bolt.driver()
    async with driver, driver.session(database="alpha", fetch_size=3) as session:
        result = await session.run("UNWIND range(1, 10) AS x RETURN x")
        values = [r["x"] async for r in result]
        skipped = await session.run("UNWIND range(1, 10) AS x RETURN x")
        summary = await skipped.consume()
    assert values == list(range(1, 11))
    assert summary.database == "alpha" or summary.database is None


async def test_neo4j_scheme_gets_a_one_server_routing_table(bolt: Bolt) -> None:
    uri = bolt.uri.replace("bolt://", "neo4j://")
    async with neo4j.AsyncGraphDatabase.driver(uri, auth=("kgmem", bolt.writer)) as driver:
        records, _, _ = await driver.execute_query("RETURN 7 AS x", database_="alpha")
    assert records[0]["x"] == 7


async def test_queries_that_crashed_age_leave_the_server_up_over_bolt(bolt: Bolt) -> None:
    from tests.server.test_cypher_crash_class import CRASHERS

    codes = []
    async with bolt.driver() as driver:
        for query in CRASHERS:
            try:
                await driver.execute_query(query, database_="alpha")
            except ClientError as exc:
                codes.append(exc.code)
        records, _, _ = await driver.execute_query("RETURN 1 AS x", database_="alpha")
    assert records[0]["x"] == 1
    assert all(code.startswith("Neo.ClientError.Statement.") for code in codes), codes


async def test_a_label_race_waits_for_the_first_and_managed_writes_both_land(
    bolt: Bolt,
) -> None:
    """Two explicit transactions create the same new label: kgmem makes a written label
    before the statement runs, under a lock on its name, so the second waits for the
    first to commit and then uses its label; managed writes in the same race both land."""
    async with asyncio.timeout(60), bolt.driver() as driver:
        async with driver.session(database="alpha") as one, driver.session(database="alpha") as two:
            first = await one.begin_transaction()
            await first.run("CREATE (:Raced {name: 'first'})")
            second = await two.begin_transaction()
            waiting = asyncio.create_task(_consumed(second, "CREATE (:Raced {name: 'second'})"))
            await asyncio.sleep(0.5)  # waiting on the first one's uncommitted label
            assert not waiting.done()
            await first.commit()
            await waiting
            await second.commit()
            assert await one.execute_read(_count, "Raced") == 2

        async def create(tx: neo4j.AsyncManagedTransaction, name: str) -> None:
            await (await tx.run(f"CREATE (:{name} {{name: $name}})", name=name)).consume()

        async with driver.session(database="alpha") as one, driver.session(database="alpha") as two:
            await asyncio.gather(
                one.execute_write(create, "Managed"), two.execute_write(create, "Managed")
            )
            names = await one.execute_read(_count, "Managed")
    assert names == 2


async def _consumed(tx: neo4j.AsyncTransaction, query: str) -> None:
    await (await tx.run(query)).consume()


async def _count(tx: neo4j.AsyncManagedTransaction, label: str) -> int:
    record = await (await tx.run(f"MATCH (n:{label}) RETURN count(n) AS n")).single()
    assert record is not None
    return int(record["n"])


async def test_a_node_with_several_labels_arrives_with_all_of_them(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        await driver.execute_query("CREATE (:Person:Employee {name: 'Cy'})", database_="alpha")
        async with driver.session(database="alpha") as session:
            result = await session.run("MATCH (n:Employee:Person) RETURN n, labels(n) AS l")
            records = [r async for r in result]
    node = records[0]["n"]
    assert node.labels == {"Employee", "Person"} and node["name"] == "Cy"
    assert records[0]["l"] == ["Employee", "Person"]
