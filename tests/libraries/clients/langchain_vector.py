"""LangChain's Neo4jVector on kgmem: from_texts, from_existing_index, hybrid search."""

from typing import Any

import neo4j
from harness import DOCUMENTS, QUERY, Report, embed, main, schema
from langchain_core.embeddings import Embeddings
from langchain_neo4j import Neo4jVector


class StubEmbeddings(Embeddings):
    """The harness's deterministic embedder behind LangChain's interface."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return embed(text)


def _connection(config: dict[str, str]) -> dict[str, Any]:
    return {"url": config["uri"], "username": "kgmem", "password": config["key"],
            "database": config["database"]}  # fmt: skip


def _hits(store: Neo4jVector, k: int) -> list[list[Any]]:
    found = store.similarity_search_with_score(QUERY, k=k)
    return [[doc.page_content, score] for doc, score in found]


def _schema(config: dict[str, str]) -> dict[str, Any]:
    with neo4j.GraphDatabase.driver(config["uri"], auth=("kgmem", config["key"])) as driver:
        return schema(driver, config["database"])


def vector(report: Report, config: dict[str, str]) -> None:
    names = {"index_name": "lc_vector", "node_label": "LcChunk"}
    store = report.step("from_texts", lambda: Neo4jVector.from_texts(
        list(DOCUMENTS), StubEmbeddings(), **names, **_connection(config)))  # fmt: skip
    report.results["from_texts"] = report.step("similarity_search", lambda: _hits(store, 3))
    existing = report.step("from_existing_index", lambda: Neo4jVector.from_existing_index(
        StubEmbeddings(), index_name="lc_vector", **_connection(config)))  # fmt: skip
    report.results["node_label"] = existing.node_label
    report.results["embedding_dimension"] = existing.embedding_dimension
    report.results["from_existing_index"] = report.step(
        "similarity_search_existing", lambda: _hits(existing, 3)
    )
    report.results["schema"] = report.step("show", lambda: _schema(config))


def hybrid(report: Report, config: dict[str, str]) -> None:
    names = {"index_name": "lc_hybrid_vector", "keyword_index_name": "lc_hybrid_text",
             "node_label": "LcHybrid", "search_type": "hybrid"}  # fmt: skip
    store = report.step("from_texts_hybrid", lambda: Neo4jVector.from_texts(
        list(DOCUMENTS), StubEmbeddings(), **names, **_connection(config)))  # fmt: skip
    report.results["from_texts"] = report.step("hybrid_search", lambda: _hits(store, 6))
    existing = report.step("from_existing_index_hybrid", lambda: Neo4jVector.from_existing_index(
        StubEmbeddings(), index_name="lc_hybrid_vector", keyword_index_name="lc_hybrid_text",
        search_type="hybrid", **_connection(config)))  # fmt: skip
    report.results["from_existing_index"] = report.step(
        "hybrid_search_existing", lambda: _hits(existing, 6)
    )
    report.results["schema"] = report.step("show", lambda: _schema(config))


if __name__ == "__main__":
    main({"vector": vector, "hybrid": hybrid})
