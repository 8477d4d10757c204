"""Reliability diagrams as a PNG, drawn with matplotlib (headless ``Agg`` backend).

One panel per kind of trust (per value and chosen value, raw and calibrated). Per bin
of trust: a bar up to the share of values that were true, a red tick at the bin's
mean trust, the diagonal of perfect calibration, the bin's count at the foot of the bar, and
the panel's expected calibration error (ECE) in its title.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class Panel:
    """One diagram: its title and, per bin, the mean trust, the share true, the count."""

    title: str
    mean_p: Floats
    share: Floats
    count: Floats

    def ece(self) -> float:
        """Expected calibration error of the binned trust."""
        total = max(float(self.count.sum()), 1.0)
        return float(np.sum(self.count * np.abs(self.mean_p - self.share)) / total)


def write(path: Path, panels: list[Panel], heading: str = "") -> Path:
    """``panels`` side by side as a PNG at ``path``, under ``heading``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, max(len(panels), 1), figsize=(3.6 * max(len(panels), 1), 3.9))
    axes = np.atleast_1d(axes)
    for ax, panel in zip(axes, panels, strict=False):
        _draw(ax, panel)
    if heading:
        fig.suptitle(heading)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _draw(ax: Any, panel: Panel) -> None:
    bins = len(panel.share)
    width = 1.0 / bins
    left = np.arange(bins) * width
    seen = panel.count > 0
    ax.bar(left[seen], panel.share[seen], width=width * 0.9, align="edge", color="#5a8cd2")
    ax.hlines(
        panel.mean_p[seen],
        left[seen] + 0.05 * width,
        left[seen] + 0.95 * width,
        colors="#c82828",
        linewidth=2,
    )
    ax.plot([0, 1], [0, 1], color="#3c3c3c", linewidth=0.8)
    for x, y, n in zip(left[seen], panel.share[seen], panel.count[seen], strict=True):
        inside = y > 0.1  # the count at the foot of its bar, clear of the red tick
        ax.text(
            x + width / 2,
            0.02 if inside else y + 0.02,
            f"{int(n)}",
            ha="center",
            fontsize=6,
            rotation=90,
            va="bottom",
            color="white" if inside else "black",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("trust (bar: share true, red: mean trust)", fontsize=7)
    ax.set_ylabel("share true", fontsize=7)
    ax.set_title(f"{panel.title}\nECE {panel.ece():.3f}, n={int(panel.count.sum())}", fontsize=8)
    ax.tick_params(labelsize=7)
