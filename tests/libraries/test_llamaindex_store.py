"""LlamaIndex's Neo4jPropertyGraphStore (llama-index-graph-stores-neo4j, pinned in
requirements/llamaindex.txt) on kgmem."""

import pytest

from tests.fixtures.libraries import RunLibrary

pytestmark = pytest.mark.slow


async def test_the_store_starts_with_its_defaults_and_upserts(run_library: RunLibrary) -> None:
    outcome = await run_library("llamaindex", "llamaindex_store.py", "store")
    assert outcome.failure is None, outcome.explain()
    person = {p["property"]: p["type"] for p in outcome.results["node_props"]["Person"]}
    assert person == {"name": "STRING", "age": "INTEGER"}
    assert outcome.results["relationships"] == [
        {"start": "Person", "type": "KNOWS", "end": "Person"}]  # fmt: skip
    assert outcome.results["vector_index"] is True  # kgmem reports Neo4j 5.26
    links = [{k: v for k, v in link.items() if k != "labels"} for link in outcome.results["links"]]
    assert links == [{"source": "c1", "type": "NEXT", "w": 1, "target": "c2"},
                     {"source": "c2", "type": "CITES", "w": None, "target": "c3"}]  # fmt: skip
    assert outcome.results["links"][0]["labels"] == ["Chunk", "__Node__"]
    assert outcome.results["got"] == [["c1", "apple banana"], ["c2", "cherry"]]
    assert "Chunk" in outcome.results["schema_text"]
    assert "(:Chunk)-[:NEXT]->(:Chunk)" in outcome.results["schema_text"]
    constraints = {(tuple(c["labelsOrTypes"]), tuple(c["properties"]), c["type"])
                   for c in outcome.results["constraints"]}  # fmt: skip
    assert constraints == {(("__Node__",), ("id",), "UNIQUENESS"),
                           (("__Entity__",), ("id",), "UNIQUENESS")}  # fmt: skip
