"""Answers an agent can use without extra calls: causal paths name their nodes and
carry each edge's text; an entity can be patched (JSON merge patch, location too); an
episode's mention can carry a location."""

from datetime import UTC, datetime

import httpx

from kgmem import Memory
from kgmem.graph.entities import merge_patch
from tests.retrieval.test_causal import build


async def test_causal_trace_names_nodes_and_edges(
    client: httpx.AsyncClient, memory: Memory, namespace: str
) -> None:
    await build(memory, namespace)
    answer = await client.get(
        f"/v1/namespaces/{namespace}/causal/trace", params={"anchor": "a", "depth": 2}
    )
    assert answer.status_code == 200, answer.text
    [to_c] = [p for p in answer.json()["paths"] if p["end"] == "c"]
    assert to_c["nodes"] == [
        {"uid": "a", "label": "Event", "name": "event a"},
        {"uid": "b", "label": "Event", "name": "event b"},
        {"uid": "c", "label": "Event", "name": "event c"},
    ]
    assert [s["text"] for s in to_c["steps"]] == [
        "event a causes event b",
        "event b causes event c",
    ]


async def test_patch_merges_properties_and_location(
    client: httpx.AsyncClient, namespace: str
) -> None:
    url = f"/v1/namespaces/{namespace}/entities/cafe"
    await client.put(
        url,
        json={
            "label": "Place",
            "properties": {"name": "Cafe", "hours": {"mon": "8-18", "tue": "8-18"}, "note": "x"},
        },
    )
    patched = await client.patch(
        url,
        content=b'{"properties": {"hours": {"tue": null}, "note": null, "wifi": true},'
        b' "location": {"lat": 38.71, "lon": -9.14}}',
        headers={"content-type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    entity = patched.json()
    assert entity["properties"] == {"name": "Cafe", "hours": {"mon": "8-18"}, "wifi": True}
    assert entity["location"] == {"lat": 38.71, "lon": -9.14} and entity["label"] == "Place"
    again = await client.patch(url, json={"properties": {"wifi": False}})
    assert again.json()["location"] == {"lat": 38.71, "lon": -9.14}
    removed = await client.patch(url, json={"location": None})
    assert removed.json()["location"] is None and removed.json()["properties"]["wifi"] is False
    missing = await client.patch(f"/v1/namespaces/{namespace}/entities/nobody", json={})
    assert missing.status_code == 404
    assert missing.json()["code"] == "entity_not_found"


def test_merge_patch_follows_rfc_7386() -> None:
    assert merge_patch({"a": "b", "c": {"d": "e", "f": "g"}}, {"a": "z", "c": {"f": None}}) == {
        "a": "z",
        "c": {"d": "e"},
    }
    assert merge_patch({"a": [1]}, {"a": {"b": None, "c": 1}}) == {"a": {"c": 1}}


async def test_an_episode_mention_can_carry_a_location(
    client: httpx.AsyncClient, namespace: str
) -> None:
    url = f"/v1/namespaces/{namespace}/episodes"
    when = datetime(2024, 5, 1, tzinfo=UTC).isoformat()
    body = {
        "text": "Met Dana at Cafe Luso",
        "reference_time": when,
        "entities": [
            {"name": "Cafe Luso", "label": "Place", "location": {"lat": 38.71, "lon": -9.14}}
        ],
    }
    done = await client.post(url, json=body)
    assert done.status_code in (200, 201), done.text
    places = (await client.get(f"/v1/namespaces/{namespace}/entities?label=Place")).json()
    [cafe] = places["items"]
    assert cafe["location"] == {"lat": 38.71, "lon": -9.14}
    # Mentioned again elsewhere: the known entity's point moves.
    moved = {**body, "entities": [{**body["entities"][0], "location": {"lat": 38.7, "lon": -9.2}}]}
    await client.post(url, json=moved)
    cafe = (await client.get(f"/v1/namespaces/{namespace}/entities/{cafe['uid']}")).json()
    assert cafe["entity"]["location"] == {"lat": 38.7, "lon": -9.2}
