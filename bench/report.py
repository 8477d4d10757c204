"""Printing and saving benchmark figures with their baselines and ratios."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    """One measured rate with the baseline it is compared to (same run, same data)."""

    name: str
    value: float
    unit: str
    count: int
    baseline: float | None = None
    baseline_name: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


@dataclass
class Report:
    scenario: str
    machine: dict[str, Any]
    data: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        ratio = f"  ({figure.ratio:.1f}x {figure.baseline_name})" if figure.ratio else ""
        print(f"  {figure.name:<44} {figure.value:>12,.0f} {figure.unit}{ratio}", flush=True)

    def print_summary(self) -> None:
        print(f"\n== {self.scenario} ==")
        print("machine: " + ", ".join(f"{k}={v}" for k, v in self.machine.items()))
        print("data:    " + ", ".join(f"{k}={v}" for k, v in self.data.items()))
        print(f"{'figure':<44} {'kgmem':>12} {'baseline':>12} {'ratio':>7}")
        for f in self.figures:
            base = f"{f.baseline:>12,.0f}" if f.baseline else f"{'-':>12}"
            ratio = f"{f.ratio:>6.1f}x" if f.ratio else f"{'-':>7}"
            print(f"{f.name:<44} {f.value:>12,.0f} {base} {ratio}  {f.unit}")
        for note in self.notes:
            print(f"note: {note}")
        print("\n" + self.markdown())

    def markdown(self) -> str:
        """The table as docs/performance.md shows it: command, machine, one row a figure."""
        machine = ", ".join(f"{k} {v}" for k, v in self.machine.items())
        data = ", ".join(f"{k} {v}" for k, v in self.data.items())
        lines = [
            f"Command: `python -m bench {self.scenario}`" + (f" ({data})" if data else ""),
            f"Machine: {machine}.",
            "",
            "| figure | kgmem | baseline (same run) | ratio |",
            "|---|---:|---:|---:|",
        ]
        for f in self.figures:
            base = f"{f.baseline:,.0f} {f.baseline_name}".strip() if f.baseline else "-"
            ratio = f"{f.ratio:.1f}x" if f.ratio else "-"
            lines.append(f"| {f.name} | {f.value:,.0f} {f.unit} | {base} | {ratio} |")
        return "\n".join(lines)

    def save(self) -> Path:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{self.scenario}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        body = {**asdict(self), "figures": [{**asdict(f), "ratio": f.ratio} for f in self.figures]}
        path.write_text(json.dumps(body, indent=2))
        return path


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
