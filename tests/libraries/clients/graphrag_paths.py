"""neo4j-graphrag's knowledge-graph builder and Cypher retrievers on kgmem: Neo4jWriter,
SimpleKGPipeline with a stub LLM of its own interface, VectorCypherRetriever,
HybridCypherRetriever and Text2CypherRetriever."""

import asyncio
import json
import re
from typing import Any

import neo4j
from harness import DIMENSION, DOCUMENTS, QUERY, Report, embed, main
from neo4j_graphrag.embeddings.base import Embedder
from neo4j_graphrag.experimental.components.kg_writer import Neo4jWriter
from neo4j_graphrag.experimental.components.types import (
    Neo4jGraph,
    Neo4jNode,
    Neo4jRelationship,
)
from neo4j_graphrag.experimental.pipeline.kg_builder import SimpleKGPipeline
from neo4j_graphrag.indexes import create_fulltext_index, create_vector_index
from neo4j_graphrag.llm.base import LLMInterface
from neo4j_graphrag.llm.types import LLMResponse
from neo4j_graphrag.retrievers import (
    HybridCypherRetriever,
    Text2CypherRetriever,
    VectorCypherRetriever,
)

TEXT = "Alice works at Acme. Bob works at Acme. Alice knows Bob."
TEXT_2 = "Carol works at Acme. Carol knows Alice."
SCHEMA = {
    "node_types": ["Person", "Company"],
    "relationship_types": ["WORKS_AT", "KNOWS"],
    "patterns": [["Person", "WORKS_AT", "Company"], ["Person", "KNOWS", "Person"]],
}
FACT = re.compile(r"([A-Z][a-z]+) (works at|knows) ([A-Z][a-z]+)")
T2C_CYPHER = (
    "MATCH (p:Person)-[:WORKS_AT]->(c:Company {name: 'Acme'}) RETURN p.name AS name ORDER BY name"
)
RETRIEVAL = (
    "OPTIONAL MATCH (node)-[:MENTIONS]->(e:Entity) WITH node, score, e ORDER BY e.name "
    "RETURN node.text AS text, score, collect(e.name) AS entities"
)


class StubEmbedder(Embedder):
    """The harness's deterministic embedder behind neo4j-graphrag's interface."""

    def embed_query(self, text: str) -> list[float]:
        return embed(text)


def extraction(text: str) -> dict[str, Any]:
    """The stub LLM's graph of ``text``: "X works at Y" makes a Person, a Company and
    WORKS_AT; "X knows Y" two Persons and KNOWS."""
    ids: dict[str, str] = {}
    labels: dict[str, str] = {}
    relationships = []
    for start, verb, end in FACT.findall(text):
        labels.setdefault(start, "Person")
        labels[end] = "Company" if verb == "works at" else labels.get(end, "Person")
        for name in (start, end):
            ids.setdefault(name, str(len(ids)))
        relationships.append({"type": "WORKS_AT" if verb == "works at" else "KNOWS",
                              "start_node_id": ids[start], "end_node_id": ids[end],
                              "properties": {}})  # fmt: skip
    nodes = [{"id": ids[name], "label": labels[name], "properties": {"name": name}}
             for name in ids]  # fmt: skip
    return {"nodes": nodes, "relationships": relationships}


class StubLLM(LLMInterface):
    """Answers the entity-extraction prompt with ``extraction`` of its input text and
    any other prompt (Text2Cypher's) with a fixed Cypher statement."""

    def __init__(self, cypher: str = T2C_CYPHER) -> None:
        super().__init__(model_name="stub")
        self.cypher = cypher
        self.prompts: list[str] = []

    def invoke(self, input: str, message_history: Any = None,
               system_instruction: Any = None) -> LLMResponse:  # fmt: skip
        self.prompts.append(input)
        if "Input text:" in input:
            text = input.rsplit("Input text:", maxsplit=1)[-1]
            return LLMResponse(content=json.dumps(extraction(text)))
        return LLMResponse(content=self.cypher)

    async def ainvoke(self, input: str, message_history: Any = None,
                      system_instruction: Any = None) -> LLMResponse:  # fmt: skip
        return self.invoke(input, message_history, system_instruction)


def _driver(config: dict[str, str]) -> neo4j.Driver:
    return neo4j.GraphDatabase.driver(config["uri"], auth=("kgmem", config["key"]))


def _rows(driver: neo4j.Driver, query: str, database: str) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(query, database_=database)
    return [record.data() for record in records]


def _graph() -> Neo4jGraph:
    nodes = [
        Neo4jNode(id="a", label="Person", properties={"name": "Alice"},
                  embedding_properties={"embedding": embed("apple banana")}),
        Neo4jNode(id="b", label="Person", properties={"name": "Bob"}),
        Neo4jNode(id="c", label="Company", properties={"name": "Acme", "founded": 1990}),
    ]  # fmt: skip
    relationships = [
        Neo4jRelationship(start_node_id="a", end_node_id="c", type="WORKS_AT",
                          properties={"since": 2020},
                          embedding_properties={"embedding": embed("cherry")}),
        Neo4jRelationship(start_node_id="a", end_node_id="b", type="KNOWS"),
    ]  # fmt: skip
    return Neo4jGraph(nodes=nodes, relationships=relationships)


def _written(driver: neo4j.Driver, database: str) -> dict[str, Any]:
    return {
        "nodes": _rows(driver, "MATCH (n) RETURN n.name AS name, labels(n) AS labels, "
                       "n.founded AS founded, n.embedding AS embedding, "
                       "n.__tmp_internal_id AS tmp ORDER BY name", database),
        "relationships": _rows(driver, "MATCH (a)-[r]->(b) RETURN a.name AS a, type(r) AS type, "
                               "b.name AS b, r.since AS since, r.embedding AS embedding "
                               "ORDER BY a, type", database),
    }  # fmt: skip


def writer(report: Report, config: dict[str, str]) -> None:
    database = config["database"]
    with _driver(config) as driver:
        kg = report.step("Neo4jWriter", lambda: Neo4jWriter(driver, neo4j_database=database))
        written = report.step("run", lambda: asyncio.run(kg.run(_graph())))
        report.results["status"] = [written.status, written.metadata]
        if written.status != "SUCCESS":
            report.step("run_status", lambda: _raise(written.metadata))
        report.results["written"] = report.step("read_back", lambda: _written(driver, database))


def _raise(metadata: Any) -> None:
    raise RuntimeError(f"Neo4jWriter answered FAILURE: {metadata}")


def pipeline(report: Report, config: dict[str, str]) -> None:
    database = config["database"]
    llm = StubLLM()
    with _driver(config) as driver:
        # entity resolution on (the default): after the second text, the resolver merges
        # the entities both texts name (apoc.refactor.mergeNodes)
        kg = report.step("SimpleKGPipeline", lambda: SimpleKGPipeline(
            llm=llm, driver=driver, embedder=StubEmbedder(), schema=SCHEMA, from_pdf=False,
            neo4j_database=database))  # fmt: skip
        done = report.step("run_async", lambda: asyncio.run(kg.run_async(text=TEXT)))
        again = report.step("run_async_again", lambda: asyncio.run(kg.run_async(text=TEXT_2)))
        # the pipeline answers its last component's result: the resolver's, which runs
        # only once the writer has written
        report.results["resolver"] = [(r.result or {}).get("resolver") for r in (done, again)]
        report.results["prompts"] = len(llm.prompts)
        report.results["labels"] = report.step("labels", lambda: _rows(driver,
            "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n ORDER BY label",
            database))  # fmt: skip
        report.results["entities"] = report.step("entities", lambda: _rows(driver,
            "MATCH (n:__Entity__) RETURN n.name AS name, [l IN labels(n) WHERE l <> '__Entity__'] "
            "AS labels ORDER BY name", database))  # fmt: skip
        report.results["facts"] = report.step("facts", lambda: _rows(driver,
            "MATCH (a:__Entity__)-[r]->(b:__Entity__) RETURN a.name AS a, type(r) AS type, "
            "b.name AS b ORDER BY a, type, b", database))  # fmt: skip
        report.results["chunks"] = report.step("chunks", lambda: _rows(driver,
            "MATCH (c:Chunk) OPTIONAL MATCH (e:__Entity__)-[:FROM_CHUNK]->(c) "
            "WITH c, e ORDER BY e.name RETURN c.text AS text, c.embedding AS embedding, "
            "collect(e.name) AS entities ORDER BY text", database))  # fmt: skip


def _seed(driver: neo4j.Driver, database: str) -> None:
    create_vector_index(driver, "grp_vector", label="GrpChunk", embedding_property="embedding",
                        dimensions=DIMENSION, similarity_fn="cosine",
                        neo4j_database=database)  # fmt: skip
    create_fulltext_index(driver, "grp_text", label="GrpChunk", node_properties=["text"],
                          neo4j_database=database)  # fmt: skip
    rows = [{"text": text, "embedding": embed(text),
             "entities": sorted({word.capitalize() for word in text.split()})}
            for text in DOCUMENTS]  # fmt: skip
    driver.execute_query(
        "UNWIND $rows AS row CREATE (c:GrpChunk {text: row.text}) WITH c, row "
        "CALL db.create.setNodeVectorProperty(c, 'embedding', row.embedding) RETURN count(c) AS n",
        {"rows": rows}, database_=database)  # fmt: skip
    driver.execute_query(
        "UNWIND $rows AS row MATCH (c:GrpChunk {text: row.text}) "
        "UNWIND row.entities AS name MERGE (e:Entity {name: name}) CREATE (c)-[:MENTIONS]->(e)",
        {"rows": rows}, database_=database)  # fmt: skip


def _items(retriever: Any, top_k: int) -> list[dict[str, Any]]:
    found = retriever.get_search_results(query_text=QUERY, top_k=top_k)
    return [record.data() for record in found.records]


def cypher_retrievers(report: Report, config: dict[str, str]) -> None:
    database = config["database"]
    with _driver(config) as driver:
        report.step("seed", lambda: _seed(driver, database))
        vector = report.step("VectorCypherRetriever", lambda: VectorCypherRetriever(
            driver, "grp_vector", RETRIEVAL, StubEmbedder(), neo4j_database=database))  # fmt: skip
        report.results["vector"] = report.step("vector_search", lambda: _items(vector, 3))
        hybrid = report.step("HybridCypherRetriever", lambda: HybridCypherRetriever(
            driver, "grp_vector", "grp_text", RETRIEVAL, StubEmbedder(),
            neo4j_database=database))  # fmt: skip
        report.results["hybrid"] = report.step("hybrid_search", lambda: _items(hybrid, 6))


def text2cypher(report: Report, config: dict[str, str]) -> None:
    database = config["database"]
    with _driver(config) as driver:
        report.step("seed", lambda: driver.execute_query(
            "CREATE (a:Company {name: 'Acme'}) CREATE (:Person {name: 'Alice'})-[:WORKS_AT]->(a) "
            "CREATE (:Person {name: 'Bob'})-[:WORKS_AT]->(a)", database_=database))  # fmt: skip
        llm = StubLLM()
        retriever = report.step("Text2CypherRetriever", lambda: Text2CypherRetriever(
            driver, llm, neo4j_database=database))  # fmt: skip
        report.results["schema"] = retriever.neo4j_schema
        found = report.step("search", lambda: retriever.search(query_text="Who works at Acme?"))
        report.results["items"] = [item.content for item in found.items]
        report.results["cypher"] = found.metadata.get("cypher") if found.metadata else None
        writes = StubLLM("CREATE (:Person {name: 'Mallory'}) RETURN 1 AS one")
        refusing = Text2CypherRetriever(driver, writes, neo4j_schema="Person",
                                        neo4j_database=database)  # fmt: skip
        report.results["write_refused"] = report.step("write_refused", lambda: _refused(refusing))
        report.results["mallory"] = report.step(
            "mallory",
            lambda: _rows(
                driver, "MATCH (p:Person {name: 'Mallory'}) RETURN count(p) AS n", database
            ),
        )


def _refused(retriever: Text2CypherRetriever) -> str:
    try:
        retriever.search(query_text="Add Mallory")
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return "ran"


if __name__ == "__main__":
    main({"writer": writer, "pipeline": pipeline, "cypher_retrievers": cypher_retrievers,
          "text2cypher": text2cypher})  # fmt: skip
