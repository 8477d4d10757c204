"""LangChain's graph paths (langchain-neo4j, pinned in requirements/langchain.txt) on kgmem:
Neo4jGraph's schema refresh, add_graph_documents, GraphCypherQAChain and the chat
history, each answer compared with what Neo4j gives."""

import pytest

from tests.fixtures.libraries import RunLibrary

pytestmark = pytest.mark.slow


async def test_neo4j_graph_reads_the_schema_and_adds_graph_documents(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("langchain", "langchain_paths.py", "graph")
    assert outcome.failure is None, outcome.explain()
    r = outcome.results
    nodes = {row["id"]: row for row in r["nodes"]}
    assert sorted(nodes) == ["Acme", "Alice", "Bob", "Carol", "Globex", "doc1"]
    assert sorted(nodes["Alice"]["labels"]) == ["Person", "__Entity__"]
    assert sorted(nodes["Acme"]["labels"]) == ["Company", "__Entity__"]
    assert (nodes["Alice"]["age"], nodes["Acme"]["founded"]) == (30, 1990)
    assert nodes["Carol"]["labels"] == ["Person"]
    assert nodes["Globex"]["labels"] == ["Company"]
    assert nodes["doc1"]["labels"] == ["Document"]
    assert [[row["a"], row["type"], row["b"], row["since"]] for row in r["relationships"]] == [
        ["Alice", "KNOWS", "Bob", None], ["Alice", "WORKS_AT", "Acme", 2020],
        ["Carol", "WORKS_AT", "Globex", None], ["doc1", "MENTIONS", "Acme", None],
        ["doc1", "MENTIONS", "Alice", None], ["doc1", "MENTIONS", "Bob", None],
    ]  # fmt: skip
    assert r["query"] == [{"company": "Acme"}]
    structured = r["structured"]
    assert structured["node_props"]["Person"] == ["age", "id"]
    assert structured["node_props"]["Company"] == ["founded", "id"]
    assert structured["node_props"]["Document"] == ["id", "text"]
    assert "__Entity__" not in structured["node_props"]
    assert structured["rel_props"] == {"WORKS_AT": ["since"]}
    for triple in (
        ["Person", "WORKS_AT", "Company"],
        ["Person", "KNOWS", "Person"],
        ["Document", "MENTIONS", "Person"],
        ["Document", "MENTIONS", "Company"],
    ):
        assert triple in structured["relationships"], structured["relationships"]  # fmt: skip
    assert [["__Entity__"], ["id"]] in structured["constraints"]
    assert "Person {" in r["schema"] and "(:Person)-[:WORKS_AT]->(:Company)" in r["schema"]


async def test_graph_cypher_qa_chain_corrects_and_runs_the_generated_cypher(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("langchain", "langchain_paths.py", "qa")
    assert outcome.failure is None, outcome.explain()
    r = outcome.results
    assert ["Person", "ACTED_IN", "Movie"] in r["structured"]["relationships"]
    assert r["structured"]["rel_props"] == {"ACTED_IN": ["role"]}
    answer = r["answer"]
    assert answer["query"] == (
        "MATCH (m:Movie {title: 'Casino'})<-[:ACTED_IN]-(p:Person) "
        "RETURN p.name AS name ORDER BY name"
    )
    assert answer["context"] == [{"name": "Joe Pesci"}, {"name": "Robert De Niro"}]
    assert answer["result"] == "Joe Pesci and Robert De Niro acted in Casino."


async def test_chat_message_history_adds_reads_and_clears(run_library: RunLibrary) -> None:
    outcome = await run_library("langchain", "langchain_paths.py", "history")
    assert outcome.failure is None, outcome.explain()
    r = outcome.results
    assert r["messages"] == [["human", "hi there"], ["ai", "hello, how can I help?"],
                             ["human", "what is kgmem?"]]  # fmt: skip
    assert r["stored"] == [{"last": "what is kgmem?", "role": "human", "created": True}]
    assert r["after_clear"] == []
    assert r["left"] == [{"labels": ["Session"], "n": 1}]
