"""Reliability per source and predicate: a weather site may be right on temperatures
and wrong on humidity. The claims are split so that each (source, predicate) pair is a
source of its own, whose accuracy the estimator shrinks toward the accuracy of the
source over all its predicates (a hierarchical prior, ``ClaimModel.accuracy``); the
scores are then folded back to one row per source, and kept per pair too
(``Scores.per_predicate``) for the incremental update (``consensus.settle``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kgmem.verification.claims import (
    ClaimArrays,
    Estimator,
    Floats,
    Ints,
    PredicateScores,
    Scores,
    sums,
)


def split(claims: ClaimArrays) -> ClaimArrays | None:
    """``claims`` with one source per (source, predicate) pair, or None when no source
    claims on more than one predicate (nothing to split) or predicates are unknown."""
    if claims.item_predicate is None or not len(claims.claim_source):
        return None
    width = int(claims.item_predicate.max()) + 1
    predicate = claims.item_predicate[claims.value_item[claims.claim_value]]
    pairs, part = np.unique(claims.claim_source * width + predicate, return_inverse=True)
    parent = pairs // width
    if len(pairs) == len(np.unique(parent)):
        return None
    group = None if claims.source_group is None else claims.source_group[parent]
    return replace(
        claims,
        claim_source=part.astype(np.int64).reshape(-1),
        source_prior=claims.source_prior[parent],
        source_group=group,
        source_parent=parent.astype(np.int64),
    )


def accuracy(
    p: Estimator, own: tuple[Floats, Floats], pooled: tuple[Floats, Floats], prior: Floats
) -> Floats:
    """Accuracies of split sources from their sums (``own``: hit and weight on their
    predicate; ``pooled``: their parent source's over all its predicates): each is
    shrunk toward its parent's smoothed accuracy with ``predicate_strength``
    pseudo-claims, or mixed with it (``predicate_share`` of its own smoothed accuracy,
    the rest its parent's: a pull that does not fade as claims grow). A parent split
    only once gets exactly the accuracy it would have unsplit; with both options at 0
    each is its parent's."""
    hit, weight = own
    a = p.strength(pooled[1])
    whole = (pooled[0] + a * prior) / (pooled[1] + a)
    b, share = p.predicate_strength, p.predicate_share
    out: Floats = (hit + a * prior + b * whole) / (weight + a + b) if b else whole
    if share:
        alone = (hit + a * prior) / (weight + a)
        out = share * alone + (1 - share) * out
    clipped: Floats = np.clip(out, 1 - p.max_accuracy, p.max_accuracy)
    return clipped


def unsplit(claims: ClaimArrays, scores: Scores) -> Scores:
    """``scores`` of claims where every source claims on one predicate, with their
    per-(source, predicate) rows: each source's own."""
    if claims.item_predicate is None:
        return scores
    predicate = source_predicate(claims)
    rows = np.flatnonzero(predicate >= 0)
    claims_of = np.bincount(claims.claim_source, minlength=len(predicate))
    return replace(
        scores,
        per_predicate=PredicateScores(
            source=rows.astype(np.int64),
            predicate=predicate[rows],
            reliability=scores.reliability[rows],
            hit=scores.source_hit[rows],
            weight=scores.source_weight[rows],
            claims=claims_of[rows].astype(np.int64),
            copying=scores.copying[rows],
            dependence=[(a, b, int(predicate[a]), d) for a, b, d in scores.dependence],
        ),
    )


def source_predicate(claims: ClaimArrays) -> Ints:
    """Each source's predicate index (that of its last claim; -1 for a source without
    claims): the predicate of a split source, which claims on one only."""
    out: Ints = np.full(len(claims.source_prior), -1, dtype=np.int64)
    if claims.item_predicate is not None:
        out[claims.claim_source] = claims.item_predicate[claims.value_item[claims.claim_value]]
    return out


def fold(parted: ClaimArrays, scores: Scores, n_sources: int) -> Scores:
    """``scores`` of split claims ``parted`` as scores per source: a source's
    reliability is the claim-weighted mean of its per-predicate ones (its prior's where
    it has no weight), its sums are summed, and dependent pairs are named by source (the
    strongest kept); the split rows are kept in ``per_predicate``."""
    assert parted.source_parent is not None
    parent = parted.source_parent
    weight = sums(parent, scores.source_weight, n_sources)
    hit = sums(parent, scores.source_hit, n_sources)
    mean = sums(parent, scores.reliability * scores.source_weight, n_sources)
    prior = _first(parent, scores.source_prior, n_sources)
    reliability: Floats = np.where(weight > 0, mean / np.maximum(weight, 1e-12), prior)
    copying: Floats = np.zeros(n_sources)
    np.maximum.at(copying, parent, scores.copying)
    pairs: dict[tuple[int, int], float] = {}
    for a, b, d in scores.dependence:
        key = (int(min(parent[a], parent[b])), int(max(parent[a], parent[b])))
        pairs[key] = max(d, pairs.get(key, 0.0))
    return replace(
        scores,
        reliability=reliability,
        dependence=[(a, b, d) for (a, b), d in sorted(pairs.items())],
        source_hit=hit,
        source_weight=weight,
        source_prior=prior,
        copying=copying,
        per_predicate=_split_rows(parted, scores),
    )


def _split_rows(parted: ClaimArrays, scores: Scores) -> PredicateScores:
    """The per-(source, predicate) rows of split claims' ``scores``."""
    assert parted.source_parent is not None
    parent, predicate = parted.source_parent, source_predicate(parted)
    dependence = []
    for a, b, d in scores.dependence:
        low, high = sorted((int(parent[a]), int(parent[b])))
        dependence.append((low, high, int(predicate[a]), d))
    return PredicateScores(
        source=parent,
        predicate=predicate,
        reliability=scores.reliability,
        hit=scores.source_hit,
        weight=scores.source_weight,
        claims=np.bincount(parted.claim_source, minlength=len(parent)).astype(np.int64),
        copying=scores.copying,
        dependence=sorted(dependence),
    )


def _first(parent: Ints, values: Floats, n_sources: int) -> Floats:
    """Per source, the value of its first split source (zero for none)."""
    out: Floats = np.zeros(n_sources)
    out[parent[::-1]] = values[::-1]
    return out
