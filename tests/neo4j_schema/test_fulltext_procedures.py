"""The ``db.index.fulltext.*`` procedures in the store's registry, called through Cypher
and over Bolt with the real neo4j driver."""

from __future__ import annotations

import asyncpg
import neo4j
import pytest

from kgmem import Memory
from kgmem.errors import CypherError
from tests.fixtures.bolt import Bolt
from tests.neo4j_schema.fulltext_support import StoreReader, create, index


async def test_query_nodes_yields_graph_ids_and_scores_best_first(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    rows = await memory.cypher(
        namespace,
        "CREATE (a:Doc {text: 'red fox'}), (b:Doc {text: 'red red fox fox'}) RETURN id(a), id(b)",
        mode="write",
    )
    await create(raw_conn, namespace, index("docs", ["Doc"], ["text"]))
    procedure = memory.procedures.find("db.index.fulltext.queryNodes")
    assert procedure is not None
    assert procedure.signature == (
        "db.index.fulltext.queryNodes(indexName :: STRING, queryString :: STRING, "
        "options = {} :: MAP) :: (node :: NODE, score :: FLOAT)"
    )
    args = {"indexName": "docs", "queryString": "fox", "options": {"limit": 1}}
    found = list(await procedure.body(StoreReader(memory, namespace), args))
    assert [row[0] for row in found] == [int(rows.rows[0][1])]  # type: ignore[index, call-overload]
    assert found[0][1] > 0  # type: ignore[index]


async def test_analyzers_are_listed_through_cypher(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace, "CALL db.index.fulltext.listAvailableAnalyzers() YIELD analyzer RETURN analyzer"
    )
    names = {row[0] for row in result.rows}
    assert {"standard-no-stop-words", "standard", "english", "simple", "french"} <= names


async def test_a_parse_error_is_a_procedure_error_naming_lucene(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.cypher(namespace, "CREATE (:Doc {text: 'x'})", mode="write")
    await create(raw_conn, namespace, index("docs", ["Doc"], ["text"]))
    with pytest.raises(CypherError, match="ParseException"):
        await memory.cypher(
            namespace, "CALL db.index.fulltext.queryNodes('docs', 'a AND') YIELD score RETURN score"
        )


async def test_bolt_lists_the_analyzers_and_refuses_a_bad_query(bolt: Bolt) -> None:
    async with bolt.driver(bolt.reader) as driver:
        records, _, _ = await driver.execute_query(
            "CALL db.index.fulltext.listAvailableAnalyzers()", database_="alpha"
        )
        assert "english" in {r["analyzer"] for r in records}
        with pytest.raises(neo4j.exceptions.ClientError) as caught:
            await driver.execute_query(
                "CALL db.index.fulltext.queryNodes('missing', 'x')", database_="alpha"
            )
        assert caught.value.code == "Neo.ClientError.Procedure.ProcedureCallFailed"
