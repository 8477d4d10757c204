r"""CRH (Li, Li, Gao, Zhao, Fan and Han 2014, "Resolving conflicts in heterogeneous
data by truth discovery and source reliability estimation", SIGMOD).

Source weights and truths minimise the weighted loss
:math:`\sum_s w_s \sum_{c \in s} d(v_c, v^*_{i_c})` subject to
:math:`\sum_s e^{-w_s} = 1`, by block coordinate descent:

* truths: on each item the value of largest weighted vote
  :math:`W^*(v)`, where :math:`W(v) = \sum_{s \to v} w_c w_s` and :math:`W^*` adds the
  credit of related values (``kgmem.verification.support``), the categorical update
  of the paper extended with value links;
* weights: :math:`w_s = -\ln \big(\bar d_s / \max_{s'} \bar d_{s'}\big)`, with
  :math:`\bar d_s` the smoothed mean loss of the source's claims,
  :math:`\bar d_s = (\sum_{c \in s} d_c + \alpha \bar d) / (n_s + \alpha)`
  (the paper's sum over claims, taken per claim so that a source's weight does not
  grow with how much it says). The loss :math:`d` is 0 for the truth, 1 for another
  value, and :math:`1 - s(v, v^*)` for a value similar to the truth.

The truths are hard choices, so the descent stops when they no longer change (the
weights are then fixed too). The published trust is the weighted vote share
:math:`W^*(v) / \sum_u W^*(u)`; a source's reliability its mean share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgmem.verification.claims import ClaimArrays, Floats, Ints, Scores
from kgmem.verification.estimators import base


@dataclass(frozen=True, slots=True)
class Crh:
    """Hyper-parameters: link credits and the loss smoothing ``prior_strength``."""

    implied_credit: float = 0.5
    similarity_weight: float = 0.5
    prior_strength: float = 2.0
    max_iterations: int = 100


def estimate(claims: ClaimArrays, params: Crh | None = None) -> Scores:
    """Source weights and truths by block coordinate descent."""
    p = params or Crh()
    m = base.model(claims, implied_credit=p.implied_credit, similarity_weight=p.similarity_weight)
    weights = np.ones(m.n_sources)
    truth = np.full(len(claims.value_item), -1, dtype=np.int64)
    rounds = 0
    while rounds < p.max_iterations:
        rounds += 1
        chosen = _chosen(m, _shares(m, weights))
        if np.array_equal(chosen, truth):
            break
        truth = chosen
        weights = _weights(m, truth, p)
    share = _shares(m, weights)
    accuracy = base.mean_probability(m, share, np.full(m.n_sources, 0.5), p.prior_strength)
    return base.finish(m, share, accuracy, rounds)


def _shares(m: base.ClaimModel, weights: Floats) -> Floats:
    votes = m.links.spread(np.bincount(m.value, m.weight * weights[m.source], minlength=m.n_values))
    out: Floats = votes / np.maximum(base.item_sums(m, votes), 1e-12)
    return out


def _chosen(m: base.ClaimModel, share: Floats) -> Ints:
    """For each value, the value its item currently takes as the truth."""
    chosen = base.chosen(m, share)
    out: Ints = chosen[m.claims.value_item]
    return out


def _weights(m: base.ClaimModel, truth: Ints, p: Crh) -> Floats:
    strength = p.prior_strength
    loss = np.where(m.value == truth[m.value], 0.0, 1.0)
    near = _similarity(m, m.value, truth[m.value]) / max(p.similarity_weight, p.implied_credit)
    loss = np.minimum(loss, 1.0 - np.clip(near, 0.0, 1.0))
    total = np.bincount(m.source, m.weight * loss, minlength=m.n_sources)
    overall = float(total.sum() / max(m.source_weight.sum(), 1e-12))
    mean = (total + strength * max(overall, 1e-3)) / (m.source_weight + strength)
    out: Floats = -np.log(mean / mean.max())
    return out


def _similarity(m: base.ClaimModel, value: Ints, truth: Ints) -> Floats:
    """The similarity credit of each claimed value toward its item's truth."""
    links = m.links
    if not len(links.to):
        return np.zeros(len(value))
    pairs = zip(links.frm.tolist(), links.to.tolist(), strict=True)
    table = dict(zip(pairs, links.credit.tolist(), strict=True))
    out: Floats = np.array(
        [table.get((a, b), 0.0) for a, b in zip(value.tolist(), truth.tolist(), strict=True)]
    )
    return np.clip(out, 0.0, 1.0)
