"""The search response built in one pass (``search_json``) is byte for byte the JSON of
the documented model (``SearchOut``), for real searches of every kind of hit and for
values the models would coerce."""

from __future__ import annotations

from datetime import UTC, datetime

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
from kgmem.server.search_schemas import SearchOut, search_json
from tests.retrieval.graphs import add_cities, add_people, at, axis_vector


def _models(result: SearchResult) -> bytes:
    return SearchOut.of(result).model_dump_json(by_alias=True).encode()


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
        assert search_json(result) == _models(result)
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
    for result in (
        SearchResult(hits),
        SearchResult(hits, ("a", "b"), {"vector": 1, "load": 0.125}),
        SearchResult(()),
    ):
        assert search_json(result) == _models(result)
