"""A search's candidates: the axes' results merged once, by a pure function.

``merge`` puts the axes' scores in the plan's order (the order they are fused and
explained in, whichever axis finished first) and pools the side rows each axis read
with its candidates, the rows read ahead for the others, and the candidates judged
ahead (``kgmem.retrieval.eligibility``), so the filter stage reads and judges only the
rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kgmem.model import Entity
from kgmem.retrieval import spatial
from kgmem.retrieval.axes import AxisResult, SpatialResult, VectorResult
from kgmem.retrieval.fusion import Scored
from kgmem.retrieval.plan import VECTOR, SearchPlan
from kgmem.retrieval.scope import Key
from kgmem.storage.indexes import candidates as cand

Location = tuple[float, float] | None


@dataclass(frozen=True, slots=True)
class SideRows:
    """Side rows read apart from any axis, and the (lat, lon) of fact endpoints read
    for the spatial scores (None: not located)."""

    vertices: Mapping[int, cand.VertexInfo] = field(default_factory=dict)
    facts: Mapping[int, cand.FactInfo] = field(default_factory=dict)
    locations: Mapping[int, Location] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Judged:
    """Candidates ``keys`` judged: those meeting every constraint, with their side rows,
    and their time and place scores (when the query has a time or a place)."""

    keys: frozenset[Key]
    vertices: Mapping[int, cand.VertexInfo]
    facts: Mapping[int, cand.FactInfo]
    temporal: Mapping[Key, Scored]
    spatial: Mapping[Key, Scored]

    def merged(self, other: Judged) -> Judged:
        return Judged(
            self.keys | other.keys,
            {**self.vertices, **other.vertices},
            {**self.facts, **other.facts},
            {**self.temporal, **other.temporal},
            {**self.spatial, **other.spatial},
        )


@dataclass(frozen=True, slots=True)
class Candidates:
    """Every axis's scores by name (plan order), the side rows and locations already
    read, the entities the vector probe loaded, the spatial area, the vector probe's
    rows per kind, and the candidates judged ahead (None: none)."""

    axes: Mapping[str, Mapping[Key, Scored]]
    vertex_rows: Mapping[int, cand.VertexInfo]
    fact_rows: Mapping[int, cand.FactInfo]
    locations: Mapping[int, Location]
    entities: Mapping[int, Entity]
    area: spatial.Area | None = None
    probed: tuple[tuple[int, float], ...] = ()
    judged: Judged | None = None

    def keys(self, *, besides: str | None = None) -> set[Key]:
        """Every axis's candidates (but those of axis ``besides``)."""
        return {k for name, axis in self.axes.items() if name != besides for k in axis}


def merge(
    plan: SearchPlan,
    results: Iterable[AxisResult],
    side: SideRows | None = None,
    judged: Judged | None = None,
) -> Candidates:
    """The results of the plan's axes (some or all of them) as one set of candidates."""
    by_axis = {r.axis: r for r in results}
    vertex_rows: dict[int, cand.VertexInfo] = {}
    fact_rows: dict[int, cand.FactInfo] = {}
    for r in by_axis.values():
        vertex_rows.update(r.vertex_rows)
        fact_rows.update(r.fact_rows)
    if side is not None:
        vertex_rows.update(side.vertices)
        fact_rows.update(side.facts)
    found = by_axis.get(VECTOR)
    located = by_axis.get("spatial")
    return Candidates(
        axes={a: by_axis[a].scored for a in plan.axes if a in by_axis},
        vertex_rows=vertex_rows,
        fact_rows=fact_rows,
        locations=side.locations if side is not None else {},
        entities=found.entities if isinstance(found, VectorResult) else {},
        area=located.area if isinstance(located, SpatialResult) else None,
        probed=found.probed if isinstance(found, VectorResult) else (),
        judged=judged,
    )


def timings(results: Iterable[AxisResult]) -> dict[str, float]:
    """How long each axis took (ms), by axis."""
    return {r.axis: r.took_ms for r in results}
