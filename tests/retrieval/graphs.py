"""Small hand-built graphs with known answers, shared by the retrieval tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.model import (
    AxisWeights,
    GeoPoint,
    SearchFilters,
    SearchHit,
    SearchQuery,
    SearchResult,
)

DIM = 384


def axis_vector(*weights: tuple[int, float]) -> list[float]:
    """A vector with the given (dimension, weight) components."""
    v = [0.0] * DIM
    for i, w in weights:
        v[i] = w
    return v


ONLY_VECTOR = AxisWeights(vector=1, keyword=0, temporal=0, spatial=0, causal=0, graph=0)


def vector_query(
    embedding: list[float],
    *,
    labels: Sequence[str] = (),
    types: Sequence[str] = ("entities",),
    k: int = 10,
    explain: bool = False,
) -> SearchQuery:
    """A search on the vector axis alone, with a label filter."""
    return SearchQuery(
        embedding=embedding,
        weights=ONLY_VECTOR,
        filters=SearchFilters(labels=tuple(labels)),
        types=tuple(types),  # type: ignore[arg-type]
        k=k,
        explain=explain,
    )


def at(year: int, month: int = 1, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def uids(hits: Sequence[SearchHit]) -> list[str]:
    return [h.uid for h in hits]


def assert_same_answers(got: Sequence[SearchResult], expected: Sequence[SearchResult]) -> None:
    """The same hits, ranks, reasons and elements, and the same per-axis and fused scores
    and relevance to 1e-5: float sums in another order can differ in their last bits,
    which rounding to six decimals can show and the convex fusion carries into the
    fused score."""
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        assert len(mine.hits) == len(theirs.hits)
        for a, b in zip(mine.hits, theirs.hits, strict=True):
            assert replace(a, scores={}, score=0.0, relevance=0.0) == replace(
                b, scores={}, score=0.0, relevance=0.0
            )
            assert abs(a.score - b.score) <= 1e-5 and abs(a.relevance - b.relevance) <= 1e-5
            assert a.scores.keys() == b.scores.keys()
            assert all(abs(a.scores[k] - b.scores[k]) <= 1e-5 for k in a.scores), (a, b)


CITIES = {
    # name: (lat, lon)
    "london": (51.5074, -0.1278),
    "paris": (48.8566, 2.3522),
    "berlin": (52.52, 13.405),
    "new_york": (40.7128, -74.006),
    "suva": (-18.1416, 178.4419),  # Fiji, just west of 180
    "apia": (-13.8333, -171.7667),  # Samoa, east of 180
    "nuku_alofa": (-21.1394, -175.2049),  # Tonga
    "mcmurdo": (-77.846, 166.676),
    "amundsen_scott": (-90.0, 0.0),
    "alert": (82.5018, -62.3481),  # Canada, near the north pole
    "longyearbyen": (78.2232, 15.6267),
}


async def add_cities(memory: Memory, namespace: str) -> None:
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite(name, "Place", {"name": name}, location=GeoPoint(lat, lon))
                for name, (lat, lon) in CITIES.items()
            ]
        ),
    )


async def add_people(memory: Memory, namespace: str) -> None:
    """alice (Person) works at acme, then at globex; bob (Person) at acme; acme and
    globex (Organization). Vectors: alice and bob along dim 0, the companies along dim 1."""
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite(
                    "alice",
                    "Person",
                    {"name": "Alice", "summary": "rocket engineer", "team": "propulsion"},
                    embedding=axis_vector((0, 1.0), (2, 0.2)),
                ),
                EntityWrite(
                    "bob",
                    "Person",
                    {"name": "Bob", "summary": "rocket engineer", "team": "avionics"},
                    embedding=axis_vector((0, 1.0), (2, 0.2)),
                ),
                EntityWrite(
                    "acme",
                    "Organization",
                    {"name": "Acme", "summary": "maker of anvils"},
                    embedding=axis_vector((1, 1.0)),
                ),
                EntityWrite(
                    "globex",
                    "Organization",
                    {"name": "Globex", "summary": "maker of rockets"},
                    embedding=axis_vector((1, 1.0), (0, 0.5)),
                ),
            ],
            facts=[
                FactWrite(
                    "alice",
                    "WORKS_AT",
                    "acme",
                    uid="alice-acme",
                    valid_from=at(2018),
                    recorded_at=at(2018, 1, 2),
                    embedding=axis_vector((3, 1.0)),
                ),
                FactWrite(
                    "bob",
                    "WORKS_AT",
                    "acme",
                    uid="bob-acme",
                    valid_from=at(2020),
                    recorded_at=at(2020, 1, 2),
                    embedding=axis_vector((3, 1.0), (4, 0.1)),
                ),
            ],
        ),
    )
    # alice moves: the old fact is closed at 2021, the new one starts then.
    await memory.close_fact(namespace, "alice-acme", valid_to=at(2021))
    await memory.add_fact(
        namespace,
        FactWrite(
            "alice",
            "WORKS_AT",
            "globex",
            uid="alice-globex",
            valid_from=at(2021),
            recorded_at=at(2021, 1, 5),
            embedding=axis_vector((3, 1.0), (5, 0.3)),
        ),
    )
