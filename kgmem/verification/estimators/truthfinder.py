r"""TruthFinder (Yin, Han and Yu 2007, "Truth discovery with multiple conflicting
information providers on the web", KDD).

Each source has a trustworthiness :math:`t(s)`, the mean confidence of the values it
asserts; each value a confidence score

.. math:: \sigma(v) = \sum_{s \to v} w_c\,\tau(s), \qquad \tau(s) = -\ln(1 - t(s)),

adjusted by the values that bear on it and, on a functional item, lowered by the
competing ones (the paper's implication below its base similarity):

.. math:: \sigma^*(v) = \sigma(v) + [C^*(\sigma) - \sigma](v)
          - \kappa \sum_{u \ne v} \sigma(u),

where :math:`C^*` spreads credit along the implication links
(``kgmem.verification.support``) and :math:`\kappa` is the conflict weight. The
confidence is :math:`s(v) = 1 / (1 + e^{-\gamma \sigma^*(v)})` with dampening factor
:math:`\gamma` (sources are not independent), and :math:`t(s)` is the mean :math:`s` of
its claims. The two steps repeat to a fixed point (SQUAREM, ``fixedpoint``). The
published trust of a value is its confidence normalised over its item, so the values
of a functional item sum to at most one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgmem.verification import fixedpoint
from kgmem.verification.claims import ClaimArrays, Floats, Scores
from kgmem.verification.estimators import base


@dataclass(frozen=True, slots=True)
class TruthFinder:
    """Hyper-parameters (the paper's defaults for ``initial``, ``dampening``)."""

    initial: float = 0.9
    dampening: float = 0.3
    conflict: float = 0.5
    implied_credit: float = 0.5
    similarity_weight: float = 0.5
    max_iterations: int = 500
    tolerance: float = 1e-4


def estimate(claims: ClaimArrays, params: TruthFinder | None = None) -> Scores:
    """Trustworthiness of sources and confidence of values together."""
    p = params or TruthFinder()
    m = base.model(claims, implied_credit=p.implied_credit, similarity_weight=p.similarity_weight)

    def confidence(trust: Floats) -> Floats:
        tau = -np.log1p(-np.clip(trust, 0.0, 0.999999))
        sigma = np.bincount(m.value, m.weight * tau[m.source], minlength=m.n_values)
        spread = m.links.spread(sigma)
        competing = np.where(m.functional_value, base.item_sums(m, sigma) - sigma, 0.0)
        out: Floats = 1 / (1 + np.exp(-p.dampening * (spread - p.conflict * competing)))
        return out

    def trustworthiness(conf: Floats) -> Floats:
        hit = np.bincount(m.source, m.weight * conf[m.value], minlength=m.n_sources)
        out: Floats = np.clip(hit / np.maximum(m.source_weight, 1e-12), 0.01, 0.99)
        return out

    start = np.full(m.n_sources, p.initial)
    trust, calls = fixedpoint.solve(
        lambda t: trustworthiness(confidence(t)),
        start,
        tolerance=p.tolerance,
        max_rounds=p.max_iterations,
    )
    conf = confidence(trust)
    prob = np.where(m.functional_value, conf / np.maximum(base.item_sums(m, conf), 1.0), conf)
    return base.finish(m, prob, trust, calls)
