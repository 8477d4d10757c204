"""Weighted reciprocal-rank fusion with tie-aware ranks.

Each axis scores some candidates in [0, 1]. Within an axis, a candidate's rank is one
plus the number of candidates that axis scores strictly higher, so equal scores share a
rank (and contribute equally). The fused score is

    sum over axes a of  w_a / (K + rank_a(d)),   K = 60

(Cormack, Clarke and Büttcher, 2009), skipping axes that do not score ``d``. Fused ties
are broken by kind and uid, so the order is deterministic.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

K = 60

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Scored:
    """An axis's score in [0, 1] for one candidate and why."""

    score: float
    reason: str


def ranks(scores: Mapping[Key, float]) -> dict[Key, int]:
    """1-based competition ranks, highest score first; equal scores share a rank."""
    ordered = sorted(scores.values(), reverse=True)
    first: dict[float, int] = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {key: first[value] for key, value in scores.items()}


@dataclass(frozen=True, slots=True)
class Fused(Generic[Key]):
    """A candidate's fused score and the rank it got on each axis that scored it."""

    key: Key
    score: float
    axis_ranks: Mapping[str, int]


def fuse(
    axes: Mapping[str, Mapping[Key, Scored]],
    weights: Mapping[str, float],
    *,
    order: Mapping[Key, tuple[str, str]] | None = None,
    eligible: Iterable[Key] | None = None,
) -> list[Fused[Key]]:
    """All candidates (or only ``eligible`` ones), best first. ``order`` gives each key a
    (kind, uid) tie-break; without it keys are compared by ``str``."""
    allowed = set(eligible) if eligible is not None else None
    totals: dict[Key, float] = {}
    per_axis: dict[Key, dict[str, int]] = {}
    for axis, scored in axes.items():
        weight = weights.get(axis, 0.0)
        if weight <= 0:
            continue
        kept = {k: s.score for k, s in scored.items() if allowed is None or k in allowed}
        for key, rank in ranks(kept).items():
            totals[key] = totals.get(key, 0.0) + weight / (K + rank)
            per_axis.setdefault(key, {})[axis] = rank
    tie = order or {}

    def sort_key(key: Key) -> tuple[float, tuple[str, str]]:
        return (-totals[key], tie.get(key, ("", str(key))))

    return [Fused(k, totals[k], per_axis[k]) for k in sorted(totals, key=sort_key)]
