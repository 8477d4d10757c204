"""EXPLAIN and PROFILE in every transaction mode, with the summary Neo4j gives."""

import neo4j
import pytest

from tests.fixtures.bolt import Bolt


async def explain_in(session: neo4j.AsyncSession, mode: str, query: str) -> neo4j.ResultSummary:
    async def work(tx: neo4j.AsyncManagedTransaction) -> neo4j.ResultSummary:
        result = await tx.run(query)
        return await result.consume()

    if mode == "auto":
        return await (await session.run(query)).consume()
    if mode == "managed read":
        return await session.execute_read(work)
    if mode == "managed write":
        return await session.execute_write(work)
    async with await session.begin_transaction() as tx:
        summary = await (await tx.run(query)).consume()
        await tx.commit()
        return summary


@pytest.mark.parametrize("mode", ["auto", "managed read", "managed write", "explicit"])
async def test_explain_answers_a_plan_in_every_transaction_mode(bolt: Bolt, mode: str) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        read = await explain_in(session, mode, "EXPLAIN MATCH (n:L) RETURN n.k AS k")
        write = await explain_in(session, mode, "EXPLAIN CREATE (:L {k: 1})")
        counted = await (await session.run("MATCH (n:L) RETURN count(n) AS c")).single()
    assert read.query_type == "r"
    assert read.plan is not None and read.plan["operatorType"]
    assert write.query_type == "w"
    assert counted is not None and counted["c"] == 0  # EXPLAIN ran nothing


async def test_profile_runs_the_query_and_counts_its_rows(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        await (await session.run("UNWIND range(1, 3) AS i CREATE (:P {i: i})")).consume()
        result = await session.run("PROFILE MATCH (n:P) RETURN n.i AS i ORDER BY i")
        rows = [record["i"] async for record in result]
        summary = await result.consume()
    assert rows == [1, 2, 3]
    assert summary.profile is not None and summary.profile["rows"] == 3
    assert "cypher sent to AGE" in summary.profile["args"]["Details"]


async def test_each_query_of_a_transaction_has_its_own_type(bolt: Bolt) -> None:
    async with (
        bolt.driver() as driver,
        driver.session(database="alpha") as session,
        await session.begin_transaction() as tx,
    ):
        created = await (await tx.run("CREATE (:T {k: 1})")).consume()
        updated = await (await tx.run("MATCH (t:T) SET t.k = 2")).consume()
        read = await (await tx.run("MATCH (t:T) RETURN t.k")).consume()
        await tx.commit()
    # Neo4j: a write that returns no columns is "w", whether or not it also reads
    assert (created.query_type, updated.query_type, read.query_type) == ("w", "w", "r")


async def test_a_read_key_explaining_a_write_gets_an_error_and_keeps_its_connection(
    bolt: Bolt,
) -> None:
    async with bolt.driver(bolt.reader) as driver, driver.session(database="alpha") as session:
        with pytest.raises(neo4j.exceptions.ClientError):
            await (await session.run("EXPLAIN CREATE (:L)")).consume()
        after = await (await session.run("EXPLAIN MATCH (n) RETURN n")).consume()
    assert after.query_type == "r" and after.plan is not None
