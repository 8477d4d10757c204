"""LlamaIndex's Neo4jPropertyGraphStore on kgmem: its constructor with the defaults
(schema refresh through apoc.meta.data / apoc.meta.subGraph / apoc.schema.nodes, the
version check, its constraints and vector index), upsert_nodes of chunks,
upsert_relations (apoc.merge.relationship), get, and the schema read again."""

from typing import Any

import neo4j
from harness import Report, main, rows
from llama_index.core.graph_stores.types import ChunkNode, Relation
from llama_index.graph_stores.neo4j import Neo4jPropertyGraphStore

SEED = "CREATE (:Person {name: 'Ann', age: 31})-[:KNOWS {since: 2001}]->(:Person {name: 'Bo'})"


def _store(config: dict[str, str]) -> Neo4jPropertyGraphStore:
    return Neo4jPropertyGraphStore(username="kgmem", password=config["key"], url=config["uri"],
                                   database=config["database"])  # fmt: skip


def _read(config: dict[str, str], query: str) -> list[dict[str, Any]]:
    with neo4j.GraphDatabase.driver(config["uri"], auth=("kgmem", config["key"])) as driver:
        return rows(driver, query, config["database"])


def _seed(config: dict[str, str]) -> None:
    with neo4j.GraphDatabase.driver(config["uri"], auth=("kgmem", config["key"])) as driver:
        driver.execute_query(SEED, database_=config["database"])


def store(report: Report, config: dict[str, str]) -> None:
    report.step("seed", lambda: _seed(config))
    graph = report.step("Neo4jPropertyGraphStore", lambda: _store(config))
    report.results["node_props"] = graph.structured_schema["node_props"]
    report.results["relationships"] = graph.structured_schema["relationships"]
    report.results["vector_index"] = graph._supports_vector_index
    chunks = [ChunkNode(text="apple banana", id_="c1", properties={"page": 1}),
              ChunkNode(text="cherry", id_="c2")]  # fmt: skip
    report.step("upsert_nodes", lambda: graph.upsert_nodes(chunks))
    relations = [Relation(label="NEXT", source_id="c1", target_id="c2", properties={"w": 1}),
                 Relation(label="NEXT", source_id="c1", target_id="c2", properties={"w": 2}),
                 Relation(label="CITES", source_id="c2", target_id="c3")]  # fmt: skip
    report.step("upsert_relations", lambda: graph.upsert_relations(relations))
    report.results["links"] = report.step("links", lambda: _read(
        config, "MATCH (a:__Node__)-[r]->(b:__Node__) RETURN a.id AS source, type(r) AS type, "
        "r.w AS w, b.id AS target, labels(b) AS labels ORDER BY source"))  # fmt: skip
    found = report.step("get", lambda: graph.get(ids=["c1", "c2"]))
    report.results["got"] = sorted([node.id, node.text] for node in found)
    report.step("refresh_schema", graph.refresh_schema)
    report.results["schema_text"] = report.step("get_schema_str", graph.get_schema_str)
    report.results["constraints"] = report.step("constraints", lambda: _read(
        config, "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type"))  # fmt: skip


if __name__ == "__main__":
    main({"store": store})
