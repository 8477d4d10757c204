"""LangChain's Neo4jGraph on kgmem: the default schema refresh (apoc.meta.data,
SHOW CONSTRAINTS, apoc.schema.nodes), add_graph_documents with and without
baseEntityLabel (apoc.merge.node / apoc.merge.relationship, or MERGE and a dynamic
label), with the source document."""

from typing import Any

import neo4j
from harness import Report, main, rows
from langchain_core.documents import Document
from langchain_neo4j import Neo4jGraph
from langchain_neo4j.graphs.graph_document import GraphDocument
from langchain_neo4j.graphs.graph_document import Node as GNode
from langchain_neo4j.graphs.graph_document import Relationship as GRel

SEED = (
    "CREATE (a:Person {name: 'Ann', age: 31})-[:KNOWS {since: 2001}]->(b:Person {name: 'Bo'}), "
    "(a)-[:LIVES_IN]->(:City {name: 'Oslo'})"
)
ENTITIES = "MATCH (n) WHERE n.id IS NOT NULL RETURN n.id AS id, labels(n) AS labels ORDER BY id"
LINKS = (
    "MATCH (a)-[r]->(b) WHERE a.id IS NOT NULL AND b.id IS NOT NULL "
    "RETURN a.id AS source, type(r) AS type, properties(r) AS props, b.id AS target "
    "ORDER BY source, type, target"
)


def _graph(config: dict[str, str], **options: Any) -> Neo4jGraph:
    return Neo4jGraph(url=config["uri"], username="kgmem", password=config["key"],
                      database=config["database"], **options)  # fmt: skip


def _document(source: str) -> GraphDocument:
    ann, oslo = (
        GNode(id="Ann", type="Person", properties={"age": 31}),
        GNode(id="Oslo", type="City"),
    )
    acme = GNode(id="Acme", type="Company")
    return GraphDocument(
        nodes=[ann, oslo, acme],
        relationships=[GRel(source=ann, target=oslo, type="LIVES_IN", properties={"since": 2001}),
                       GRel(source=ann, target=acme, type="WORKS_AT")],
        source=Document(page_content=source, metadata={"id": source}),
    )  # fmt: skip


def _seed(config: dict[str, str]) -> None:
    with neo4j.GraphDatabase.driver(config["uri"], auth=("kgmem", config["key"])) as driver:
        driver.execute_query(SEED, database_=config["database"])


def _read(config: dict[str, str], query: str) -> list[dict[str, Any]]:
    with neo4j.GraphDatabase.driver(config["uri"], auth=("kgmem", config["key"])) as driver:
        return rows(driver, query, config["database"])


def schema(report: Report, config: dict[str, str]) -> None:
    report.step("seed", lambda: _seed(config))
    graph = report.step("Neo4jGraph", lambda: _graph(config))
    report.results["schema"] = graph.get_schema
    report.results["structured"] = graph.get_structured_schema
    report.step("refresh_schema", graph.refresh_schema)
    report.results["query"] = report.step(
        "query", lambda: graph.query("MATCH (p:Person) RETURN p.name AS name ORDER BY name")
    )


def import_documents(report: Report, config: dict[str, str]) -> None:
    graph = report.step("Neo4jGraph", lambda: _graph(config))
    report.step("add_graph_documents", lambda: graph.add_graph_documents([_document("d1")]))
    report.step("again", lambda: graph.add_graph_documents([_document("d1")]))
    report.results["entities"] = report.step("entities", lambda: _read(config, ENTITIES))
    report.results["links"] = report.step("links", lambda: _read(config, LINKS))
    report.step("refresh_schema", graph.refresh_schema)
    report.results["schema"] = graph.get_schema


def include_source(report: Report, config: dict[str, str]) -> None:
    graph = report.step("Neo4jGraph", lambda: _graph(config))
    report.step("add_graph_documents", lambda: graph.add_graph_documents(
        [_document("d2")], include_source=True))  # fmt: skip


def base_entity_label(report: Report, config: dict[str, str]) -> None:
    graph = report.step("Neo4jGraph", lambda: _graph(config))
    report.step("add_graph_documents", lambda: graph.add_graph_documents(
        [_document("d1")], baseEntityLabel=True))  # fmt: skip
    report.results["entities"] = report.step("entities", lambda: _read(config, ENTITIES))
    report.results["links"] = report.step("links", lambda: _read(config, LINKS))


if __name__ == "__main__":
    main({"schema": schema, "import": import_documents, "include_source": include_source,
          "base_entity_label": base_entity_label})  # fmt: skip
