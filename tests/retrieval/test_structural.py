"""Structural edges (an episode MENTIONS an entity, is PART_OF its session, PRECEDES
the next) are not facts: stats count them apart, search and timelines leave them out
unless asked."""

from datetime import UTC, datetime

import httpx
import pytest

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.ingest import EpisodeWrite, FactMention
from kgmem.model import SearchQuery

T0 = datetime(2024, 5, 1, tzinfo=UTC)


@pytest.fixture
async def conversation(memory: Memory, namespace: str) -> str:
    turns = [
        ("t1", "Dana says hello to Sam", ()),
        ("t2", "Dana mentions she works at Orbit", (FactMention("Dana", "WORKS_AT", "Orbit"),)),
        ("t3", "Dana lives in Lisbon now", (FactMention("Dana", "LIVES_IN", "Lisbon"),)),
    ]
    await memory.add_episodes(
        namespace,
        [
            EpisodeWrite(
                text=text,
                uid=uid,
                session="chat",
                speaker="Dana",
                reference_time=T0.replace(hour=h),
                facts=facts,
            )
            for h, (uid, text, facts) in enumerate(turns)
        ],
    )
    # A PART_OF between two entities is a fact, not a link.
    await memory.upsert_entity(namespace, EntityWrite("wheel", "Concept", {"name": "Wheel"}))
    await memory.upsert_entity(namespace, EntityWrite("car", "Concept", {"name": "Car"}))
    await memory.add_fact(namespace, FactWrite("wheel", "PART_OF", "car"))
    return namespace


async def test_stats_count_structural_edges_apart(memory: Memory, conversation: str) -> None:
    stats = await memory.namespace_stats(conversation)
    assert stats.facts_current == 3 and stats.facts_closed == 0
    # Each turn: PART_OF its session and MENTIONS of Dana (and of what it names), plus
    # two PRECEDES between the three turns.
    assert stats.structural_edges >= 3 + 3 + 2
    assert sum(stats.edges.values()) == stats.facts_current + stats.structural_edges


async def test_search_leaves_structural_edges_out_unless_asked(
    client: httpx.AsyncClient, conversation: str
) -> None:
    url = f"/v1/namespaces/{conversation}/search"
    body = {"text": "Dana", "types": ["facts"], "k": 50}
    hits = (await client.post(url, json=body)).json()["hits"]
    predicates = {h["fact"]["predicate"] for h in hits}
    assert "MENTIONS" not in predicates and "PRECEDES" not in predicates
    assert {"WORKS_AT", "LIVES_IN"} <= predicates
    opted = (await client.post(url, json={**body, "include_structural": True})).json()["hits"]
    assert "MENTIONS" in {h["fact"]["predicate"] for h in opted}


async def test_timeline_leaves_structural_edges_out_unless_asked(
    client: httpx.AsyncClient, memory: Memory, conversation: str
) -> None:
    [dana] = [
        e
        for e in (await memory.list_entities(conversation, label="Person")).items
        if e.properties.get("name") == "Dana"
    ]
    url = f"/v1/namespaces/{conversation}/entities/{dana.uid}/timeline"
    entries = (await client.get(url)).json()["entries"]
    assert {e["fact"]["predicate"] for e in entries} == {"WORKS_AT", "LIVES_IN"}
    every = (await client.get(url, params={"include_structural": "true"})).json()["entries"]
    assert "MENTIONS" in {e["fact"]["predicate"] for e in every}
    wheel = (await client.get(f"/v1/namespaces/{conversation}/entities/wheel/timeline")).json()
    assert [e["fact"]["predicate"] for e in wheel["entries"]] == ["PART_OF"]


async def test_search_in_python_api_has_the_same_default(memory: Memory, conversation: str) -> None:
    found = await memory.search(conversation, SearchQuery(text="Dana", types=("facts",), k=50))
    assert all(h.fact is None or h.fact.predicate != "MENTIONS" for h in found.hits)
