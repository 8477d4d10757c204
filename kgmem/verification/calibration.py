r"""Turning an estimator's trust into a probability you can bet on, and measuring how
far it is from one.

Isotonic calibration (Zadrozny and Elkan 2002): the monotone non-decreasing map
:math:`g` minimising :math:`\sum_k (g(p_k) - y_k)^2` over scored values with known
truth :math:`y_k \in \{0, 1\}`, found by pool-adjacent-violators and applied by linear
interpolation between the pooled blocks' mean scores (constant beyond the ends). A
monotone map never changes which value of an item ranks first.

Two maps with fewer degrees of freedom, for few labelled items: Platt scaling on the
logit (Platt 1999; with the bias it is temperature scaling plus a shift),
:math:`g(p) = \sigma(a \operatorname{logit} p + c)`, and beta calibration (Kull, Silva
Filho and Flach 2017), :math:`g(p) = \sigma(a \ln p - b \ln(1 - p) + c)` with
:math:`a, b \ge 0` (a negative one is dropped and the rest refitted), both fitted by
maximum likelihood (Newton steps, a small ridge) and stored, like the isotonic map, as
a piecewise-linear map sampled densely in the logit. Which of the three a data set
uses is chosen by an inner cross-validation on the labelled items only
(``choose``).

Expected calibration error over :math:`B` equal-width bins of trust:

.. math:: \mathrm{ECE} = \sum_b \frac{n_b}{n} \lvert \bar p_b - \bar y_b \rvert.

*Per-value* ECE scores every value of an item against whether it is the true one;
*chosen-value* ECE only each item's chosen value. A map is fitted on the items of
some folds and judged on the others (``bench truth``), never on the items it is
judged on.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kgmem.verification.calibration_features import FeatureMap, from_json

Floats = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class Isotonic:
    """A fitted monotone map: ``knots`` scores to ``levels`` probabilities."""

    knots: tuple[float, ...] = (0.0, 1.0)
    levels: tuple[float, ...] = (0.0, 1.0)

    def __call__(self, p: Floats) -> Floats:
        """The calibrated probability of each score in ``p``."""
        out: Floats = np.interp(p, self.knots, self.levels)
        return out


def fit(scores: Floats, truth: npt.NDArray[np.bool_]) -> Isotonic:
    """The isotonic map of ``truth`` on ``scores`` (identity when nothing to fit)."""
    if not len(scores):
        return Isotonic()
    order = np.argsort(scores, kind="stable")
    x, y = np.asarray(scores, dtype=np.float64)[order], truth[order].astype(np.float64)
    sums, counts, xs = [], [], []  # pooled blocks: sum of y, size, sum of x
    for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
        sums.append(yi)
        counts.append(1.0)
        xs.append(xi)
        while len(sums) > 1 and sums[-2] / counts[-2] >= sums[-1] / counts[-1]:
            s, c, t = sums.pop(), counts.pop(), xs.pop()
            sums[-1] += s
            counts[-1] += c
            xs[-1] += t
    knots = tuple(t / c for t, c in zip(xs, counts, strict=True))
    levels = tuple(s / c for s, c in zip(sums, counts, strict=True))
    return Isotonic(knots, levels)


KINDS = ("isotonic", "platt", "beta")
_EPS = 1e-6
# Where a parametric map is sampled: dense in the logit, so both tails keep their shape.
_GRID = 1.0 / (1.0 + np.exp(-np.linspace(-14.0, 14.0, 281)))


def fit_kind(kind: str, scores: Floats, truth: npt.NDArray[np.bool_]) -> Isotonic:
    """The map of one ``kind`` (``KINDS``) fitted to ``truth`` on ``scores``."""
    if kind == "isotonic" or not len(scores) or truth.all() or not truth.any():
        return fit(scores, truth)
    p = np.clip(np.asarray(scores, dtype=np.float64), _EPS, 1.0 - _EPS)
    if kind == "platt":
        features = np.log(p / (1.0 - p))[:, None]
    elif kind == "beta":
        features = np.column_stack([np.log(p), -np.log(1.0 - p)])
    else:
        raise ValueError(f"unknown calibration {kind!r}; expected one of {', '.join(KINDS)}")
    weights = _logistic(features, truth)
    while (weights[:-1] < 0).any() and features.shape[1] > 1:
        keep = weights[:-1] >= 0
        features = features[:, keep]
        full = np.zeros(len(keep) + 1)
        full[np.append(keep, True)] = _logistic(features, truth)
        weights = full
    return _sampled(kind, np.maximum(weights[:-1], 0.0), weights[-1])


def _logistic(x: Floats, y: npt.NDArray[np.bool_], ridge: float = 1e-3) -> Floats:
    """Logistic regression weights (then the bias) by Newton's method."""
    design = np.column_stack([x, np.ones(len(x))])
    w = np.zeros(design.shape[1])
    target = y.astype(np.float64)
    for _ in range(50):
        z = np.clip(design @ w, -35.0, 35.0)
        prob = 1.0 / (1.0 + np.exp(-z))
        grad = design.T @ (prob - target) + ridge * w
        hess = (design * (prob * (1.0 - prob))[:, None]).T @ design + ridge * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def _sampled(kind: str, slopes: Floats, bias: float) -> Isotonic:
    p = _GRID
    if kind == "platt":
        z = slopes[0] * np.log(p / (1.0 - p)) + bias
    else:
        a = slopes[0] if len(slopes) > 0 else 0.0
        b = slopes[1] if len(slopes) > 1 else 0.0
        z = a * np.log(p) - b * np.log(1.0 - p) + bias
    levels = np.maximum.accumulate(1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0))))
    knots = np.concatenate([[0.0], p, [1.0]])
    levels = np.concatenate([[levels[0]], levels, [levels[-1]]])
    return Isotonic(tuple(knots.tolist()), tuple(levels.tolist()))


def choose(
    scores: Floats, truth: npt.NDArray[np.bool_], folds: npt.NDArray[np.int64]
) -> tuple[str, float]:
    """The calibration kind of least ECE when each of ``folds`` is judged by the map
    fitted on the others, with that ECE (ties to the earlier of ``KINDS``)."""
    best, best_ece = KINDS[0], np.inf
    for kind in KINDS:
        out_p: list[float] = []
        out_y: list[bool] = []
        for j in np.unique(folds).tolist():
            fit_on, judge = folds != j, folds == j
            mapping = fit_kind(kind, scores[fit_on], truth[fit_on])
            out_p += mapping(scores[judge]).tolist()
            out_y += truth[judge].tolist()
        got = ece(np.array(out_p), np.array(out_y, dtype=np.bool_))
        if got < best_ece - 1e-12:
            best, best_ece = kind, got
    return best, float(best_ece)


def ece_interval(
    p: Floats, truth: npt.NDArray[np.bool_], resamples: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """A 95% bootstrap interval of ``ece`` (items resampled with replacement)."""
    if not len(p):
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(p), size=(resamples, len(p)))
    values = [ece(p[d], truth[d]) for d in draws]
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def ece(p: Floats, truth: npt.NDArray[np.bool_], bins: int = 10) -> float:
    """Expected calibration error of probabilities ``p`` over ``bins`` equal bins."""
    if not len(p):
        return 0.0
    mean_p, share, count = reliability(p, truth, bins)
    filled = count > 0
    return float(np.sum(count[filled] * np.abs(mean_p[filled] - share[filled])) / len(p))


def reliability(
    p: Floats, truth: npt.NDArray[np.bool_], bins: int = 10
) -> tuple[Floats, Floats, Floats]:
    """Per bin of trust: the mean trust, the share true and the count (0 when empty)."""
    b = np.minimum((np.asarray(p) * bins).astype(np.int64), bins - 1)
    count = np.bincount(b, minlength=bins).astype(np.float64)
    total_p = np.bincount(b, p, minlength=bins)
    total_y = np.bincount(b, truth.astype(np.float64), minlength=bins)
    safe = np.maximum(count, 1.0)
    return total_p / safe, total_y / safe, count


@dataclass(frozen=True, slots=True)
class Calibration:
    """The two maps of a data set: for each item's chosen value and for the others;
    with ``features``, the chosen value's trust is read from the feature map instead
    (``kgmem.verification.calibration_features``; see ``calibration_scope.apply``)."""

    value: Isotonic
    chosen: Isotonic
    features: FeatureMap | None = None

    def trust(self, raw: Floats, chosen: npt.NDArray[np.int64]) -> Floats:
        """Calibrated trust of every value; ``chosen`` holds each item's chosen value."""
        out = self.value(raw)
        picked = chosen[chosen >= 0]
        out[picked] = self.chosen(raw[picked])
        return out

    def dumps(self) -> str:
        """The maps as JSON (what ``KGMEM_VERIFICATION_CALIBRATION_FILE`` holds)."""
        body: dict[str, Any] = {
            "value": {"knots": self.value.knots, "levels": self.value.levels},
            "chosen": {"knots": self.chosen.knots, "levels": self.chosen.levels},
        }
        if self.features is not None:
            body["features"] = self.features.as_json()
        return json.dumps(body)


def load(path: Path) -> Calibration:
    """The maps written by ``Calibration.dumps``; ``ValueError`` naming the file when it
    is not such a file."""
    try:
        body = json.loads(path.read_text())
        maps = [_isotonic(body[k]) for k in ("value", "chosen")]
        features = from_json(body["features"]) if "features" in body else None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a kgmem calibration file ({exc})") from exc
    return Calibration(maps[0], maps[1], features)


def _isotonic(body: dict[str, list[float]]) -> Isotonic:
    knots = tuple(float(x) for x in body["knots"])
    levels = tuple(float(x) for x in body["levels"])
    ordered = all(a <= b for a, b in itertools.pairwise(knots))
    if len(knots) != len(levels) or not knots or not ordered:
        raise ValueError("knots and levels must be equally long and knots non-decreasing")
    if not all(0.0 <= y <= 1.0 for y in levels):
        raise ValueError("levels must lie in [0, 1]")
    return Isotonic(knots, levels)
