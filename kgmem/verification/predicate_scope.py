"""Reliability per source and predicate: a weather site may be right on temperatures
and wrong on humidity. The claims are split so that each (source, predicate) pair is a
source of its own, whose accuracy the estimator shrinks toward the accuracy of the
source over all its predicates (a hierarchical prior, ``ClaimModel.accuracy``); the
scores are then folded back to one row per source."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kgmem.verification.claims import ClaimArrays, Floats, Ints, Scores, sums


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


def fold(scores: Scores, parent: Ints, n_sources: int) -> Scores:
    """``scores`` of split claims as scores per source: a source's reliability is the
    claim-weighted mean of its per-predicate ones (its prior's where it has no weight),
    its sums are summed, and dependent pairs are named by source (the strongest kept)."""
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
    )


def _first(parent: Ints, values: Floats, n_sources: int) -> Floats:
    """Per source, the value of its first split source (zero for none)."""
    out: Floats = np.zeros(n_sources)
    out[parent[::-1]] = values[::-1]
    return out
