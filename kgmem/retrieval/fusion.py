"""Fusing the axes' scores into one ranking and one ``relevance`` in [0, 1].

Each axis scores some candidates in [0, 1]. Three fusions are offered:

``convex``: each axis's scores are divided by the best score that axis gave an eligible
candidate (its theoretical minimum is 0, so this is min-max scaling
against 0), and a candidate's fused score is the weighted mean

    sum over axes a of  w_a * s_a(d) / max_a   /   sum over axes a of w_a

over the axes that scored some eligible candidate. An axis that did not score ``d``
gives it 0, except an axis that returned only its best candidates (the keyword and
vector axes when they found as many as the search asks of them): ``d`` ranks below its
cut-off, so it gets that axis's lowest returned score, a bound that does not punish a
candidate for being found by one axis only. Because the scores themselves are
combined (not their ranks), a candidate that one axis finds far better than the rest
keeps that lead, where rank fusion would count it as one rank ahead; a mix is so much
less prone than rank fusion to fall below its best axis (``python -m bench locomo``).

``minmax`` (the default): the same weighted mean, but each axis's scores are scaled
between its floor and its best, ``(s_a(d) - floor_a) / (max_a - floor_a)``, the floor
being the axis's lowest returned score when it returned only its best candidates, else
0. A candidate below an axis's cut-off so gets 0 from it, and the spread of the
returned scores, not their distance from 0, decides: an axis whose scores are all close
together (cosine similarities often are) weighs by how it orders its candidates. It
also mixes in, for candidates that have a time, the best keyword and vector score of
another candidate within an hour (``kgmem.retrieval.nearby``: the turns around an
answer are evidence for it), for episodes whether the search's text names their
speaker (``kgmem.retrieval.speakers``), and whether a candidate tells rather than asks
(``kgmem.retrieval.statement_favouring``). Each hit's scores and reasons name the features that
added to it. The default weights (``AxisWeights``) are a listwise ranker's coefficients
fitted on conversation turns (``python -m bench locomo``).

``rrf``: weighted reciprocal-rank fusion, ``sum_a w_a / (K + rank_a(d))`` with K = 60
(Cormack, Clarke and Büttcher, 2009) and tie-aware ranks (equal scores share a rank).

Whichever fusion ranks, every candidate gets the convex ``relevance``: 1 means the best
candidate of every axis the search used, 0 that none of them scored it. It is relative to the
search's own candidates, so it compares hits of one search; a caller can drop hits
below a fraction of the best, e.g. ``relevance < 0.5``. Fused ties are broken by kind
and uid, so the order is deterministic.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from kgmem.retrieval.nearby import Nearby, best_nearby

K = 60

Key = TypeVar("Key", bound=Hashable)
Fusion = Literal["convex", "rrf", "minmax"]
FUSIONS: tuple[Fusion, ...] = ("convex", "rrf", "minmax")


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
class Feature(Generic[Key]):
    """A further feature of the ``minmax`` fusion: its weight, each candidate's value in
    [0, 1] (a candidate left out has 0) and the name a hit's scores and reasons give it,
    e.g. ``kgmem.retrieval.speakers``."""

    weight: float
    values: Mapping[Key, float]
    name: str = "feature"


@dataclass(frozen=True, slots=True)
class Fused(Generic[Key]):
    """A candidate's fused score, its relevance in [0, 1], the rank it got on each axis
    that scored it and the value of each feature of the ``minmax`` fusion that added to
    its score (``nearby_keyword``, ``nearby_vector`` and the ``Feature``s by name)."""

    key: Key
    score: float
    relevance: float
    axis_ranks: Mapping[str, int]
    features: Mapping[str, float] = field(default_factory=dict)


def convex(
    axes: Mapping[str, Mapping[Key, float]],
    weights: Mapping[str, float],
    *,
    cut: Collection[str] = (),
) -> dict[Key, float]:
    """The weighted mean of the axes' scores, each scaled by its best (see the module
    docstring); axes without a positive weight or without candidates are left out. An
    axis in ``cut`` returned only its best candidates, so one it did not return scores
    its lowest returned score; any other axis gives it 0."""
    used = {
        axis: (scores, max(scores.values()))
        for axis, scores in axes.items()
        if weights.get(axis, 0.0) > 0 and scores and max(scores.values()) > 0
    }
    total = sum(weights[axis] for axis in used)
    keys = {key for scores, _ in used.values() for key in scores}
    fused = dict.fromkeys(keys, 0.0)
    for axis, (scores, best) in used.items():
        # Divided one at a time: a product of two tiny positives can underflow to 0.
        share = weights[axis] / total
        floor = min(scores.values()) if axis in cut else 0.0
        for key in keys:
            fused[key] += share * (scores.get(key, floor) / best)
    return {key: min(1.0, value) for key, value in fused.items()}


def minmax(
    axes: Mapping[str, Mapping[Key, float]],
    weights: Mapping[str, float],
    *,
    cut: Collection[str] = (),
    nearby: Nearby[Key] | None = None,
    features: Sequence[Feature[Key]] = (),
) -> tuple[dict[Key, float], dict[str, dict[Key, float]]]:
    """The weighted mean of the axes' scores, each scaled between its floor (its lowest
    returned score for an axis in ``cut``, else 0) and its best; a candidate an axis did
    not return gets 0 from it. Axes as in ``convex``. With ``nearby`` (weights per axis
    and the candidates' times), each axis also adds, at its ``nearby`` weight, the best
    scaled score it gave another candidate close in time (``kgmem.retrieval.nearby``)
    to every candidate that has a time; the weighted mean of those is then over the
    axes and the nearby weights (over the axes alone for a candidate without a time).
    Each of ``features`` that some candidate has joins the weighted mean of every
    candidate at its weight. Also returns, per feature that took part (the nearby ones
    as ``nearby_<axis>``), each candidate's value of it."""
    used = {
        axis: scores
        for axis, scores in axes.items()
        if weights.get(axis, 0.0) > 0 and scores and max(scores.values()) > 0
    }
    near_weights = nearby.weights if nearby is not None and nearby.times else {}
    near = {a: w for a in used if (w := near_weights.get(a, 0.0)) > 0}
    total = sum(weights[axis] for axis in used)
    fused = dict.fromkeys((key for scores in used.values() for key in scores), 0.0)
    scaled: dict[str, dict[Key, float]] = {}
    for axis, scores in used.items():
        best = max(scores.values())
        floor = min(scores.values()) if axis in cut else 0.0
        share = weights[axis] / total
        scaled[axis] = {
            key: (value - floor) / (best - floor) if best > floor else 1.0
            for key, value in scores.items()
        }
        for key, value in scaled[axis].items():
            fused[key] += share * value
    over = dict.fromkeys(fused, total)  # what each candidate's mean is over
    values: dict[str, dict[Key, float]] = {}
    if near and nearby:
        # A candidate with a time is scored over its axes and its nearby features;
        # one without (an entity, a fact) over its axes alone, as before.
        times = {key: t for key, t in nearby.times.items() if key in fused}
        bests = best_nearby([scaled[a] for a in near], times)
        grown = total + sum(near.values())
        for key in times:
            fused[key] *= total / grown
            over[key] = grown
        for (axis, weight), best_near in zip(near.items(), bests, strict=True):
            values[f"nearby_{axis}"] = best_near
            for key, value in best_near.items():
                fused[key] += weight / grown * value
    for feature in features:
        if feature.weight <= 0 or not any(k in fused for k in feature.values):
            continue
        values[feature.name] = {k: v for k, v in feature.values.items() if k in fused}
        for key, value in fused.items():
            mean_over = over[key] + feature.weight
            extra = feature.weight * feature.values.get(key, 0.0)
            fused[key] = (value * over[key] + extra) / mean_over
            over[key] = mean_over
    return {key: min(1.0, max(0.0, value)) for key, value in fused.items()}, values


def reciprocal_rank(
    axes: Mapping[str, Mapping[Key, float]], weights: Mapping[str, float]
) -> dict[Key, float]:
    """Weighted reciprocal-rank fusion of the axes' scores."""
    fused: dict[Key, float] = {}
    for axis, scores in axes.items():
        weight = weights.get(axis, 0.0)
        if weight <= 0:
            continue
        for key, rank in ranks(scores).items():
            fused[key] = fused.get(key, 0.0) + weight / (K + rank)
    return fused


def fuse(  # noqa: PLR0913 - keyword-only parts of one fusion
    axes: Mapping[str, Mapping[Key, Scored]],
    weights: Mapping[str, float],
    *,
    method: Fusion = "convex",
    order: Mapping[Key, tuple[str, str]] | None = None,
    eligible: Iterable[Key] | None = None,
    cut: Collection[str] = (),
    nearby: Nearby[Key] | None = None,
    features: Sequence[Feature[Key]] = (),
) -> list[Fused[Key]]:
    """All candidates (or only ``eligible`` ones) scored by an axis with a positive
    weight, best first. ``order`` gives each key a (kind, uid) tie-break; without it
    keys are compared by ``str``. ``cut``: the axes that returned only their best
    candidates (see ``convex``). ``nearby`` and ``features``: see ``minmax`` (the
    other fusions ignore them)."""
    allowed = set(eligible) if eligible is not None else None
    kept = {
        axis: {k: s.score for k, s in scored.items() if allowed is None or k in allowed}
        for axis, scored in axes.items()
        if weights.get(axis, 0.0) > 0
    }
    relevance = convex(kept, weights, cut=cut)
    extras: dict[str, dict[Key, float]] = {}
    if method == "convex":
        totals = relevance
    elif method == "minmax":
        totals, extras = minmax(kept, weights, cut=cut, nearby=nearby, features=features)
    else:
        totals = reciprocal_rank(kept, weights)
    per_axis: dict[Key, dict[str, int]] = {}
    for axis, scores in kept.items():
        for key, rank in ranks(scores).items():
            per_axis.setdefault(key, {})[axis] = rank
    tie = order or {}

    def sort_key(key: Key) -> tuple[float, tuple[str, str]]:
        return (-totals.get(key, 0.0), tie.get(key, ("", str(key))))

    return [
        Fused(k, totals.get(k, 0.0), relevance.get(k, 0.0), per_axis[k], _features(extras, k))
        for k in sorted(per_axis, key=sort_key)
    ]


def _features(extras: Mapping[str, Mapping[Key, float]], key: Key) -> dict[str, float]:
    """The positive values ``key`` has of the features that took part."""
    return {name: v for name, found in extras.items() if (v := found.get(key, 0.0)) > 0}
