"""Graphiti (graphiti-core, pinned in requirements/graphiti.txt) on kgmem through its
Neo4jDriver, with a stub LLM of Graphiti's own interface: episodes become entities and
facts, a triplet is added, searches find the facts, an episode is removed."""

import pytest

from tests.fixtures.libraries import RunLibrary

pytestmark = pytest.mark.slow

MANGO = ["LIKES", "Alice likes Mango."]
PEACH = ["LIKES", "Alice likes Peach."]
PLUM = ["LIKES", "Bob likes Plum."]


async def test_episodes_triplet_search_retrieval_and_removal(run_library: RunLibrary) -> None:
    outcome = await run_library("graphiti", "graphiti_paths.py", "paths")
    assert outcome.failure is None, outcome.explain()
    r = outcome.results
    assert r["add_episode_first"] == {"nodes": ["Alice", "Mango"], "edges": [MANGO]}
    assert r["add_episode_second"] == {"nodes": ["Alice", "Peach"], "edges": [PEACH]}
    graph = r["after_episodes"]
    # The second episode's Alice resolved to the first's: one node, two facts from it.
    assert [e["name"] for e in graph["entities"]] == ["Alice", "Mango", "Peach"]
    assert {e["group_id"] for e in graph["entities"]} == {"kgmem"}
    assert [[f["a"], f["name"], f["fact"], f["b"]] for f in graph["facts"]] == [
        ["Alice", "LIKES", "Alice likes Mango.", "Mango"],
        ["Alice", "LIKES", "Alice likes Peach.", "Peach"],
    ]  # fmt: skip
    assert [[e["name"], e["content"]] for e in graph["episodes"]] == [
        ["first", "Alice likes Mango."], ["second", "Alice likes Peach."]]  # fmt: skip
    assert [[m["episode"], m["entity"]] for m in graph["mentions"]] == [
        ["first", "Alice"],
        ["first", "Mango"],
        ["second", "Alice"],
        ["second", "Peach"],
    ]
    assert r["add_triplet"] == {"nodes": ["Bob", "Plum"], "edges": [PLUM]}
    assert MANGO in r["search"]
    assert MANGO in r["search_"]["edges"]
    assert "Mango" in r["search_"]["nodes"]
    assert sorted(r["retrieve_episodes"]) == [["first", "Alice likes Mango."],
                                              ["second", "Alice likes Peach."]]  # fmt: skip
    after = r["after_remove"]
    assert [e["name"] for e in after["entities"]] == ["Alice", "Bob", "Peach", "Plum"]
    assert [f["fact"] for f in after["facts"]] == ["Alice likes Peach.", "Bob likes Plum."]
    assert [e["name"] for e in after["episodes"]] == ["second"]
