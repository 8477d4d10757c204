"""Vector indexes over Bolt with the real neo4j driver (the shapes LangChain's
Neo4jVector and neo4j-graphrag send), over REST, on a missing namespace, and across
reopening the store and a namespace backup restored under another name."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import neo4j
import pytest
from neo4j.exceptions import ClientError

from kgmem import Memory
from kgmem.errors import NamespaceNotFound
from kgmem.storage.backups import backup
from tests.fixtures.bolt import Bolt
from tests.storage.test_backup import NewDatabase, opened

CREATE = (
    "CREATE VECTOR INDEX $name IF NOT EXISTS FOR (n:Chunk) ON n.embedding OPTIONS "
    "{indexConfig: {`vector.dimensions`: $dimensions, "
    "`vector.similarity_function`: $similarity}}"
)
ADD = (  # LangChain's Neo4jVector.add_embeddings
    "UNWIND $data AS row MERGE (c:Chunk {id: row.id}) WITH c, row "
    "CALL db.create.setNodeVectorProperty(c, 'embedding', row.embedding) "
    "SET c.text = row.text"
)
UPSERT = (  # neo4j-graphrag's upsert_vectors
    "UNWIND $rows AS row MATCH (n:Chunk) WHERE n.id = row.id "
    "WITH n, row CALL db.create.setNodeVectorProperty(n, $embedding_property, row.embedding) "
    "RETURN n.id AS id"
)
SEARCH = (  # neo4j-graphrag's VectorRetriever
    "CALL db.index.vector.queryNodes($vector_index_name, $top_k, $query_vector) "
    "YIELD node, score WITH node, score LIMIT $top_k RETURN node.text AS text, score"
)
DATA = [
    {"id": "a", "text": "apples", "embedding": [1.0, 0.0, 0.0, 0.0]},
    {"id": "b", "text": "bananas", "embedding": [0.0, 1.0, 0.0, 0.0]},
    {"id": "c", "text": "cherries", "embedding": [0.7, 0.7, 0.0, 0.0]},
]


async def test_libraries_shapes_over_bolt(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        db = {"database_": "alpha"}
        await driver.execute_query(
            "CREATE VECTOR INDEX chunks IF NOT EXISTS FOR (n:Chunk) ON n.embedding OPTIONS "
            "{indexConfig: {`vector.dimensions`: 4, `vector.similarity_function`: 'cosine'}}",
            **db,
        )
        await driver.execute_query(ADD, data=DATA, **db)
        upserted, _, _ = await driver.execute_query(
            UPSERT,
            rows=[{"id": "b", "embedding": [0.0, 0.9, 0.1, 0.0]}],
            embedding_property="embedding",
            **db,
        )
        assert [r["id"] for r in upserted] == ["b"]
        found, _, _ = await driver.execute_query(
            SEARCH, vector_index_name="chunks", top_k=2, query_vector=[1.0, 0.1, 0.0, 0.0], **db
        )
        assert [r["text"] for r in found] == ["apples", "cherries"]
        assert found[0]["score"] > found[1]["score"]
        nodes, _, _ = await driver.execute_query(
            "CALL db.index.vector.queryNodes('chunks', 1, $q) YIELD node, score RETURN node, score",
            q=[0.0, 1.0, 0.0, 0.0],
            **db,
        )
        node = nodes[0]["node"]
        assert isinstance(node, neo4j.graph.Node)
        assert set(node.labels) == {"Chunk"} and node["text"] == "bananas"
        with pytest.raises(ClientError) as caught:
            await driver.execute_query(SEARCH, vector_index_name="nope", top_k=2,
                                       query_vector=[1.0, 0.0, 0.0, 0.0], **db)  # fmt: skip
        assert caught.value.code == "Neo.ClientError.Procedure.ProcedureCallFailed"
        assert "no such vector schema index" in caught.value.message
        with pytest.raises(ClientError) as wrong:
            await driver.execute_query(ADD, data=[{"id": "d", "text": "", "embedding": [1]}], **db)
        assert "dimensions" in wrong.value.message


async def test_rest_queries_with_a_read_key_shape(
    client: httpx.AsyncClient, namespace: str
) -> None:
    url = f"/v1/namespaces/{namespace}/cypher"
    declared = await client.post(url, json={
        "query": CREATE, "mode": "write",
        "params": {"name": "v", "dimensions": 4, "similarity": "euclidean"},
    })  # fmt: skip
    assert declared.status_code == 200, declared.text
    written = await client.post(url, json={"query": ADD, "params": {"data": DATA}, "mode": "write"})
    assert written.status_code == 200, written.text
    read = await client.post(url, json={"query": SEARCH, "params": {
        "vector_index_name": "v", "top_k": 1, "query_vector": [0.0, 1.0, 0.0, 0.0]}})  # fmt: skip
    assert read.status_code == 200, read.text
    assert read.json()["rows"] == [["bananas", 1.0]]
    unknown = await client.post(url, json={"query": SEARCH, "params": {
        "vector_index_name": "w", "top_k": 1, "query_vector": [0.0, 1.0, 0.0, 0.0]}})  # fmt: skip
    assert (unknown.status_code, unknown.json()["code"]) == (422, "procedure_failed")


async def test_vector_procedures_on_a_missing_namespace(memory: Memory) -> None:
    with pytest.raises(NamespaceNotFound):
        await memory.cypher("no_such_ns", "CALL db.index.vector.queryNodes('v', 1, [1.0])")
    with pytest.raises(NamespaceNotFound):
        await memory.cypher(
            "no_such_ns",
            "MATCH (n) CALL db.create.setNodeVectorProperty(n, 'e', [1.0])",
            mode="write",
        )


async def _search(memory: Memory, ns: str) -> list[list[object]]:
    result = await memory.cypher(
        ns, SEARCH, {"vector_index_name": "v", "top_k": 3, "query_vector": [1.0, 0.2, 0, 0]}
    )
    return result.rows


async def test_vector_indexes_survive_reopening_and_a_restore_under_another_name(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    url = await fresh_database()
    memory = await opened(url, tmp_path)
    try:
        await memory.create_namespace("docs")
        params = {"name": "v", "dimensions": 4, "similarity": "cosine"}
        await memory.cypher("docs", CREATE, params, mode="write")
        await memory.cypher("docs", ADD, {"data": DATA}, mode="write")
        before = await _search(memory, "docs")
    finally:
        await memory.close()
    archive = tmp_path / "docs.kgb"
    await asyncio.to_thread(backup.backup, url, archive, namespace="docs")
    await asyncio.to_thread(backup.restore, url, archive, into="copy")
    assert [row[0] for row in before] == ["apples", "cherries", "bananas"]
    reopened = await opened(url, tmp_path)
    try:
        assert await _search(reopened, "docs") == before
        assert await _search(reopened, "copy") == before
        await reopened.cypher(
            "docs",
            "CREATE (:Chunk:Extra {text: 'apricots', embedding: [1, 0.21, 0, 0]})",
            mode="write",
        )
        assert (await _search(reopened, "docs"))[0][0] == "apricots"
    finally:
        await reopened.close()
