"""A final unit subquery, ``CALL (row) { ... } [IN TRANSACTIONS]``, run as its clauses."""

import neo4j
import pytest

from kgmem import Memory
from kgmem.cypher.unit_subqueries import inline
from kgmem.neo4j_schema.errors import ImplicitTransactionRequired
from tests.fixtures.bolt import Bolt

IMPORT = (
    "UNWIND $data AS row CALL (row) { MERGE (c:Chunk {id: row.id}) "
    "SET c.text = row.text SET c += row.meta } IN TRANSACTIONS OF 1000 ROWS"
)


def test_imported_variables_become_a_with() -> None:
    unbatched = IMPORT.removesuffix(" IN TRANSACTIONS OF 1000 ROWS")
    assert inline(unbatched, explicit=False) == (
        "UNWIND $data AS row WITH row MERGE (c:Chunk {id: row.id}) "
        "SET c.text = row.text SET c += row.meta"
    )
    # batches commit on their own (kgmem.memory.subquery_steps), so they stay as written
    assert inline(IMPORT, explicit=False) == IMPORT


def test_a_leading_with_imports_as_it_is() -> None:
    query = "MATCH (a) CALL { WITH a DETACH DELETE a }"
    assert inline(query, explicit=False) == "MATCH (a) WITH a DETACH DELETE a"


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (a) CALL { WITH a RETURN a.x AS x } RETURN x",  # returns rows
        "CALL { MATCH (a) RETURN a UNION MATCH (b) RETURN b } RETURN 1",
        "MATCH (a) CALL (a) { SET a.x = 1 } RETURN a",  # not the last clause
        "CALL db.labels() YIELD label RETURN label",
        "MATCH (a) RETURN {k: 1} AS m",
    ],
)
def test_other_queries_are_left_as_they_are(query: str) -> None:
    assert inline(query, explicit=False) == query


def test_in_transactions_inside_an_explicit_transaction_is_refused() -> None:
    with pytest.raises(ImplicitTransactionRequired, match="implicit transaction"):
        inline(IMPORT, explicit=True)
    plain = "UNWIND [1] AS i CALL (i) { CREATE (:N {i: i}) }"
    assert inline(plain, explicit=True) == "UNWIND [1] AS i WITH i CREATE (:N {i: i})"


async def test_the_import_writes_every_row(memory: Memory, namespace: str) -> None:
    data = [{"id": i, "text": f"t{i}", "meta": {"source": "s", "n": i}} for i in range(3)]
    result = await memory.cypher(namespace, IMPORT, {"data": data}, mode="write")
    assert result.columns == [] and result.rows == []
    found = await memory.cypher(
        namespace, "MATCH (c:Chunk) RETURN c.id, c.text, c.source, c.n ORDER BY c.id"
    )
    assert found.rows == [[i, f"t{i}", "s", i] for i in range(3)]


async def test_bolt_refuses_it_in_a_managed_transaction_as_neo4j_does(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        with pytest.raises(neo4j.exceptions.DatabaseError) as refused:
            await driver.execute_query(IMPORT, data=[], database_="alpha")
        assert refused.value.code == "Neo.DatabaseError.Statement.ExecutionFailed"
        assert "in an implicit transaction" in (refused.value.message or "")
        async with driver.session(database="alpha") as session:
            await (await session.run(IMPORT, data=[{"id": 1, "text": "x", "meta": {}}])).consume()
        records, _, _ = await driver.execute_query(
            "MATCH (c:Chunk) RETURN count(c) AS n", database_="alpha"
        )
    assert records[0]["n"] == 1
