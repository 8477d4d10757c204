"""What every estimator shares: the claim structure (distinct claims, malformed
values, implication links) and the published scores.

An estimator alternates a *value step* (source weights to value probabilities) and a
*source step* (probabilities to weights) to a fixed point
(``kgmem.verification.fixedpoint``); the number of steps is reported.
"""

from __future__ import annotations

import numpy as np

from kgmem.verification.claim_model import ClaimModel
from kgmem.verification.claims import (
    ClaimArrays,
    Estimator,
    Floats,
    Ints,
    Scores,
    argmax_per_item,
)

__all__ = ["ClaimModel", "chosen", "finish", "item_sums", "mean_probability", "model"]


def model(claims: ClaimArrays, *, implied_credit: float, similarity_weight: float) -> ClaimModel:
    """The distinct claims, their weights and the value links, without copy pairs."""
    params = Estimator(
        detect_copies=False, implied_credit=implied_credit, similarity_weight=similarity_weight
    )
    return ClaimModel(claims, params)


def mean_probability(m: ClaimModel, prob: Floats, prior: Floats, strength: float) -> Floats:
    """Each source's accuracy: the smoothed mean probability of its claims."""
    hit = np.bincount(m.source, m.weight * prob[m.value], minlength=m.n_sources)
    out: Floats = np.clip((hit + strength * prior) / (m.source_weight + strength), 0.01, 0.99)
    return out


def finish(m: ClaimModel, prob: Floats, accuracy: Floats, rounds: int) -> Scores:
    """The published scores of a run without copy detection."""
    ones = np.ones(len(m.value))
    none = (np.zeros(0), np.zeros(m.n_sources))
    return m.scores(prob, accuracy, ones, none, rounds)


def item_sums(m: ClaimModel, per_value: Floats) -> Floats:
    """Per value, the sum of ``per_value`` over the values of its item."""
    items = m.claims.value_item
    total = np.bincount(items, per_value, minlength=len(m.claims.item_functional))
    out: Floats = total[items]
    return out


def chosen(m: ClaimModel, score: Floats) -> Ints:
    """Per item, the value of highest ``score`` (ties to the value claimed first)."""
    return argmax_per_item(m.claims, score)
