"""LangChain's Neo4jVector (langchain-neo4j, pinned in requirements/langchain.txt) on kgmem."""

import pytest

from tests.fixtures.libraries import RunLibrary
from tests.libraries.ranking import assert_hybrid_hits, assert_vector_hits, listed

pytestmark = pytest.mark.slow


async def test_from_texts_and_from_existing_index_search_by_the_embedders_similarity(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("langchain", "langchain_vector.py", "vector")
    assert outcome.failure is None, outcome.explain()
    assert_vector_hits(outcome.results["from_texts"], 3)
    assert_vector_hits(outcome.results["from_existing_index"], 3)
    assert outcome.results["node_label"] == "LcChunk"
    assert outcome.results["embedding_dimension"] == 8
    schema = outcome.results["schema"]
    index = listed(schema["indexes"], "lc_vector")
    assert (index["type"], index["entityType"]) == ("VECTOR", "NODE")
    assert (index["labelsOrTypes"], index["properties"]) == (["LcChunk"], ["embedding"])
    (unique,) = [c for c in schema["constraints"] if c["labelsOrTypes"] == ["LcChunk"]]
    assert (unique["type"], unique["properties"]) == ("UNIQUENESS", ["id"])


async def test_hybrid_search_combines_vector_and_fulltext_scores(run_library: RunLibrary) -> None:
    outcome = await run_library("langchain", "langchain_vector.py", "hybrid")
    assert outcome.failure is None, outcome.explain()
    assert_hybrid_hits(outcome.results["from_texts"])
    assert_hybrid_hits(outcome.results["from_existing_index"])
    text = listed(outcome.results["schema"]["indexes"], "lc_hybrid_text")
    assert (text["type"], text["labelsOrTypes"], text["properties"]) == (
        "FULLTEXT", ["LcHybrid"], ["text"])  # fmt: skip
