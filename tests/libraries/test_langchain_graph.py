"""LangChain's Neo4jGraph (langchain-neo4j, pinned in requirements/langchain.txt) on
kgmem: its default schema refresh and add_graph_documents."""

import pytest

from tests.fixtures.libraries import RunLibrary

pytestmark = pytest.mark.slow


async def test_the_default_schema_refresh_names_labels_properties_and_relationships(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("langchain", "langchain_graph.py", "schema")
    assert outcome.failure is None, outcome.explain()
    schema = outcome.results["schema"]
    assert {"Person {age: INTEGER, name: STRING}", "Person {name: STRING, age: INTEGER}"} & set(
        schema.splitlines())  # fmt: skip
    assert "City {name: STRING}" in schema
    assert "KNOWS {since: INTEGER}" in schema
    assert "(:Person)-[:KNOWS]->(:Person)" in schema
    assert "(:Person)-[:LIVES_IN]->(:City)" in schema
    structured = outcome.results["structured"]
    assert structured["metadata"] == {"constraint": [], "index": []}
    assert outcome.results["query"] == [{"name": "Ann"}, {"name": "Bo"}]


async def test_add_graph_documents_merges_with_apoc(run_library: RunLibrary) -> None:
    outcome = await run_library("langchain", "langchain_graph.py", "import")
    assert outcome.failure is None, outcome.explain()
    entities = {(e["id"], tuple(e["labels"])) for e in outcome.results["entities"]}
    assert entities == {("Ann", ("Person",)), ("Oslo", ("City",)), ("Acme", ("Company",))}
    assert outcome.results["links"] == [  # imported twice, merged once
        {"source": "Ann", "type": "LIVES_IN", "props": {"since": 2001}, "target": "Oslo"},
        {"source": "Ann", "type": "WORKS_AT", "props": {}, "target": "Acme"},
    ]
    assert "(:Person)-[:LIVES_IN]->(:City)" in outcome.results["schema"]


async def test_include_source_is_refused_with_a_clear_error(run_library: RunLibrary) -> None:
    """``MERGE (d)-[:MENTIONS]->(node)`` after apoc.merge.node in the same statement: AGE
    runs the statement on the graph as it was when it started, so the pattern would not
    find the merged node; kgmem refuses it rather than writing a dangling link."""
    outcome = await run_library("langchain", "langchain_graph.py", "include_source")
    assert outcome.failure is not None
    assert outcome.failure["step"] == "add_graph_documents"
    assert outcome.failure["code"] == "Neo.ClientError.Statement.SemanticError"
    assert "a pattern cannot use a node that apoc.merge.node made" in outcome.failure["message"]


async def test_add_graph_documents_with_a_base_entity_label(run_library: RunLibrary) -> None:
    outcome = await run_library("langchain", "langchain_graph.py", "base_entity_label")
    assert outcome.failure is None, outcome.explain()
    entities = {(e["id"], tuple(e["labels"])) for e in outcome.results["entities"]}
    assert entities == {("Ann", ("Person", "__Entity__")), ("Oslo", ("City", "__Entity__")),
                        ("Acme", ("Company", "__Entity__"))}  # fmt: skip
    assert [link["type"] for link in outcome.results["links"]] == ["LIVES_IN", "WORKS_AT"]
