r"""Calibration on features that mean the same in every data set.

A map of the raw trust alone (``kgmem.verification.calibration``) learns how one data
set's estimator over- or under-states itself, and that does not carry to another set.
This map reads, for each item's chosen value, three features whose meaning does not
depend on the data set:

- ``trust``: the logit of the estimator's raw trust of the value;
- ``agreement``: the share of the item's claims that name the value;
- ``claims``: :math:`\ln(1 + n)` for the item's :math:`n` claims.

and gives :math:`\sigma(w \cdot x + c)`. It is fitted by maximum likelihood across
several data sets at once, each set weighing the same however many items it has, with
a ridge penalty ``shrinkage`` that pulls the weights and the bias toward the raw trust (weight 1 on
``trust``, 0 elsewhere, no bias): a large shrinkage leaves the raw trust as it is. The
weight of ``agreement`` is kept at or above 0, so more agreement never lowers trust,
and the weight of ``trust`` too, so the map never turns the estimator's order round.
Which shrinkage (or the raw trust) is used is chosen by leave-one-set-out
cross-validation (``choose``): each set judged by the map fitted on the others.

With fewer than ``MIN_ITEMS`` labelled items there is too little to fit: ``fit_across``
returns None and callers keep the raw trust and say "too few claims to calibrate".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kgmem.verification.claims import ClaimArrays

Floats = npt.NDArray[Any]
Bools = npt.NDArray[np.bool_]
FEATURES = ("trust", "agreement", "claims")
IDENTITY = (1.0, 0.0, 0.0)
MIN_ITEMS = 100
SHRINKAGES = (0.0001, 0.001, 0.01, 0.1, 1.0)
TOO_FEW = "too few claims to calibrate"
_EPS = 1e-4
_MONOTONE = (0, 1)  # features whose weight stays >= 0: trust and agreement


@dataclass(frozen=True, slots=True)
class FeatureMap:
    """A fitted map: one weight per ``FEATURES`` and a bias."""

    weights: tuple[float, ...] = IDENTITY
    bias: float = 0.0

    def __call__(self, x: Floats) -> Floats:
        """The calibrated probability of each row of features ``x``."""
        z = np.asarray(x, dtype=np.float64) @ np.asarray(self.weights) + self.bias
        out: Floats = 1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0)))
        return out

    def as_json(self) -> dict[str, Any]:
        """The map as a JSON object (part of a calibration file)."""
        return {"features": list(FEATURES), "weights": list(self.weights), "bias": self.bias}


def from_json(body: dict[str, Any]) -> FeatureMap:
    """The map written by ``FeatureMap.as_json``; ValueError when it is not one."""
    weights = tuple(float(w) for w in body["weights"])
    if tuple(body.get("features", FEATURES)) != FEATURES or len(weights) != len(FEATURES):
        raise ValueError(f"a feature map has one weight per feature: {', '.join(FEATURES)}")
    if any(weights[i] < 0 for i in _MONOTONE):
        raise ValueError("the weights of trust and agreement must not be negative")
    return FeatureMap(weights, float(body["bias"]))


def features(trust: Floats, agreement: Floats, claims: Floats) -> Floats:
    """The feature rows of values with raw ``trust``, ``agreement`` share and ``claims``
    on their item (see the module docstring)."""
    p = np.clip(np.asarray(trust, dtype=np.float64), _EPS, 1.0 - _EPS)
    return np.column_stack(
        [np.log(p / (1.0 - p)), np.clip(agreement, 0.0, 1.0), np.log1p(np.maximum(claims, 0.0))]
    )


def of_values(arrays: ClaimArrays, trust: Floats, values: npt.NDArray[np.int64]) -> Floats:
    """The feature rows of ``values`` (indices into the values of ``arrays``) scored
    ``trust`` (every value's raw trust)."""
    per_value = np.bincount(arrays.claim_value, minlength=len(arrays.value_item)).astype(float)
    per_item = np.bincount(
        arrays.value_item, weights=per_value, minlength=len(arrays.item_functional)
    )
    claims = per_item[arrays.value_item[values]]
    agreement = per_value[values] / np.maximum(claims, 1.0)
    return features(np.asarray(trust)[values], agreement, claims)


def fit_across(sets: Sequence[tuple[Floats, Bools]], shrinkage: float) -> FeatureMap | None:
    """The map fitted on ``sets`` (feature rows and whether each value is right), each
    set weighing the same; None with fewer than ``MIN_ITEMS`` items in all."""
    sets = [(x, y) for x, y in sets if len(y)]
    if sum(len(y) for _, y in sets) < MIN_ITEMS:
        return None
    x = np.concatenate([s[0] for s in sets])
    y = np.concatenate([s[1] for s in sets]).astype(np.float64)
    w = np.concatenate([np.full(len(s[1]), len(y) / (len(sets) * len(s[1]))) for s in sets])
    free = list(range(len(FEATURES)))
    beta = _logistic(x, y, w, shrinkage, free)
    while any(beta[i] < 0 for i in _MONOTONE if i in free):
        free = [i for i in free if not (i in _MONOTONE and beta[i] < 0)]
        beta = _logistic(x, y, w, shrinkage, free)
    return FeatureMap(tuple(float(b) for b in beta[:-1]), float(beta[-1]))


def _logistic(x: Floats, y: Floats, w: Floats, shrinkage: float, free: list[int]) -> Floats:
    """Weighted logistic regression on the ``free`` features (the others held at 0,
    ``trust`` at most at its prior) with a ridge toward ``IDENTITY``, by damped Newton
    steps; returns every weight, then the bias."""
    prior = np.array([IDENTITY[i] for i in free] + [0.0])
    design = np.column_stack([x[:, free], np.ones(len(x))])
    ridge = np.diag([shrinkage * len(y)] * (len(free) + 1))
    b = prior.copy()

    def loss(v: Floats) -> float:
        z = np.clip(design @ v, -35.0, 35.0)
        d = v - prior
        return float(np.sum(w * (np.logaddexp(0.0, z) - y * z)) + 0.5 * d @ ridge @ d)

    for _ in range(100):
        z = np.clip(design @ b, -35.0, 35.0)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = design.T @ (w * (p - y)) + ridge @ (b - prior)
        hess = (design * (w * p * (1.0 - p))[:, None]).T @ design + ridge
        step = np.linalg.solve(hess, grad)
        size, before = 1.0, loss(b)
        while loss(b - size * step) > before and size > 1e-6:
            size /= 2
        b = b - size * step
        if np.abs(size * step).max() < 1e-9:
            break
    out = np.zeros(len(FEATURES) + 1)
    out[free] = b[:-1]
    out[-1] = b[-1]
    if 0 not in free:  # trust dropped for a negative weight: the raw order is kept flat
        out[0] = 0.0
    return out


def choose(
    sets: Sequence[tuple[Floats, Bools]], ece: Any, shrinkages: Sequence[float] = SHRINKAGES
) -> tuple[float | None, float]:
    """The shrinkage of least mean ``ece`` when each set is judged by the map fitted on
    the others (None: the raw trust is best), with that mean."""
    best: float | None = None
    best_score = float(np.mean([ece(_raw(x), y) for x, y in sets])) if sets else np.inf
    for s in shrinkages:
        scores = []
        for k, (x, y) in enumerate(sets):
            fitted = fit_across([t for j, t in enumerate(sets) if j != k], s)
            scores.append(ece(_raw(x) if fitted is None else fitted(x), y))
        mean = float(np.mean(scores)) if scores else np.inf
        if mean < best_score - 1e-12:
            best, best_score = s, mean
    return best, best_score


def _raw(x: Floats) -> Floats:
    out: Floats = 1.0 / (1.0 + np.exp(-x[:, 0]))
    return out
