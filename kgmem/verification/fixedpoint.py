r"""Solving :math:`x = F(x)` for the estimators' source accuracies, with SQUAREM
acceleration (Varadhan and Roland 2008, "Simple and globally convergent methods for
accelerating the convergence of any EM algorithm").

The plain iteration :math:`x \leftarrow F(x)` of a truth-discovery estimator can crawl:
a large source whose accuracy depends on many weakly decided items moves by a nearly
constant factor each round. One SQUAREM round takes two plain steps,
:math:`r = F(x) - x`, :math:`v = F(F(x)) - F(x) - r`, extrapolates with step length
:math:`\alpha = -\lVert r \rVert / \lVert v \rVert` (capped at -1, the plain double
step), :math:`x' = x - 2 \alpha r + \alpha^2 v` clipped to the domain, and stabilises
with one more plain step :math:`F(x')`. Stops when no coordinate of
:math:`F(x) - x` exceeds ``tolerance``; deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[Any]


def solve(
    step: Callable[[Floats], Floats],
    start: Floats,
    *,
    tolerance: float,
    max_rounds: int,
    bounds: tuple[float, float] = (0.01, 0.99),
) -> tuple[Floats, int]:
    """A fixed point of ``step`` near ``start`` and the number of ``step`` calls."""
    x, calls = start, 0
    while calls < max_rounds:
        f1 = step(x)
        calls += 1
        r = f1 - x
        if not len(r) or float(np.max(np.abs(r))) < tolerance:
            return f1, calls
        f2 = step(f1)
        calls += 1
        v = f2 - f1 - r
        norm_v = float(np.linalg.norm(v))
        alpha = -float(np.linalg.norm(r)) / norm_v if norm_v > 0 else -1.0
        alpha = min(alpha, -1.0)
        jump = np.clip(x - 2 * alpha * r + alpha**2 * v, *bounds)
        x = step(jump)
        calls += 1
    return x, calls
