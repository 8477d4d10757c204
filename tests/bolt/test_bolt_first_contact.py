"""First contact over Bolt: a client naming no database lands in its home database (the
default database ``neo4j``, created on first use, or the key's only namespace), clients
switch databases with ``database=`` and ``USE``, and the queries Neo4j Browser and
cypher-shell send on connect are answered."""

import asyncio

import neo4j
import pytest
from neo4j.exceptions import ClientError

from kgmem import Memory
from tests.fixtures.bolt import Bolt

LIMIT_S = 120  # a hard bound on each test, far above what it needs


async def _one(driver: neo4j.AsyncDriver, query: str, **kwargs: object) -> list[object]:
    records, _, _ = await driver.execute_query(query, **kwargs)  # type: ignore[arg-type]
    return [r.values() for r in records]


async def test_a_fresh_store_answers_a_client_naming_no_database(
    bare_bolt: tuple[Memory, str],
) -> None:
    """No keys, no namespaces, a loopback client, no database: RETURN 1 works, in the
    default database ``neo4j``, which the first use created."""
    memory, address = bare_bolt
    async with asyncio.timeout(LIMIT_S):
        async with neo4j.AsyncGraphDatabase.driver(f"bolt://{address}", auth=None) as driver:
            assert await _one(driver, "RETURN 1 AS x") == [[1]]
            assert await _one(driver, "CALL db.info() YIELD name") == [["neo4j"]]
            async with driver.session() as session:  # an explicit transaction, too
                tx = await session.begin_transaction()
                await (await tx.run("CREATE (:Person {name: 'Ann'})")).consume()
                await tx.commit()
        assert [n.name for n in await memory.list_namespaces()] == ["neo4j"]
        found = await memory.cypher("neo4j", "MATCH (p:Person) RETURN p.name")
        assert found.rows == [["Ann"]]


async def test_a_routing_driver_resolves_the_home_database(
    bare_bolt: tuple[Memory, str],
) -> None:
    """neo4j:// asks ROUTE for the home database before its first query."""
    _, address = bare_bolt
    async with (
        asyncio.timeout(LIMIT_S),
        neo4j.AsyncGraphDatabase.driver(f"neo4j://{address}", auth=None) as driver,
    ):
        assert await _one(driver, "CALL db.info() YIELD name") == [["neo4j"]]


async def test_a_key_limited_to_one_namespace_lands_there(bolt: Bolt) -> None:
    async with asyncio.timeout(LIMIT_S), bolt.driver(bolt.alpha_only) as driver:
        assert await _one(driver, "CALL db.info() YIELD name") == [["alpha"]]
        assert await _one(driver, "SHOW HOME DATABASE YIELD name") == [["alpha"]]
        assert await _one(driver, "SHOW DATABASES YIELD name, home, default") == [
            ["alpha", True, False]
        ]
        components = await _one(driver, "CALL dbms.components()", database_="system")
        assert components[1][0] == "kgmem"  # the system database answers every key ...
        with pytest.raises(ClientError) as caught:  # ... what reads no namespace
            await driver.execute_query("CALL db.labels()", database_="system")
    assert caught.value.code == "Neo.ClientError.Security.Forbidden"


async def test_a_key_with_several_namespaces_must_name_one(bolt: Bolt) -> None:
    """No home: DatabaseNotFound saying how to choose; naming one works."""
    key = (await bolt.memory.create_key("ab", ["write"], ["alpha", "beta"])).secret
    async with asyncio.timeout(LIMIT_S), bolt.driver(key) as driver:
        with pytest.raises(ClientError) as caught:
            await driver.execute_query("RETURN 1 AS x")
        assert await _one(driver, "RETURN 1 AS x", database_="beta") == [[1]]
        assert await _one(driver, "SHOW HOME DATABASE") == []
    assert caught.value.code == "Neo.ClientError.Database.DatabaseNotFound"
    assert "KGMEM_BOLT_DEFAULT_DATABASE" in caught.value.message
    assert "database=" in caught.value.message


async def test_only_an_admin_key_creates_the_default_database(bolt: Bolt) -> None:
    """A write key is told how to create it; an admin key's first query creates it."""
    admin = (await bolt.memory.create_key("adm", ["admin"])).secret
    async with asyncio.timeout(LIMIT_S):
        async with bolt.driver() as driver:
            with pytest.raises(ClientError) as caught:
                await driver.execute_query("RETURN 1 AS x")
        assert caught.value.code == "Neo.ClientError.Database.DatabaseNotFound"
        assert "kgmem namespaces create neo4j" in caught.value.message
        async with bolt.driver(admin) as driver:
            assert await _one(driver, "CALL db.info() YIELD name") == [["neo4j"]]
        async with bolt.driver() as driver:  # now it exists, the write key uses it too
            assert await _one(driver, "RETURN 2 AS x") == [[2]]


async def test_sessions_and_queries_switch_databases(bolt: Bolt) -> None:
    """database= on a session; USE before a query (also quoted) in an auto-commit query
    and as the first query of a transaction that named no database; USE of another
    database inside a transaction on one is refused."""
    await bolt.memory.cypher("beta", "CREATE (:City {name: 'Oslo'})", mode="write")
    used = "USE beta MATCH (c:City) RETURN c.name"
    async with asyncio.timeout(LIMIT_S), bolt.driver(bolt.alpha_only) as alpha:
        with pytest.raises(ClientError):  # USE cannot reach past the key's namespaces
            await alpha.execute_query(used)
    async with asyncio.timeout(LIMIT_S), bolt.driver() as driver:
        async with driver.session(database="beta") as session:
            rows = [r.values() async for r in await session.run("MATCH (c:City) RETURN c.name")]
        assert rows == [["Oslo"]]
        async with driver.session(database="alpha") as session:
            rows = [r.values() async for r in await session.run(used)]
        assert rows == [["Oslo"]]
        assert await _one(driver, used) == [["Oslo"]]  # a managed transaction
        assert await _one(driver, "use `beta`\nCALL db.info() YIELD name") == [["beta"]]
        with pytest.raises(ClientError) as caught:
            await driver.execute_query(used, database_="alpha")
    assert "USE beta" in caught.value.message


async def test_show_databases_marks_the_home_and_default_databases(bolt: Bolt) -> None:
    """For an admin key the default database is listed (using it creates it), home and
    default; the other namespaces are neither."""
    admin = (await bolt.memory.create_key("adm", ["admin"])).secret
    async with asyncio.timeout(LIMIT_S), bolt.driver(admin) as driver:
        shown = await _one(driver, "SHOW DATABASES YIELD name, home, default", database_="system")
        assert ["neo4j", True, True] in shown and ["alpha", False, False] in shown
        records, _, _ = await driver.execute_query("SHOW DATABASES")
        assert records[0].keys()[-3:] == ["default", "home", "constituents"]
        assert await _one(driver, "SHOW DEFAULT DATABASE YIELD name AS db") == [["neo4j"]]
        with pytest.raises(ClientError) as caught:
            await driver.execute_query("SHOW DATABASES YIELD nope")
    assert caught.value.code == "Neo.ClientError.Statement.SemanticError"


async def test_what_browser_and_cypher_shell_send_on_connect(
    bare_bolt: tuple[Memory, str],
) -> None:
    """The start-up queries of Neo4j tools, with no database named; an unknown
    procedure is Neo4j's ProcedureNotFound."""
    _, address = bare_bolt
    async with (
        asyncio.timeout(LIMIT_S),
        neo4j.AsyncGraphDatabase.driver(f"bolt://{address}", auth=None) as driver,
    ):
        components = "CALL dbms.components() YIELD name, versions, edition"
        assert (await _one(driver, components, database_="system"))[0][0] == "Neo4j Kernel"
        assert (await _one(driver, components))[1][0] == "kgmem"
        assert await _one(driver, "CALL dbms.showCurrentUser() YIELD username") == [["kgmem"]]
        assert await _one(driver, "SHOW DATABASES YIELD name, home", database_="system") == [
            ["neo4j", True]
        ]
        assert await _one(driver, "CALL db.labels()") == []
        procedures = await _one(driver, "SHOW PROCEDURES YIELD name, description")
        assert ["db.labels", "List all labels in use in the database."] in procedures
        functions = await _one(driver, "SHOW FUNCTIONS YIELD name")
        assert ["count"] in functions
        with pytest.raises(ClientError) as caught:
            await driver.execute_query("CALL apoc.periodic.iterate('a', 'b', {})")
    assert caught.value.code == "Neo.ClientError.Procedure.ProcedureNotFound"
