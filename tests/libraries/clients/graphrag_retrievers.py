"""neo4j-graphrag on kgmem: its index functions, upsert_vectors and its retrievers."""

from typing import Any

import neo4j
from harness import DIMENSION, DOCUMENTS, QUERY, Report, embed, main, schema
from neo4j_graphrag.embeddings.base import Embedder
from neo4j_graphrag.indexes import create_fulltext_index, create_vector_index, upsert_vectors
from neo4j_graphrag.retrievers import HybridRetriever, VectorRetriever


class StubEmbedder(Embedder):
    """The harness's deterministic embedder behind neo4j-graphrag's interface."""

    def embed_query(self, text: str) -> list[float]:
        return embed(text)


def _driver(config: dict[str, str]) -> neo4j.Driver:
    return neo4j.GraphDatabase.driver(config["uri"], auth=("kgmem", config["key"]))


def _create_indexes(driver: neo4j.Driver, database: str) -> None:
    create_vector_index(
        driver, "gr_vector", label="GrChunk", embedding_property="embedding",
        dimensions=DIMENSION, similarity_fn="cosine", neo4j_database=database,
    )  # fmt: skip
    create_fulltext_index(driver, "gr_text", label="GrChunk", node_properties=["text"],
                          neo4j_database=database)  # fmt: skip


def _create_chunks(driver: neo4j.Driver, database: str) -> list[str]:
    records, _, _ = driver.execute_query(
        "UNWIND $texts AS text CREATE (c:GrChunk {text: text}) RETURN elementId(c) AS id",
        {"texts": list(DOCUMENTS)}, database_=database)  # fmt: skip
    return [record["id"] for record in records]


def _upsert(driver: neo4j.Driver, ids: list[str], database: str) -> None:
    vectors = [embed(text) for text in DOCUMENTS]
    upsert_vectors(driver, ids=ids, embedding_property="embedding", embeddings=vectors,
                   neo4j_database=database)  # fmt: skip


def _hits(retriever: Any, top_k: int) -> list[list[Any]]:
    found = retriever.get_search_results(query_text=QUERY, top_k=top_k)
    return [[record["node"]["text"], record["score"]] for record in found.records]


def indexes(report: Report, config: dict[str, str]) -> None:
    database = config["database"]
    with _driver(config) as driver:
        report.step("create_indexes", lambda: _create_indexes(driver, database))
        report.step("create_indexes_again", lambda: _create_indexes(driver, database))
        report.results["schema"] = report.step("show", lambda: schema(driver, database))


def _embedded_chunks(driver: neo4j.Driver, database: str) -> None:
    rows = [{"text": text, "embedding": embed(text)} for text in DOCUMENTS]
    driver.execute_query(
        "UNWIND $rows AS row CREATE (c:GrChunk {text: row.text}) WITH c, row "
        "CALL db.create.setNodeVectorProperty(c, 'embedding', row.embedding) RETURN count(c) AS n",
        {"rows": rows}, database_=database)  # fmt: skip


def _stored(driver: neo4j.Driver, database: str) -> dict[str, list[float]]:
    records, _, _ = driver.execute_query(
        "MATCH (c:GrChunk) RETURN c.text AS text, c.embedding AS embedding", database_=database
    )
    return {record["text"]: record["embedding"] for record in records}


def upsert(report: Report, config: dict[str, str]) -> None:
    database = config["database"]
    with _driver(config) as driver:
        report.step("create_indexes", lambda: _create_indexes(driver, database))
        ids = report.step("create_chunks", lambda: _create_chunks(driver, database))
        report.step("upsert_vectors", lambda: _upsert(driver, ids, database))
        report.results["stored"] = report.step("read_back", lambda: _stored(driver, database))
        vector = report.step("VectorRetriever", lambda: VectorRetriever(
            driver, "gr_vector", StubEmbedder(), neo4j_database=database))  # fmt: skip
        report.results["vector"] = report.step("vector_search", lambda: _hits(vector, 3))


def vector(report: Report, config: dict[str, str]) -> None:
    database = config["database"]
    with _driver(config) as driver:
        report.step("create_indexes", lambda: _create_indexes(driver, database))
        report.step("embedded_chunks", lambda: _embedded_chunks(driver, database))
        retriever = report.step("VectorRetriever", lambda: VectorRetriever(
            driver, "gr_vector", StubEmbedder(), neo4j_database=database))  # fmt: skip
        report.results["vector"] = report.step("vector_search", lambda: _hits(retriever, 3))


def hybrid(report: Report, config: dict[str, str]) -> None:
    database = config["database"]
    with _driver(config) as driver:
        report.step("create_indexes", lambda: _create_indexes(driver, database))
        report.step("embedded_chunks", lambda: _embedded_chunks(driver, database))
        retriever = report.step("HybridRetriever", lambda: HybridRetriever(
            driver, "gr_vector", "gr_text", StubEmbedder(), neo4j_database=database))  # fmt: skip
        report.results["hybrid"] = report.step("hybrid_search", lambda: _hits(retriever, 6))


if __name__ == "__main__":
    main({"indexes": indexes, "upsert": upsert, "vector": vector, "hybrid": hybrid})
