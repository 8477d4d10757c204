"""The search response is the model's ``SearchResult`` as JSON (``kgmem.model.wire``),
with REST's wire names (``graph_id``, a fact's ``status``), for real searches of every
kind of hit and for values the records' types coerce (ints where floats are declared)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from kgmem import Memory
from kgmem.model import (
    BatchWrite,
    Entity,
    Fact,
    FactWrite,
    GeoPoint,
    PlaceQuery,
    SearchHit,
    SearchQuery,
    SearchResult,
    TimeQuery,
)
from kgmem.model.wire import json_bytes
from tests.retrieval.graphs import add_cities, add_people, at, axis_vector


def _wire(result: SearchResult) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(json_bytes(result))
    return found


def _entity_keys() -> set[str]:
    return {
        "uid",
        "label",
        "properties",
        "location",
        "has_embedding",
        "graph_id",
        "created_at",
        "updated_at",
    }


def _fact_keys() -> set[str]:
    return {
        "uid",
        "subject",
        "predicate",
        "object",
        "properties",
        "status",
        "valid_from",
        "valid_to",
        "recorded_at",
        "expired_at",
        "confidence",
        "text",
        "sources",
        "episodes",
        "graph_id",
        "trust",
        "verification",
        "notes",
    }


async def test_real_searches_serialise_as_the_models(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    await add_cities(memory, namespace)
    await memory.write_batch(
        namespace,
        BatchWrite(
            facts=[
                FactWrite(
                    "alice",
                    "LIVES_IN",
                    "london",
                    {"since": 2020, "note": 'flat \u00e9 "quoted"', "tags": ["a", None, 1.5]},
                    valid_from=at(2020),
                    valid_to=at(2023, 6, 1),
                    confidence=0.75,
                    source="census",
                    text="alice lives in london",
                ),
                FactWrite("bob", "LIVES_IN", "paris", valid_from=at(2019), text="bob in paris"),
            ]
        ),
    )
    queries = [
        SearchQuery(embedding=axis_vector((0, 1.0))),
        SearchQuery(text="rocket engineer london paris", explain=True),
        SearchQuery(text="lives", time=TimeQuery(valid_at=at(2021)), types=("facts",)),
        SearchQuery(place=PlaceQuery(near=GeoPoint(51.5, -0.12), radius_km=500), explain=True),
        SearchQuery(text="nothing matches this"),
    ]
    seen_kinds: set[str] = set()
    for q in queries:
        result = await memory.search(namespace, q)
        seen_kinds |= {h.kind for h in result.hits}
        body = _wire(result)
        assert [h["uid"] for h in body["hits"]] == [h.uid for h in result.hits]
        for sent, hit in zip(body["hits"], result.hits, strict=True):
            if hit.entity is not None:
                assert set(sent["entity"]) == _entity_keys()
                assert sent["entity"]["graph_id"] == hit.entity.id
            if hit.fact is not None:
                assert set(sent["fact"]) == _fact_keys()
                assert sent["fact"]["status"] == ("closed" if hit.fact.is_closed else "current")
        assert (body["plan"] is not None) == q.explain
    assert {"entity", "fact"} <= seen_kinds


def test_coerced_values_serialise_as_the_models() -> None:
    when = datetime(2024, 2, 29, 12, 30, 15, 123456, tzinfo=UTC)
    entity = Entity(
        uid="e",
        label="Place",
        properties={"n": 1, "x": 2.5, "nested": {"a": [1, "b", None, True]}},
        id=844424930131969,
        location=GeoPoint(lat=10, lon=-20),  # ints, as a caller may give
        has_embedding=False,
        created_at=when,
        updated_at=when,
    )
    fact = Fact(
        uid="f",
        id=1125899906842625,
        subject="e",
        predicate="NEAR",
        object="e",
        properties={},
        valid_from=None,
        valid_to=when,
        recorded_at=when,
        expired_at=when,
        confidence=1,
        text=None,
        sources=("s1", "s2"),
        episodes=(),
        trust=1,
        verification="verified",
    )
    hits = (
        SearchHit("entity", "e", 1, 1, {"vector": 1, "spatial": 0.5}, {"vector": "x"}, entity),
        SearchHit("fact", "f", 0.25, 2, {}, {}, fact=fact, trust=0, status="refuted"),
    )
    body = _wire(SearchResult(hits, ("a", "b"), {"vector": 1, "load": 0.125}))
    first, second = body["hits"]
    assert first["score"] == 1.0 and isinstance(first["score"], float)
    assert first["scores"] == {"vector": 1.0, "spatial": 0.5}
    assert first["entity"]["location"] == {"lat": 10.0, "lon": -20.0}
    assert first["entity"]["graph_id"] == 844424930131969 and "id" not in first["entity"]
    assert first["entity"]["created_at"] == "2024-02-29T12:30:15.123456Z"
    assert first["entity"]["properties"]["nested"] == {"a": [1, "b", None, True]}
    assert second["fact"]["status"] == "closed" and second["fact"]["confidence"] == 1.0
    assert second["fact"]["sources"] == ["s1", "s2"] and second["trust"] == 0.0
    assert body["plan"] == ["a", "b"] and body["timings_ms"] == {"vector": 1.0, "load": 0.125}
    assert _wire(SearchResult(())) == {"hits": [], "plan": None, "timings_ms": None}
