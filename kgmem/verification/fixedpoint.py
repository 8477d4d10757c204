r"""Solving :math:`x = F(x)` for the estimators' source accuracies, with SQUAREM
acceleration (Varadhan and Roland 2008, "Simple and globally convergent methods for
accelerating the convergence of any EM algorithm").

The plain iteration :math:`x \leftarrow F(x)` of a truth-discovery estimator can crawl:
a large source whose accuracy depends on many weakly decided items moves by a nearly
constant factor each round. One SQUAREM round takes two plain steps,
:math:`r = F(x) - x`, :math:`v = F(F(x)) - F(x) - r`, extrapolates with step length
:math:`\alpha = -\lVert r \rVert / \lVert v \rVert` (capped at -1, the plain double
step), :math:`x' = x - 2 \alpha r + \alpha^2 v` clipped to the domain, and stabilises
with one more plain step :math:`F(x')`. The residual may grow for a while (the
method is not monotone), but a stabilised point whose residual exceeds ``GROWTH`` times
the largest of the last ``WINDOW`` rounds' is dropped for the plain double step
:math:`F(F(x))`. Stops when no coordinate of
:math:`F(x) - x` exceeds ``tolerance``; deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[Any]
WINDOW = 5
GROWTH = 4.0


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
    recent: list[float] = []
    while calls < max_rounds:
        f1 = step(x)
        calls += 1
        r = f1 - x
        residual = float(np.max(np.abs(r))) if len(r) else 0.0
        if residual < tolerance:
            return f1, calls
        recent = [*recent[-(WINDOW - 1) :], residual]
        f2 = step(f1)
        calls += 1
        v = f2 - f1 - r
        norm_v = float(np.linalg.norm(v))
        alpha = -float(np.linalg.norm(r)) / norm_v if norm_v > 0 else -1.0
        alpha = min(alpha, -1.0)
        jump = np.clip(x - 2 * alpha * r + alpha**2 * v, *bounds)
        x = step(jump)
        calls += 1
        if float(np.max(np.abs(x - jump))) > GROWTH * max(recent):
            x = f2  # the extrapolation went astray: keep the plain double step
    return x, calls
