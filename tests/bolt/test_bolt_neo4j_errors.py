"""The errors a Neo4j 5 driver sees where kgmem used to answer otherwise: the exception
class and ``.code`` the official driver raises for arithmetic on zero, a write in a read
transaction, an undefined variable and a dynamic property key that is not a string."""

import math

import neo4j
import pytest
from neo4j.exceptions import ClientError, CypherSyntaxError, CypherTypeError, Forbidden

from tests.fixtures.bolt import Bolt

ARITHMETIC = "Neo.ClientError.Statement.ArithmeticError"
ACCESS_MODE = "Neo.ClientError.Statement.AccessMode"


@pytest.mark.parametrize(
    "query", ["RETURN 1 / 0 AS x", "RETURN 1 % 0 AS x", "UNWIND [2, 0] AS z RETURN 7 / z AS x"]
)
async def test_an_integer_divided_by_zero_is_an_arithmetic_error(bolt: Bolt, query: str) -> None:
    driver = bolt.driver()
    async with driver, driver.session(database="alpha") as session:
        with pytest.raises(ClientError) as caught:
            await (await session.run(query)).consume()
        assert caught.value.code == ARITHMETIC
        assert caught.value.message == "/ by zero"
        # the session goes on: the failure was the statement's, not the connection's
        record = await (await session.run("RETURN 1 AS one")).single()
        assert record is not None and record["one"] == 1


async def test_a_float_divided_by_zero_is_infinite_or_nan(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        records, _, _ = await driver.execute_query(
            "RETURN 1.0 / 0 AS a, -1 / 0.0 AS b, 0.0 / 0 AS c, 1.5 % 0 AS d, 5 % 0.0 AS e",
            database_="alpha",
        )
    row = records[0]
    assert row["a"] == math.inf and row["b"] == -math.inf
    assert all(math.isnan(row[k]) for k in ("c", "d", "e"))


async def test_a_write_in_a_read_transaction_is_an_access_mode_error(bolt: Bolt) -> None:
    async def create(tx: neo4j.AsyncManagedTransaction) -> None:
        await (await tx.run("CREATE (:Pwned)")).consume()

    driver = bolt.driver()  # the write key: it chose to read
    async with driver:
        async with driver.session(database="alpha") as session:
            with pytest.raises(ClientError) as managed:
                await session.execute_read(create)
        async with driver.session(database="alpha", default_access_mode=neo4j.READ_ACCESS) as s:
            with pytest.raises(ClientError) as auto:
                await (await s.run("CREATE (:Pwned)")).consume()
            with pytest.raises(ClientError) as schema:
                await (await s.run("CREATE INDEX i FOR (n:L) ON (n.p)")).consume()
    for caught in (managed, auto, schema):
        assert caught.value.code == ACCESS_MODE
        assert caught.value.message.startswith("Writing in read access mode not allowed")
    assert (await bolt.memory.namespace_stats("alpha")).vertices.get("Pwned", 0) == 0


async def test_a_key_that_may_only_read_is_forbidden_to_write_in_any_mode(bolt: Bolt) -> None:
    driver = bolt.driver(bolt.reader)
    async with driver:
        with pytest.raises(Forbidden) as default_mode:
            await driver.execute_query("CREATE (:Pwned)", database_="alpha")
        async with driver.session(database="alpha", default_access_mode=neo4j.READ_ACCESS) as s:
            with pytest.raises(Forbidden) as read_mode:
                await (await s.run("CREATE (:Pwned)")).consume()
    for caught in (default_mode, read_mode):
        assert caught.value.code == "Neo.ClientError.Security.Forbidden"
        assert "lacks the 'write' scope" in caught.value.message
    assert (await bolt.memory.namespace_stats("alpha")).vertices.get("Pwned", 0) == 0


@pytest.mark.parametrize(
    ("query", "name"),
    [("MATCH (n) RETURN m", "m"), ("RETURN x", "x"), ("WITH 1 AS a RETURN b", "b")],
)
async def test_an_undefined_variable_is_a_syntax_error(bolt: Bolt, query: str, name: str) -> None:
    async with bolt.driver() as driver:
        with pytest.raises(CypherSyntaxError) as caught:
            await driver.execute_query(query, database_="alpha")
    assert caught.value.code == "Neo.ClientError.Statement.SyntaxError"
    assert caught.value.message.startswith(f"Variable `{name}` not defined")


async def test_a_dynamic_property_key_that_is_not_a_string_is_a_type_error(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        await driver.execute_query("CREATE (:Keyed {a: 1})", database_="alpha")
        for query in ("MATCH (n:Keyed) SET n[$k] = 2", "MATCH (n:Keyed) REMOVE n[$k]"):
            with pytest.raises(CypherTypeError) as caught:
                await driver.execute_query(query, {"k": 7}, database_="alpha")
            assert caught.value.code == "Neo.ClientError.Statement.TypeError"
            assert "Expected the value 7 to be of type STRING" in caught.value.message
        records, _, _ = await driver.execute_query(
            "MATCH (n:Keyed) RETURN properties(n) AS p", database_="alpha"
        )
    assert records[0]["p"] == {"a": 1}


@pytest.mark.parametrize(
    "query", ["MATCH (n:A) SET n:R", "MATCH (n:A) SET n:$('R')", "CREATE (:R)"]
)
async def test_a_relationship_type_as_a_label_is_a_semantic_error(bolt: Bolt, query: str) -> None:
    """AGE keeps a name as a label or a relationship type, not both: a client error the
    driver raises as such, not a database error."""
    async with bolt.driver() as driver:
        await driver.execute_query("CREATE (:A)-[:R]->(:B)", database_="alpha")
        with pytest.raises(ClientError) as caught:
            await driver.execute_query(query, database_="alpha")
    assert caught.value.code == "Neo.ClientError.Statement.SemanticError"
    assert "'R'" in caught.value.message or " R " in caught.value.message
