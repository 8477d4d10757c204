"""LangChain's graph paths on kgmem: Neo4jGraph with its schema refresh,
add_graph_documents, GraphCypherQAChain with a fixed-answer LLM, and the chat history."""

from typing import Any

import neo4j
from harness import Report, main
from langchain_core.documents import Document
from langchain_core.language_models.fake import FakeListLLM
from langchain_neo4j import GraphCypherQAChain, Neo4jChatMessageHistory, Neo4jGraph
from langchain_neo4j.graphs.graph_document import GraphDocument, Node, Relationship

# The Cypher the fake LLM "generates": the relationship's direction is wrong on purpose,
# so validate_cypher's corrector must turn it around from the schema it read.
GENERATED = (
    "MATCH (m:Movie {title: 'Casino'})-[:ACTED_IN]->(p:Person) RETURN p.name AS name ORDER BY name"
)
CORRECTED = (
    "MATCH (m:Movie {title: 'Casino'})<-[:ACTED_IN]-(p:Person) RETURN p.name AS name ORDER BY name"
)
ANSWER = "Joe Pesci and Robert De Niro acted in Casino."
SEED = (
    "CREATE (c:Movie {title: 'Casino', released: 1995}) "
    "CREATE (:Person {name: 'Robert De Niro', born: 1943})-[:ACTED_IN {role: 'Ace'}]->(c) "
    "CREATE (:Person {name: 'Joe Pesci', born: 1943})-[:ACTED_IN {role: 'Nicky'}]->(c)"
)


def _connection(config: dict[str, str]) -> dict[str, Any]:
    return {"url": config["uri"], "username": "kgmem", "password": config["key"],
            "database": config["database"]}  # fmt: skip


def _rows(config: dict[str, str], query: str) -> list[dict[str, Any]]:
    with neo4j.GraphDatabase.driver(config["uri"], auth=("kgmem", config["key"])) as driver:
        records, _, _ = driver.execute_query(query, database_=config["database"])
        return [record.data() for record in records]


def _structured(graph: Neo4jGraph) -> dict[str, Any]:
    schema = graph.get_structured_schema
    return {
        "node_props": {label: sorted(p["property"] for p in props)
                       for label, props in schema.get("node_props", {}).items()},
        "rel_props": {rel: sorted(p["property"] for p in props)
                      for rel, props in schema.get("rel_props", {}).items()},
        "relationships": sorted([r["start"], r["type"], r["end"]]
                                for r in schema.get("relationships", [])),
        "constraints": [[c.get("labelsOrTypes"), c.get("properties")]
                        for c in schema.get("metadata", {}).get("constraint", [])],
    }  # fmt: skip


def _documents() -> tuple[GraphDocument, GraphDocument]:
    alice, bob = (
        Node(id="Alice", type="Person", properties={"age": 30}),
        Node(id="Bob", type="Person"),
    )
    acme = Node(id="Acme", type="Company", properties={"founded": 1990})
    first = GraphDocument(
        nodes=[alice, bob, acme],
        relationships=[Relationship(source=alice, target=acme, type="works at",
                                    properties={"since": 2020}),
                       Relationship(source=alice, target=bob, type="KNOWS")],
        source=Document(page_content="Alice works at Acme and knows Bob.",
                        metadata={"id": "doc1"}),
    )  # fmt: skip
    carol, globex = Node(id="Carol", type="Person"), Node(id="Globex", type="Company")
    second = GraphDocument(
        nodes=[carol, globex],
        relationships=[Relationship(source=carol, target=globex, type="WORKS_AT")],
    )
    return first, second


def graph(report: Report, config: dict[str, str]) -> None:
    r = report.results
    store = report.step("Neo4jGraph", lambda: Neo4jGraph(**_connection(config)))
    r["empty_schema"] = store.get_schema
    first, second = _documents()
    report.step("add_graph_documents_base_entity", lambda: store.add_graph_documents(
        [first], include_source=True, baseEntityLabel=True))  # fmt: skip
    report.step("add_graph_documents_plain", lambda: store.add_graph_documents([second]))
    report.step("refresh_schema", store.refresh_schema)
    r["schema"] = store.get_schema
    r["structured"] = _structured(store)
    r["nodes"] = report.step("nodes", lambda: _rows(config,
        "MATCH (n) WHERE n.id IS NOT NULL RETURN n.id AS id, labels(n) AS labels, "
        "n.age AS age, n.founded AS founded ORDER BY id"))  # fmt: skip
    r["relationships"] = report.step("relationships", lambda: _rows(config,
        "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS type, b.id AS b, r.since AS since "
        "ORDER BY a, type, b"))  # fmt: skip
    r["query"] = report.step(
        "query",
        lambda: store.query(
            "MATCH (p:Person {id: $id})-[:WORKS_AT]->(c) RETURN c.id AS company", {"id": "Alice"}
        ),
    )
    store.close()


def qa(report: Report, config: dict[str, str]) -> None:
    report.step("seed", lambda: _rows(config, SEED))
    store = report.step("Neo4jGraph", lambda: Neo4jGraph(**_connection(config)))
    report.results["structured"] = _structured(store)
    llm = FakeListLLM(responses=[GENERATED, ANSWER])
    chain = report.step("GraphCypherQAChain", lambda: GraphCypherQAChain.from_llm(
        llm, graph=store, validate_cypher=True, allow_dangerous_requests=True,
        return_intermediate_steps=True))  # fmt: skip
    answer = report.step("invoke", lambda: chain.invoke({"query": "Who acted in Casino?"}))
    steps = answer["intermediate_steps"]
    report.results["answer"] = {"result": answer["result"], "query": steps[0]["query"],
                                "context": steps[1]["context"]}  # fmt: skip
    store.close()


def _messages(history: Neo4jChatMessageHistory) -> list[list[str]]:
    return [[message.type, str(message.content)] for message in history.messages]


def history(report: Report, config: dict[str, str]) -> None:
    r = report.results
    chat = report.step("Neo4jChatMessageHistory", lambda: Neo4jChatMessageHistory(
        "session-1", **_connection(config)))  # fmt: skip
    report.step("add_user_message", lambda: chat.add_user_message("hi there"))
    report.step("add_ai_message", lambda: chat.add_ai_message("hello, how can I help?"))
    report.step("add_user_message_again", lambda: chat.add_user_message("what is kgmem?"))
    r["messages"] = report.step("messages", lambda: _messages(chat))
    r["stored"] = report.step(
        "stored",
        lambda: _rows(
            config,
            "MATCH (s:Session {id: 'session-1'})-[:LAST_MESSAGE]->(m:Message) "
            "RETURN m.content AS last, m.role AS role, s.createdAt IS NOT NULL AS created",
        ),
    )
    report.step("clear", chat.clear)
    r["after_clear"] = report.step("messages_after_clear", lambda: _messages(chat))
    r["left"] = report.step("left", lambda: _rows(config,
        "MATCH (n) RETURN labels(n) AS labels, count(*) AS n ORDER BY n"))  # fmt: skip


if __name__ == "__main__":
    main({"graph": graph, "qa": qa, "history": history})
