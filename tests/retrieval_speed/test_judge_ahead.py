"""The other axes' candidates judged (constraints, time and place scores) while the
vector axis embeds and probes give the answers of judging every candidate after it:
same hits, ranks, scores (BM25 to float4 precision) and reasons, on a hand-built graph
with every axis."""

from __future__ import annotations

import random

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.model import CausalQuery, GeoPoint, PlaceQuery, SearchFilters, SearchQuery, TimeQuery
from kgmem.retrieval.search import Tuning, plan_of, run
from tests.retrieval.graphs import DIM, assert_same_answers, at
from tests.retrieval.test_causal import build as build_causal

WORDS = ["rocket", "anvil", "engine", "river", "market", "signal", "harbour", "garden"]
CENTRES = [(51.5, -0.1), (-18.1, 179.9), (89.0, 20.0)]


def vector(rng: random.Random) -> list[float]:
    return [rng.uniform(-1, 1) for _ in range(DIM)]


async def build(memory: Memory, namespace: str) -> None:
    rng = random.Random(9)
    entities = []
    for i in range(60):
        lat, lon = rng.choice(CENTRES)
        props = {"name": f"N{i}", "summary": " ".join(rng.choices(WORDS, k=rng.randint(1, 3)))}
        if i % 3 == 0:
            props["occurred_at"] = at(2020, 1 + i % 12).isoformat()
        entities.append(
            EntityWrite(
                f"n{i:02d}",
                rng.choice(("Person", "Place", "Episode")),
                props,
                location=GeoPoint(
                    lat + rng.uniform(-1, 1), (lon + rng.uniform(-1, 1) + 180) % 360 - 180
                )
                if i % 4
                else None,
                embedding=vector(rng),
            )
        )
    facts = [
        FactWrite(
            f"n{rng.randrange(60):02d}",
            rng.choice(("WORKS_AT", "LINKS")),
            f"n{rng.randrange(60):02d}",
            valid_from=at(2019 + i % 3, 1 + i % 12),
            valid_to=at(2021 + i % 2, 1) if i % 2 else None,
            text=" ".join(rng.choices(WORDS, k=3)),
        )
        for i in range(50)
    ]
    await memory.write_batch(namespace, BatchWrite(entities=entities, facts=facts))
    await build_causal(memory, namespace)


def queries() -> list[SearchQuery]:
    rng = random.Random(2)
    out = []
    for i in range(12):
        lat, lon = CENTRES[i % 3]
        out.append(
            SearchQuery(
                text=" ".join(rng.choices(WORDS, k=2)),
                embedding=vector(rng),
                time=TimeQuery(valid_at=at(2020, 1 + i % 12), now=at(2021, 6))
                if i % 4 != 3
                else TimeQuery(start=at(2019, 6), end=at(2021, 1), now=at(2021, 6)),
                place=PlaceQuery(near=GeoPoint(lat, lon), radius_km=[150, 400, 3000][i % 3])
                if i % 5
                else PlaceQuery(box=(-20.0, 179.0, -16.0, -179.0)),
                causal=CausalQuery("a", depth=3) if i % 2 else None,
                filters=SearchFilters(labels=("Person", "Place"))
                if i % 6 == 5
                else SearchFilters(),
                k=[5, 10, 20][i % 3],
                explain=False,
            )
        )
    return out


async def test_judging_ahead_gives_the_same_answers(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    results = []
    for ahead in (True, False):
        tuning = Tuning(judge_ahead=ahead)
        plans = [plan_of(memory.ctx, q, tuning) for q in queries()]
        assert all(p.judge_ahead is ahead for p in plans)
        results.append([await run(memory.ctx, namespace, p) for p in plans])
    assert_same_answers(results[1], results[0])
    assert sum(len(r.hits) for r in results[0]) > 40
    kinds = {h.kind for r in results[0] for h in r.hits}
    axes = {a for r in results[0] for h in r.hits for a in h.scores}
    assert kinds >= {"entity", "fact"}
    assert axes >= {"vector", "keyword", "temporal", "spatial"}
