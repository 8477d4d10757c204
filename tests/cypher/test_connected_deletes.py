"""DELETE of a node that still has relationships: refused as Neo4j refuses it
(``ConstraintValidationFailed``; REST 409), as that statement's own error, with nothing
deleted, on every door and inside an explicit transaction."""

import httpx
import neo4j
import pytest

from kgmem import Memory
from kgmem.neo4j_schema.errors import ConstraintViolation
from kgmem.storage.graph.cypher import may_delete
from tests.fixtures.bolt import Bolt
from tests.server.test_entities_api import assert_problem

_CONNECTED = "CREATE (:A {k: 1})-[:R]->(:B {k: 2})"
_COUNT = "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r"


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (a:A) DELETE a",
        "MATCH (a:A) DELETE a RETURN count(*) AS c",
        "MATCH (n) WITH n ORDER BY n.k DESC DELETE n",  # the node without edges goes first
        "MATCH (b:B) SET b.gone = true DELETE b",
    ],
)
async def test_deleting_a_connected_node_is_that_statements_error(
    memory: Memory, namespace: str, query: str
) -> None:
    await memory.cypher(namespace, _CONNECTED, mode="write")
    with pytest.raises(ConstraintViolation, match="still has relationships"):
        await memory.cypher(namespace, query, mode="write")
    left = await memory.cypher(namespace, _COUNT)
    assert left.rows == [[2, 1]]  # nothing deleted, nothing set
    assert (await memory.cypher(namespace, "MATCH (n) WHERE n.gone RETURN n")).rows == []


async def test_deleting_the_relationship_too_is_allowed(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, _CONNECTED, mode="write")
    await memory.cypher(namespace, "MATCH (a:A)-[r]->(b) DELETE r, a", mode="write")
    assert (await memory.cypher(namespace, _COUNT)).rows == [[1, 0]]


async def test_rest_answers_409_problem(
    memory: Memory, namespace: str, client: httpx.AsyncClient
) -> None:
    await memory.cypher(namespace, _CONNECTED, mode="write")
    url = f"/v1/namespaces/{namespace}/cypher"
    refused = await client.post(url, json={"query": "MATCH (a:A) DELETE a", "mode": "write"})
    body = assert_problem(refused, 409, "constraint_validation_failed")
    assert "DETACH DELETE" in body["detail"]
    assert (await memory.cypher(namespace, _COUNT)).rows == [[2, 1]]


async def test_bolt_answers_neo4j_code_and_the_transaction_goes_on(bolt: Bolt) -> None:
    await bolt.memory.cypher("alpha", _CONNECTED, mode="write")
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        with pytest.raises(neo4j.exceptions.ConstraintError) as caught:
            await (await session.run("MATCH (a:A) DELETE a")).consume()
        assert caught.value.code == "Neo.ClientError.Schema.ConstraintValidationFailed"
        tx = await session.begin_transaction()
        with pytest.raises(neo4j.exceptions.ConstraintError):
            await (await tx.run("MATCH (b:B) DELETE b")).consume()
        await tx.close()
        rows = await (await session.run(_COUNT)).values()
    assert rows == [[2, 1]]


@pytest.mark.parametrize(
    ("text", "deletes"),
    [
        ("MATCH (n) DETACH DELETE n", True),
        ("MATCH (n) WITH n, 'it''s' AS s DELETE n", True),
        ("RETURN 'delete me' AS s", False),
        ('RETURN "a \\" delete" AS s', False),
        ("MATCH (n:`delete`) RETURN n.deleted", False),
    ],
)
def test_only_the_keyword_outside_quotes_closes_the_portal(text: str, deletes: bool) -> None:
    assert may_delete(text) is deletes
