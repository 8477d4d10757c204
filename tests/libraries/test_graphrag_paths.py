"""neo4j-graphrag's KG builder and Cypher retrievers (pinned in requirements/graphrag.txt)
on kgmem, each answer compared with what Neo4j gives."""

from typing import Any

import pytest

from tests.fixtures.libraries import RunLibrary
from tests.libraries.clients.harness import embed
from tests.libraries.ranking import assert_hybrid_hits, assert_vector_hits

pytestmark = pytest.mark.slow

TEXT = "Alice works at Acme. Bob works at Acme. Alice knows Bob."
TEXT_2 = "Carol works at Acme. Carol knows Alice."


def _by_score(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: -item["score"])


def _entities(text: str) -> list[str]:
    return sorted({word.capitalize() for word in text.split()})


async def test_neo4j_writer_writes_nodes_relationships_and_their_vectors(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("graphrag", "graphrag_paths.py", "writer")
    assert outcome.failure is None, outcome.explain()
    written = outcome.results["written"]
    acme, alice, bob = written["nodes"]
    assert (acme["name"], sorted(acme["labels"]), acme["founded"]) == (
        "Acme", ["Company", "__Entity__", "__KGBuilder__"], 1990)  # fmt: skip
    assert (alice["name"], sorted(alice["labels"])) == (
        "Alice", ["Person", "__Entity__", "__KGBuilder__"])  # fmt: skip
    assert alice["embedding"] == pytest.approx(embed("apple banana"))
    assert (bob["name"], bob["embedding"]) == ("Bob", None)
    # the writer's cleaning opens a session naming no database, so on Neo4j as here it
    # runs on the key's home database and leaves these in a database named per call
    assert [node["tmp"] for node in written["nodes"]] == ["c", "a", "b"]
    knows, works_at = written["relationships"]
    assert (knows["a"], knows["type"], knows["b"], knows["since"]) == (
        "Alice",
        "KNOWS",
        "Bob",
        None,
    )
    assert (works_at["a"], works_at["type"], works_at["b"], works_at["since"]) == (
        "Alice", "WORKS_AT", "Acme", 2020)  # fmt: skip
    assert works_at["embedding"] == pytest.approx(embed("cherry"))


async def test_simple_kg_pipeline_writes_the_lexical_and_the_entity_graph(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("graphrag", "graphrag_paths.py", "pipeline")
    assert outcome.failure is None, outcome.explain()
    r = outcome.results
    assert r["prompts"] == 2
    assert {"label": "Chunk", "n": 2} in r["labels"]
    # the second text names Alice and Acme again: the resolver merged them (6 -> 4)
    assert r["resolver"] == [
        {"number_of_nodes_to_resolve": 3, "number_of_created_nodes": 3},
        {"number_of_nodes_to_resolve": 6, "number_of_created_nodes": 4},
    ]
    assert [[e["name"], sorted(set(e["labels"]) - {"__KGBuilder__"})] for e in r["entities"]] == [
        ["Acme", ["Company"]], ["Alice", ["Person"]], ["Bob", ["Person"]],
        ["Carol", ["Person"]]]  # fmt: skip
    assert [[f["a"], f["type"], f["b"]] for f in r["facts"]] == [
        ["Alice", "KNOWS", "Bob"],
        ["Alice", "WORKS_AT", "Acme"],
        ["Bob", "WORKS_AT", "Acme"],
        ["Carol", "KNOWS", "Alice"],
        ["Carol", "WORKS_AT", "Acme"],
    ]
    first, second = r["chunks"]
    assert first["text"] == TEXT
    assert first["embedding"] == pytest.approx(embed(TEXT))
    assert first["entities"] == ["Acme", "Alice", "Bob"]
    # the merged Alice and Acme keep the relationships to both texts' chunks
    assert second["entities"] == ["Acme", "Alice", "Carol"]


async def test_vector_and_hybrid_cypher_retrievers_run_the_retrieval_query(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("graphrag", "graphrag_paths.py", "cypher_retrievers")
    assert outcome.failure is None, outcome.explain()
    vector = _by_score(outcome.results["vector"])
    assert_vector_hits([[item["text"], item["score"]] for item in vector], 3)
    for item in vector:
        assert item["entities"] == _entities(item["text"])
    hybrid = _by_score(outcome.results["hybrid"])
    assert_hybrid_hits([[item["text"], item["score"]] for item in hybrid])
    for item in hybrid:
        # collect() after WITH ... ORDER BY may lose that order when PostgreSQL sorts
        # the groups again (docs/cypher.md, limits): the same entities, in some order
        assert sorted(item["entities"]) == _entities(item["text"])


async def test_text2cypher_runs_the_generated_read_and_refuses_a_write(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("graphrag", "graphrag_paths.py", "text2cypher")
    assert outcome.failure is None, outcome.explain()
    r = outcome.results
    # the retriever reads the schema with get_schema(driver), naming no database: on
    # Neo4j as here that is the key's home database, not the one named per call, so the
    # schema (apoc.meta.data answered) lists nothing of this test's graph
    assert r["schema"].startswith("Node properties:") and "Person" not in r["schema"]
    assert r["items"] == ["<Record name='Alice'>", "<Record name='Bob'>"]
    assert r["write_refused"].startswith("Text2CypherRetrievalError: Refusing to execute")
    assert r["mallory"] == [{"n": 0}]
