"""neo4j-graphrag (pinned in requirements/graphrag.txt) on kgmem: its index functions,
upsert_vectors, VectorRetriever and HybridRetriever."""

import pytest

from tests.fixtures.libraries import RunLibrary
from tests.libraries.clients.harness import DOCUMENTS, embed
from tests.libraries.ranking import assert_hybrid_hits, assert_vector_hits, listed

pytestmark = pytest.mark.slow


async def test_create_vector_and_fulltext_index_are_listed_and_idempotent(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("graphrag", "graphrag_retrievers.py", "indexes")
    assert outcome.failure is None, outcome.explain()
    indexes = outcome.results["schema"]["indexes"]
    vector, text = listed(indexes, "gr_vector"), listed(indexes, "gr_text")
    columns = ("type", "entityType", "labelsOrTypes", "properties")
    assert [vector[c] for c in columns] == ["VECTOR", "NODE", ["GrChunk"], ["embedding"]]
    assert [text[c] for c in columns] == ["FULLTEXT", "NODE", ["GrChunk"], ["text"]]
    assert [row["name"] for row in indexes].count("gr_vector") == 1


async def test_upsert_vectors_stores_each_vector_on_the_node_its_element_id_names(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("graphrag", "graphrag_retrievers.py", "upsert")
    assert outcome.failure is None, outcome.explain()
    stored = outcome.results["stored"]
    assert stored == {text: pytest.approx(embed(text)) for text in DOCUMENTS}
    assert_vector_hits(outcome.results["vector"], 3)


async def test_vector_retriever_answers_by_the_embedders_similarity(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("graphrag", "graphrag_retrievers.py", "vector")
    assert outcome.failure is None, outcome.explain()
    assert_vector_hits(outcome.results["vector"], 3)


async def test_hybrid_retriever_combines_vector_and_fulltext_scores(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("graphrag", "graphrag_retrievers.py", "hybrid")
    assert outcome.failure is None, outcome.explain()
    assert_hybrid_hits(outcome.results["hybrid"])
