"""Synthetic graphs for benchmarks: deterministic (seeded) entities, facts and vectors.

Vectors are unit-length and clustered (a few hundred centroids plus noise), which is
closer to real embeddings than uniform noise, where every neighbour is a near-tie.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from kgmem import EntityWrite, FactWrite

LABELS = ("Person", "Organization", "Place", "Concept")
PREDICATES = ("KNOWS", "WORKS_AT", "LOCATED_IN", "RELATED_TO", "PART_OF")
FIRST = ("Ada", "Ben", "Chloe", "Dev", "Eva", "Farid", "Gia", "Hugo", "Ines", "Jun")
LAST = ("Ito", "Khan", "Lopez", "Meyer", "Novak", "Okafor", "Park", "Quinn", "Rossi", "Silva")
EPOCH = datetime(2015, 1, 1, tzinfo=UTC)


@dataclass
class Graph:
    """``n`` entities with vectors and ``facts_per_entity`` facts each."""

    n: int
    facts_per_entity: int = 1
    dimension: int = 384
    seed: int = 7

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        centroids = rng.normal(size=(256, self.dimension)).astype(np.float32)
        which = rng.integers(0, len(centroids), size=self.n)
        noise = rng.normal(scale=0.6, size=(self.n, self.dimension)).astype(np.float32)
        vectors = centroids[which] + noise
        self.vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        self._rng = rng

    def uid(self, i: int) -> str:
        return f"e{i:07d}"

    def entity(self, i: int) -> EntityWrite:
        name = f"{FIRST[i % 10]} {LAST[(i // 10) % 10]} {i}"
        return EntityWrite(
            uid=self.uid(i),
            label=LABELS[i % len(LABELS)],
            properties={"name": name, "rank": i % 1000, "active": i % 3 == 0},
            embedding=self.vectors[i].tolist(),
        )

    def entities(self, start: int = 0, stop: int | None = None) -> Iterator[EntityWrite]:
        for i in range(start, self.n if stop is None else stop):
            yield self.entity(i)

    def fact(self, k: int, *, with_vector: bool) -> FactWrite:
        i = k // self.facts_per_entity
        j = (i * 7919 + k * 104729 + 1) % self.n
        if j == i:
            j = (j + 1) % self.n
        predicate = PREDICATES[k % len(PREDICATES)]
        return FactWrite(
            subject=self.uid(i),
            predicate=predicate,
            object=self.uid(j),
            uid=f"f{k:08d}",
            valid_from=EPOCH + timedelta(days=k % 3000),
            confidence=0.5 + (k % 50) / 100,
            properties={"weight": (k % 97) / 97},
            embedding=self.vectors[(i + j) % self.n].tolist() if with_vector else None,
        )

    def facts(self, start: int, stop: int, *, with_vector: bool) -> Iterator[FactWrite]:
        for k in range(start, stop):
            yield self.fact(k, with_vector=with_vector)
