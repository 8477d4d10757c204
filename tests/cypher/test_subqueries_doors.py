"""Subqueries, FOREACH and dynamic labels through every door: Bolt's explicit and
managed transactions (the steps run in the transaction, seeing its own writes), EXPLAIN
over Bolt, REST."""

import httpx
import neo4j
import pytest

from kgmem import Memory
from tests.fixtures.bolt import Bolt

CORRELATED = (
    "MATCH (a:P) CALL (a) { MATCH (a)-[:R]->(b) RETURN count(b) AS n } "
    "RETURN a.x AS x, n ORDER BY x"
)


async def test_bolt_explicit_transaction_sees_its_own_writes(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        tx = await session.begin_transaction()
        await (await tx.run("CREATE (:P {x: 1})-[:R]->(:Q), (:P {x: 2})")).consume()
        found = await (await tx.run(CORRELATED)).data()
        assert found == [{"x": 1, "n": 1}, {"x": 2, "n": 0}]
        await (await tx.run("MATCH (p:P) FOREACH (i IN [1, 2] | SET p.i = i)")).consume()
        await (await tx.run("MATCH (p:P) WITH p, 'Tagged' AS l SET p:$(l)")).consume()
        await tx.rollback()
        records, _, _ = await driver.execute_query(
            "MATCH (n) RETURN count(n) AS n", database_="alpha"
        )
        assert records[0]["n"] == 0  # rolled back, steps included
        await driver.execute_query("CREATE (:P {x: 1})-[:R]->(:Q), (:P {x: 2})", database_="alpha")
        records, _, _ = await driver.execute_query(CORRELATED, database_="alpha")
        assert [r.data() for r in records] == [{"x": 1, "n": 1}, {"x": 2, "n": 0}]
        written, _, _ = await driver.execute_query(
            "MATCH (p:P) WITH p, 'Tagged' AS l SET p:$(l) RETURN count(p) AS n",
            database_="alpha",
        )
        assert written[0]["n"] == 2
        tagged, _, _ = await driver.execute_query(
            "MATCH (t:Tagged) RETURN count(t) AS n", database_="alpha"
        )
        assert tagged[0]["n"] == 2


async def test_bolt_explain_of_a_query_in_steps(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        records, summary, _ = await driver.execute_query("EXPLAIN " + CORRELATED, database_="alpha")
    assert records == []
    assert summary.plan is not None
    assert "steps" in str(summary.plan)


async def test_rest_answers_the_same(
    client: httpx.AsyncClient, memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:P {x: 1})-[:R]->(:Q), (:P {x: 2})", mode="write")
    url = f"/v1/namespaces/{namespace}/cypher"
    answer = await client.post(url, json={"query": CORRELATED})
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == [[1, 1], [2, 0]]
    batched = "UNWIND [1, 2] AS i CALL (i) { CREATE (:Z {i: i}) } IN TRANSACTIONS OF 1 ROW"
    written = await client.post(url, json={"query": batched, "mode": "write"})
    assert written.status_code == 200, written.text
    count = await client.post(url, json={"query": "MATCH (z:Z) RETURN count(z) AS n"})
    assert count.json()["rows"] == [[2]]


@pytest.mark.parametrize("query", ["MATCH (a:P) CALL (a) { RETURN 1 AS k }"])
async def test_bolt_errors_keep_the_connection(bolt: Bolt, query: str) -> None:
    async with bolt.driver() as driver:
        with pytest.raises(neo4j.exceptions.ClientError):
            await driver.execute_query(query, database_="alpha")
        records, _, _ = await driver.execute_query("RETURN 1 AS one", database_="alpha")
    assert records[0]["one"] == 1
