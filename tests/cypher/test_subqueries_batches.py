"""``CALL { ... } IN TRANSACTIONS``: each batch in a transaction of its own, as Neo4j 5
runs it, on Memory and over Bolt (refused in explicit and managed transactions)."""

from typing import Any

import neo4j
import pytest

from kgmem import Memory
from kgmem.cypher_errors import CypherUnsupported
from kgmem.errors import CypherError, CypherSemanticError, CypherSyntaxError
from tests.fixtures.bolt import Bolt

FAILING = "UNWIND [1, 2, 0, 3] AS i CALL (i) { CREATE (:Z {v: 10 / i}) } IN TRANSACTIONS OF 1 ROWS"


async def _count(memory: Memory, namespace: str, label: str) -> int:
    result = await memory.cypher(namespace, f"MATCH (n:{label}) RETURN count(n)")
    return int(result.rows[0][0])


async def test_batches_before_a_failing_one_stay_written(memory: Memory, namespace: str) -> None:
    with pytest.raises(CypherError, match="/ by zero"):
        await memory.cypher(namespace, FAILING, mode="write")
    assert await _count(memory, namespace, "Z") == 2  # batches 1 and 2 committed


@pytest.mark.parametrize(
    ("tail", "error"),
    [
        ("RETURN y", CypherSyntaxError),
        ("RETURN b.x ORDER BY zz", CypherSyntaxError),
        ("RETURN nofunc(b)", CypherUnsupported),
    ],
)
async def test_a_mistake_after_the_batches_is_refused_before_any_commits(
    memory: Memory, namespace: str, tail: str, error: type[CypherError]
) -> None:
    query = (
        f"UNWIND [1, 2] AS i CALL (i) {{ CREATE (b:Z {{v: i}}) RETURN b }} IN TRANSACTIONS {tail}"
    )
    with pytest.raises(error):
        await memory.cypher(namespace, query, mode="write")
    assert await _count(memory, namespace, "Z") == 0


async def test_a_tail_reading_returned_nodes_still_runs(memory: Memory, namespace: str) -> None:
    """The tail is checked with its variables bound as plain values: a pattern over a
    returned node is no mistake, and it still runs on the nodes."""
    query = (
        "UNWIND [1, 2] AS i CALL (i) { CREATE (b:Z {v: i})-[:R]->(:Y {v: i}) RETURN b } "
        "IN TRANSACTIONS MATCH (b)-[:R]->(y) RETURN y.v ORDER BY y.v"
    )
    assert (await memory.cypher(namespace, query, mode="write")).rows == [[1], [2]]


@pytest.mark.parametrize(("on_error", "written"), [("CONTINUE", 3), ("BREAK", 2)])
async def test_on_error(memory: Memory, namespace: str, on_error: str, written: int) -> None:
    await memory.cypher(namespace, f"{FAILING} ON ERROR {on_error}", mode="write")
    assert await _count(memory, namespace, "Z") == written


async def test_batches_of_several_rows_fail_whole(memory: Memory, namespace: str) -> None:
    query = (
        "UNWIND [1, 2, 3, 0, 5] AS i CALL (i) { CREATE (:Z {v: 10 / i}) } IN TRANSACTIONS OF 2 ROWS"
    )
    with pytest.raises(CypherError):
        await memory.cypher(namespace, query, mode="write")
    assert await _count(memory, namespace, "Z") == 2  # [1, 2] committed, [3, 0] undone


async def test_the_libraries_shapes(memory: Memory, namespace: str) -> None:
    data = [{"id": i, "text": f"t{i}", "metadata": {"n": i}} for i in range(7)]
    langchain = (
        "UNWIND $data AS row CALL (row) { MERGE (c:`Chunk` {id: row.id}) "
        "SET c.`text` = row.text SET c += row.metadata } IN TRANSACTIONS OF $size ROWS "
    )
    await memory.cypher(namespace, langchain, {"data": data, "size": 3}, mode="write")
    result = await memory.cypher(namespace, "MATCH (c:Chunk) RETURN sum(c.n), count(c)")
    assert result.rows == [[21, 7]]
    cleanup = (
        "MATCH (n:Chunk) WHERE n.text IS NOT NULL CALL (n) { SET n.text = NULL } "
        "IN TRANSACTIONS OF 2 ROWS ON ERROR CONTINUE"
    )
    await memory.cypher(namespace, cleanup, mode="write")
    found = await memory.cypher(namespace, "MATCH (c:Chunk) WHERE c.text IS NULL RETURN count(c)")
    assert found.rows == [[7]]
    neomodel = "MATCH (a) CALL { WITH a DETACH DELETE a } IN TRANSACTIONS OF 5000 rows"
    await memory.cypher(namespace, neomodel, mode="write")
    assert await _count(memory, namespace, "Chunk") == 0


async def test_a_returning_subquery_in_batches(memory: Memory, namespace: str) -> None:
    query = (
        "UNWIND range(1, 5) AS i CALL (i) { CREATE (z:Z {v: i}) RETURN z.v * 2 AS d } "
        "IN TRANSACTIONS OF 2 ROWS RETURN collect(d) AS ds"
    )
    result = await memory.cypher(namespace, query, mode="write")
    assert result.rows == [[[2, 4, 6, 8, 10]]]


async def test_writes_in_batches_need_write_mode(memory: Memory, namespace: str) -> None:
    query = "UNWIND [1] AS i CALL (i) { CREATE (:Z) } IN TRANSACTIONS"
    with pytest.raises(Exception, match="write"):
        await memory.cypher(namespace, query, mode="read")
    assert await _count(memory, namespace, "Z") == 0


@pytest.mark.parametrize("size", ["0", "$size", "-1"])
async def test_batch_size_must_be_positive(memory: Memory, namespace: str, size: str) -> None:
    query = f"UNWIND [1] AS i CALL (i) {{ CREATE (:Z) }} IN TRANSACTIONS OF {size} ROWS"
    with pytest.raises(CypherError):
        await memory.cypher(namespace, query, {"size": "x"}, mode="write")


async def test_bolt_auto_commit_batches_and_managed_refusal(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        with pytest.raises(neo4j.exceptions.DatabaseError) as refused:
            await driver.execute_query(FAILING, database_="alpha")
        assert refused.value.code == "Neo.DatabaseError.Statement.ExecutionFailed"
        assert "in an implicit transaction" in (refused.value.message or "")
        async with driver.session(database="alpha") as session:
            with pytest.raises(neo4j.exceptions.ClientError):
                await (await session.run(FAILING)).consume()
            tx = await session.begin_transaction()
            with pytest.raises(neo4j.exceptions.DatabaseError) as explicit:
                await (await tx.run(FAILING)).consume()
            assert "explicit transaction" in (explicit.value.message or "")
            await tx.close()
        records: Any
        records, _, _ = await driver.execute_query(
            "MATCH (z:Z) RETURN count(z) AS n", database_="alpha"
        )
    assert records[0]["n"] == 2  # the auto-commit run's first two batches


def _status(batch: int | None, error: str | None = None) -> dict[str, Any]:
    if batch is None:
        return {"started": False, "committed": False, "transactionId": None, "errorMessage": None}
    return {
        "started": True,
        "committed": error is None,
        "transactionId": f"kgmem-batch-{batch}",
        "errorMessage": error,
    }


async def test_report_status_gives_each_row_its_batch(memory: Memory, namespace: str) -> None:
    query = f"{FAILING} ON ERROR CONTINUE REPORT STATUS AS s RETURN i, s"
    result = await memory.cypher(namespace, query, mode="write")
    assert result.rows == [
        [1, _status(1)],
        [2, _status(2)],
        [0, _status(3, "/ by zero")],
        [3, _status(4)],
    ]
    assert await _count(memory, namespace, "Z") == 3


async def test_report_status_after_a_break_and_with_returned_values(
    memory: Memory, namespace: str
) -> None:
    query = (
        "UNWIND [1, 2, 0, 3] AS i CALL (i) { CREATE (z:Z {v: 10 / i}) RETURN z.v AS v } "
        "IN TRANSACTIONS OF 2 ROWS ON ERROR BREAK REPORT STATUS AS `the status` "
        "RETURN i, v, `the status` AS s"
    )
    result = await memory.cypher(namespace, query, mode="write")
    assert result.rows == [
        [1, 10, _status(1)],
        [2, 5, _status(1)],
        [0, None, _status(2, "/ by zero")],
        [3, None, _status(2, "/ by zero")],
    ]
    assert await _count(memory, namespace, "Z") == 2


async def test_report_status_needs_continue_or_break(memory: Memory, namespace: str) -> None:
    for tail in ("REPORT STATUS AS s RETURN s", "ON ERROR FAIL REPORT STATUS AS s RETURN s"):
        with pytest.raises(CypherSemanticError, match="REPORT STATUS can only be used"):
            await memory.cypher(namespace, f"{FAILING} {tail}", mode="write")
    assert await _count(memory, namespace, "Z") == 0


async def test_bolt_report_status_arrives_as_a_map(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        result = await session.run(f"{FAILING} ON ERROR CONTINUE REPORT STATUS AS s RETURN s")
        statuses = [record["s"] async for record in result]
    assert [s["committed"] for s in statuses] == [True, True, False, True]
    assert statuses[2]["errorMessage"] == "/ by zero"
