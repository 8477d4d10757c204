r"""Turning an estimator's trust into a probability you can bet on, and measuring how
far it is from one.

Isotonic calibration (Zadrozny and Elkan 2002): the monotone non-decreasing map
:math:`g` minimising :math:`\sum_k (g(p_k) - y_k)^2` over scored values with known
truth :math:`y_k \in \{0, 1\}`, found by pool-adjacent-violators and applied by linear
interpolation between the pooled blocks' mean scores (constant beyond the ends). A
monotone map never changes which value of an item ranks first.

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
    """The two maps of a data set: for each item's chosen value and for the others."""

    value: Isotonic
    chosen: Isotonic

    def trust(self, raw: Floats, chosen: npt.NDArray[np.int64]) -> Floats:
        """Calibrated trust of every value; ``chosen`` holds each item's chosen value."""
        out = self.value(raw)
        picked = chosen[chosen >= 0]
        out[picked] = self.chosen(raw[picked])
        return out

    def dumps(self) -> str:
        """The maps as JSON (what ``KGMEM_VERIFICATION_CALIBRATION_FILE`` holds)."""
        return json.dumps(
            {
                "value": {"knots": self.value.knots, "levels": self.value.levels},
                "chosen": {"knots": self.chosen.knots, "levels": self.chosen.levels},
            }
        )


def load(path: Path) -> Calibration:
    """The maps written by ``Calibration.dumps``; ``ValueError`` naming the file when it
    is not such a file."""
    try:
        body = json.loads(path.read_text())
        maps = [_isotonic(body[k]) for k in ("value", "chosen")]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a kgmem calibration file ({exc})") from exc
    return Calibration(*maps)


def _isotonic(body: dict[str, list[float]]) -> Isotonic:
    knots = tuple(float(x) for x in body["knots"])
    levels = tuple(float(x) for x in body["levels"])
    ordered = all(a <= b for a, b in itertools.pairwise(knots))
    if len(knots) != len(levels) or not knots or not ordered:
        raise ValueError("knots and levels must be equally long and knots non-decreasing")
    if not all(0.0 <= y <= 1.0 for y in levels):
        raise ValueError("levels must lie in [0, 1]")
    return Isotonic(knots, levels)
