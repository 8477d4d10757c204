"""Schema statements over REST and over Bolt with the real neo4j driver: auto-commit,
explicit and managed transactions, Neo4j's status codes, the access fence."""

from __future__ import annotations

import httpx
import neo4j
import pytest
from neo4j.exceptions import ClientError, DatabaseError, Forbidden

from kgmem import Memory
from tests.fixtures.bolt import Bolt
from tests.mcp.test_mcp_http import error_text, mcp_client, payload


async def _cypher(
    client: httpx.AsyncClient, ns: str, query: str, mode: str = "read"
) -> httpx.Response:
    return await client.post(f"/v1/namespaces/{ns}/cypher", json={"query": query, "mode": mode})


async def test_rest_declares_lists_and_refuses_as_neo4j_does(
    client: httpx.AsyncClient, namespace: str
) -> None:
    created = await _cypher(client, namespace, "CREATE INDEX i FOR (n:L) ON (n.p)", "write")
    assert created.status_code == 200, created.text
    assert created.json()["rows"] == []
    refused = await _cypher(client, namespace, "CREATE INDEX k FOR (n:L) ON (n.q)")
    assert refused.status_code == 403
    taken = await _cypher(client, namespace, "CREATE INDEX i FOR (n:L) ON (n.q)", "write")
    assert (taken.status_code, taken.json()["code"]) == (409, "index_name_taken")
    same = await _cypher(client, namespace, "CREATE INDEX j FOR (n:L) ON (n.p)", "write")
    assert (same.status_code, same.json()["code"]) == (409, "schema_rule_exists")
    missing = await _cypher(client, namespace, "DROP INDEX nope", "write")
    assert (missing.status_code, missing.json()["code"]) == (404, "index_not_found")
    await _cypher(client, namespace, "CREATE CONSTRAINT u FOR (n:L) REQUIRE n.u IS UNIQUE", "write")
    owned = await _cypher(client, namespace, "DROP INDEX u", "write")
    assert (owned.status_code, owned.json()["code"]) == (409, "index_owned_by_constraint")
    assert owned.json()["detail"] == "Unable to drop index: Index belongs to constraint: `u`"
    shown = await _cypher(client, namespace, "SHOW INDEXES YIELD name, type WHERE name = 'i'")
    assert shown.json()["rows"] == [["i", "RANGE"]]
    bad = await _cypher(client, namespace, "CREATE INDEX FOR (n:L) ON (n.p", "write")
    assert (bad.status_code, bad.json()["code"]) == (422, "cypher_syntax_error")
    assert bad.json()["position"] == len("CREATE INDEX FOR (n:L) ON (n.p")


async def _names(tx: neo4j.AsyncManagedTransaction) -> list[str]:
    result = await tx.run("SHOW INDEXES YIELD name, type WHERE type = 'RANGE' RETURN name")
    return [r["name"] async for r in result]


async def test_bolt_driver_in_every_kind_of_transaction(bolt: Bolt) -> None:
    async def declare(tx: neo4j.AsyncManagedTransaction, name: str) -> None:
        await tx.run(f"CREATE INDEX {name} IF NOT EXISTS FOR (n:Doc) ON (n.{name})")

    async with bolt.driver() as driver:
        await driver.execute_query("CREATE INDEX auto FOR (n:Doc) ON (n.title)", database_="alpha")
        async with driver.session(database="alpha") as session:
            await session.execute_write(declare, "managed")
            tx = await session.begin_transaction()
            await tx.run("CREATE INDEX explicit FOR ()-[r:CITES]-() ON (r.at)")
            await tx.commit()
            tx = await session.begin_transaction()
            await tx.run("CREATE INDEX undone FOR (n:Doc) ON (n.undone)")
            await tx.rollback()
            names = await session.execute_read(_names)
    assert names == ["auto", "explicit", "managed"]


async def test_bolt_errors_carry_neo4j_schema_codes(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        await driver.execute_query("CREATE INDEX i FOR (n:L) ON (n.p)", database_="alpha")
        with pytest.raises(ClientError) as taken:
            await driver.execute_query("CREATE INDEX i FOR (n:L) ON (n.q)", database_="alpha")
        assert taken.value.code == "Neo.ClientError.Schema.IndexWithNameAlreadyExists"
        with pytest.raises(ClientError) as same:
            await driver.execute_query("CREATE INDEX j FOR (n:L) ON (n.p)", database_="alpha")
        assert same.value.code == "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists"
        with pytest.raises(DatabaseError) as missing:
            await driver.execute_query("DROP INDEX nope", database_="alpha")
        assert missing.value.code == "Neo.DatabaseError.Schema.IndexDropFailed"
        plan = await driver.execute_query(
            "EXPLAIN CREATE INDEX e FOR (n:L) ON (n.e)", database_="alpha"
        )
        assert plan.summary is not None
    async with bolt.driver(bolt.reader) as driver:
        with pytest.raises(Forbidden):
            await driver.execute_query("CREATE INDEX r FOR (n:L) ON (n.r)", database_="alpha")
        records, _, _ = await driver.execute_query(
            "SHOW INDEXES YIELD name WHERE name = 'i'",
            database_="alpha",
            routing_=neo4j.RoutingControl.READ,
        )
    assert [r["name"] for r in records] == ["i"]


async def test_drop_index_of_a_constraints_index_fails_and_keeps_the_constraint(
    bolt: Bolt,
) -> None:
    async with bolt.driver() as driver:
        await driver.execute_query(
            "CREATE CONSTRAINT unique_a FOR (n:Q) REQUIRE n.a IS UNIQUE", database_="alpha"
        )
        for query in ("DROP INDEX unique_a", "DROP INDEX unique_a IF EXISTS"):
            with pytest.raises(DatabaseError) as caught:
                await driver.execute_query(query, database_="alpha")
            assert caught.value.code == "Neo.DatabaseError.Schema.IndexDropFailed"
            assert caught.value.message == (
                "Unable to drop index: Index belongs to constraint: `unique_a`"
            )
        records, _, _ = await driver.execute_query(
            "SHOW CONSTRAINTS YIELD name RETURN name", database_="alpha"
        )
    assert [r["name"] for r in records] == ["unique_a"]


async def test_mcp_lists_indexes_and_refuses_to_declare(
    live_url: str, memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE INDEX m FOR (n:L) ON (n.p)", mode="write")
    async with mcp_client(live_url) as client:
        shown = payload(
            await client.call_tool(
                "cypher_read",
                {"namespace": namespace, "query": "SHOW INDEXES YIELD name WHERE name = 'm'"},
            )
        )
        assert shown["rows"] == [["m"]]
        refused = await client.call_tool(
            "cypher_read", {"namespace": namespace, "query": "DROP INDEX m"}
        )
        assert "cypher_access_mode:" in error_text(refused)
