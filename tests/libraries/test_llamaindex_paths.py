"""LlamaIndex's Neo4jPropertyGraphStore (llama-index-graph-stores-neo4j, pinned in
requirements/llamaindex.txt) on kgmem with its defaults, each answer compared with
what Neo4j gives."""

import pytest

from tests.fixtures.libraries import RunLibrary
from tests.libraries.clients.harness import QUERY, neo4j_cosine_score

pytestmark = pytest.mark.slow

WORKS_AT = ["Alice", "PERSON", "WORKS_AT", {"since": 2020}, "Acme", "COMPANY"]
KNOWS = ["Alice", "PERSON", "KNOWS", {}, "Bob", "PERSON"]


async def test_property_graph_store_writes_reads_searches_and_deletes(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("llamaindex", "llamaindex_paths.py", "paths")
    assert outcome.failure is None, outcome.explain()
    r = outcome.results
    assert r["supports_vector_index"] is True
    alice, bob, chunk = r["get_ids"]
    assert alice["name"] == "Alice"
    assert alice["properties"] == {"name": "Alice", "age": 30, "triplet_source_id": "chunk-1"}
    assert (bob["name"], bob["properties"]["age"]) == ("Bob", 41)
    assert chunk == {"chunk": "chunk-1", "text": "Alice works at Acme and knows Bob.",
                     "properties": {}}  # fmt: skip
    assert [node["name"] for node in r["get_properties"]] == ["Alice"]
    assert r["get_triplets"] == [KNOWS, WORKS_AT]
    assert r["get_triplets_relation"] == [WORKS_AT]
    assert r["get_rel_map"] == [KNOWS, WORKS_AT]
    (first, first_label, first_score), (second, second_label, second_score) = r["vector_query"]
    assert [first, first_label, second, second_label] == ["Alice", "PERSON", "Acme", "COMPANY"]
    assert first_score == pytest.approx(neo4j_cosine_score(QUERY, "apple apple banana"))
    assert second_score == pytest.approx(neo4j_cosine_score(QUERY, "apple cherry"))
    assert r["structured_query"] == [{"person": "Alice", "since": 2020, "company": "Acme"}]
    assert r["mentions"] == [{"name": "Acme"}, {"name": "Alice"}, {"name": "Bob"}]
    assert r["after_delete"] == []
    assert r["left"] == [{"id": "Acme"}, {"id": "Alice"}]
