"""The write statements of neo4j-graphrag, LangChain and neomodel that need CALL
subqueries, IN TRANSACTIONS, dynamic labels and FOREACH, sent as the libraries send
them (neo4j-graphrag's own Neo4jWriter; the others' statements as their sources write
them, with LangChain's retry in auto-commit)."""

import asyncio
from typing import Any

import neo4j
from harness import Report, main

LANGCHAIN_IMPORT = (
    "UNWIND $data AS row CALL (row) { MERGE (c:`Chunk` {id: row.id}) "
    "SET c.`text` = row.text SET c += row.metadata } IN TRANSACTIONS OF 2 ROWS "
)
LANGCHAIN_ENTITIES = (
    "UNWIND $data AS row MERGE (source:`__Entity__` {id: row.id}) "
    "SET source += row.properties WITH source, row SET source:$(row.type) "
    "RETURN distinct 'done' AS result"
)
LANGCHAIN_PRE_DELETE = (
    "MATCH (n:`Chunk`) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS;"
)
NEOMODEL_CLEAR = "MATCH (a) CALL { WITH a DETACH DELETE a } IN TRANSACTIONS OF 5000 rows"
FOREACH = (
    "UNWIND $data AS row MERGE (d:Doc {id: row.id}) "
    "FOREACH (t IN row.tags | MERGE (g:Tag {name: t}))"
)
TMP = "MATCH (n:__KGBuilder__) RETURN n.__tmp_internal_id AS tmp ORDER BY tmp"
WRITTEN = (
    "MATCH (n:__KGBuilder__) RETURN n.text AS text, labels(n) AS labels, "
    "n.vec AS vec, n.other AS other, n.__tmp_internal_id AS tmp ORDER BY text"
)
ENTITIES = "MATCH (e:__Entity__) RETURN e.id AS id, labels(e) AS labels ORDER BY id"

_RETRY_CODES = (
    "Neo.DatabaseError.Statement.ExecutionFailed",
    "Neo.DatabaseError.Transaction.TransactionStartFailed",
)


def _driver(config: dict[str, str]) -> neo4j.Driver:
    return neo4j.GraphDatabase.driver(config["uri"], auth=("kgmem", config["key"]))


def _langchain_query(driver: neo4j.Driver, query: str, params: dict[str, Any], db: str) -> str:
    """LangChain's Neo4jGraph.query: a managed transaction first, auto-commit on the
    errors it recognises. Returns which one answered."""
    try:
        driver.execute_query(query, params, database_=db)
        return "managed"
    except neo4j.exceptions.Neo4jError as error:
        recognised = error.code in _RETRY_CODES and "in an implicit transaction" in (
            error.message or ""
        )
        if not recognised:
            raise
    with driver.session(database=db) as session:
        session.run(query, params).consume()
    return "auto-commit"


def _rows(driver: neo4j.Driver, query: str, db: str) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(query, database_=db)
    return [record.data() for record in records]


def _writer(config: dict[str, str]) -> Any:
    from neo4j_graphrag.experimental.components.kg_writer import Neo4jWriter
    from neo4j_graphrag.experimental.components.types import Neo4jGraph, Neo4jNode

    # the lexical graph's labels: an entity's {label, __Entity__, __KGBuilder__} is past
    # the length of one kgmem composite label (see docs/cypher.md)
    graph = Neo4jGraph(nodes=[
        Neo4jNode(id="1", label="Chunk", properties={"text": "alpha"},
                  embedding_properties={"vec": [1.0, 0.0], "other": [0.5, 0.5]}),
        Neo4jNode(id="2", label="Chunk", properties={"text": "beta"}),
        Neo4jNode(id="3", label="Document", properties={"text": "doc"}),
    ])  # fmt: skip
    with _driver(config) as driver:
        writer = Neo4jWriter(driver, neo4j_database=config["database"])
        return asyncio.run(writer.run(graph)).model_dump()


def _clean(driver: neo4j.Driver, db: str) -> None:
    from neo4j_graphrag.neo4j_queries import db_cleaning_query

    with driver.session(database=db) as session:
        session.run(db_cleaning_query(True, 2)).consume()


def graphrag_writer(report: Report, config: dict[str, str]) -> None:
    db = config["database"]
    report.results["writer"] = report.step("Neo4jWriter.run", lambda: _writer(config))
    with _driver(config) as driver:
        # Neo4jWriter cleans in the driver's default database; its own query, here
        report.results["tmp"] = report.step("tmp", lambda: _rows(driver, TMP, db))
        report.step("db_cleaning", lambda: _clean(driver, db))
        report.results["nodes"] = report.step("read_back", lambda: _rows(driver, WRITTEN, db))


def statements(report: Report, config: dict[str, str]) -> None:
    db = config["database"]
    data = [{"id": i, "text": f"t{i}", "metadata": {"n": i}} for i in range(5)]
    entities = [{"id": "alice", "type": "Person", "properties": {"age": 3}},
                {"id": "acme", "type": "Company", "properties": {}}]  # fmt: skip
    docs = [{"id": 1, "tags": ["a", "b"]}, {"id": 2, "tags": ["b"]}]
    with _driver(config) as driver:
        report.results["import"] = report.step(
            "langchain_import",
            lambda: _langchain_query(driver, LANGCHAIN_IMPORT, {"data": data}, db),
        )
        report.results["chunks"] = report.step("chunks", lambda: _rows(
            driver, "MATCH (c:Chunk) RETURN count(c) AS n, sum(c.n) AS total", db))  # fmt: skip
        report.step("langchain_entities", lambda: _langchain_query(
            driver, LANGCHAIN_ENTITIES, {"data": entities}, db))  # fmt: skip
        report.results["entities"] = report.step("entities", lambda: _rows(driver, ENTITIES, db))
        report.step("foreach", lambda: _langchain_query(driver, FOREACH, {"data": docs}, db))
        report.results["tags"] = report.step("tags", lambda: _rows(
            driver, "MATCH (t:Tag) RETURN t.name AS name ORDER BY name", db))  # fmt: skip
        report.results["pre_delete"] = report.step(
            "langchain_pre_delete", lambda: _langchain_query(driver, LANGCHAIN_PRE_DELETE, {}, db)
        )
        report.results["after_pre_delete"] = report.step("after_pre_delete", lambda: _rows(
            driver, "MATCH (c:Chunk) RETURN count(c) AS n", db))  # fmt: skip
        with driver.session(database=db) as session:
            report.step("neomodel_clear", lambda: session.run(NEOMODEL_CLEAR).consume())
        report.results["after_clear"] = report.step("after_clear", lambda: _rows(
            driver, "MATCH (n) RETURN count(n) AS n", db))  # fmt: skip


if __name__ == "__main__":
    main({"graphrag_writer": graphrag_writer, "statements": statements})
