"""``python -m bench truth-options``: whether an option of the accuracy estimator earns
its place, by nested cross-validation over the population and weather sets.

A sub-grid of ACCU around the shipped configuration (copy evidence, prior strength,
``false_values``, similarity weight) is crossed with each option's values
(``OPTIONS``). For each of ``truth_cv.FOLDS`` folds the configuration of best mean
precision over the sets (among those within the ECE limit, as ``bench truth``
chooses) is picked on the other folds, once from the sub-grid alone and once from the
sub-grid with the options; the fold's items are then scored. Reported per set: the
in-fold precision of the picks (on the folds that chose them) against the held-out one,
so an option that only fits the folds it was chosen on shows as a gap, and the held-out
calibrated chosen-value ECE. ``--options`` names the options to cross (all by default).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import truth, truth_cv, truth_data
from bench.machine import describe
from bench.report import Figure, Report
from bench.truth_arrays import Labelled, labelled, precision
from kgmem.verification.claims import Estimator
from kgmem.verification.estimators import Choice

BASE = [
    Estimator(
        copy_evidence=e,
        prior_strength=a,
        false_values=n,
        similarity_weight=s,
        implied_credit=0.25,
        max_accuracy=0.9,
    )
    for e in ("mixture", "soft")
    for a in (0.5, 2.0)
    for n in (3.0, 10.0)
    for s in (0.1, 0.5)
]
# Each option's values; the first is the estimator without it.
OPTIONS: dict[str, tuple[float | bool, ...]] = {
    "few_claims_strength": (0.0, 2.0),
    "numeric_tolerance": (1.0, 3.0),
    "copy_rate": (0.8, 0.5),
    "copies_per_predicate": (False, True),
    "predicate_strength": (0.0, 300.0, 1000.0, 3000.0),
    "predicate_share": (0.0, 0.5, 0.7, 0.9),
}


def grid(options: Sequence[str]) -> list[Choice]:
    """The sub-grid crossed with the values of ``options``."""
    configs = list(BASE)
    for name in options:
        configs = [_with(c, name, v) for c in configs for v in OPTIONS[name]]
    return [Choice("accu", c) for c in configs]


def nested(
    sets: Sequence[Labelled], runs: Sequence[dict[str, list[truth_cv.Run]]], allowed: list[int]
) -> list[tuple[float, truth_cv.Held, list[str]]]:
    """Per set: in-fold precision, the held-out results (precision and calibrated ECE,
    the maps fitted on the other folds as ``bench truth`` does) and each fold's pick,
    choosing among the configurations ``allowed`` only."""
    folds = [truth_cv.fold_of(d) for d in sets]
    sub = [{"accu": [r["accu"][k] for k in allowed]} for r in runs]
    inside = [[0.0, 0] for _ in sets]
    held = [truth_cv.Held() for _ in sets]
    picks: list[str] = []
    for f in range(truth_cv.FOLDS):
        train = [fold != f for fold in folds]
        _, k = truth_cv.select(sets, sub, train, ["accu"])
        picks.append(str(allowed[k]))
        for s, data in enumerate(sets):
            run = sub[s]["accu"][k]
            fit = data.gold_items[train[s]]
            inside[s][0] += precision(data, run.chosen, fit) * len(fit)
            inside[s][1] += len(fit)
            truth_cv.score_fold(data, run, train[s], held[s])
    return [(i[0] / i[1], h, picks) for i, h in zip(inside, held, strict=True)]


async def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench truth-options")
    p.add_argument("--data", type=Path, default=truth_data.DATA)
    p.add_argument(
        "--options",
        nargs="+",
        choices=list(OPTIONS),
        default=list(OPTIONS),
        help="the options to cross with the sub-grid (each multiplies its size)",
    )
    args = p.parse_args(argv)
    sets = [truth_data.load_set(n, args.data) for n in truth_data.set_names(args.data)]
    arrays = [labelled(d, truth.value_types(d, [], undeclared=True)) for d in sets]
    choices = grid(args.options)
    runs = [truth_cv.run_grid(a, {"accu": choices}) for a in arrays]
    report = Report("truth-options", describe(), {"options": " ".join(args.options)})
    variants = {"without options": _allowed(choices, set())}
    variants |= {name: _allowed(choices, {name}) for name in args.options}
    variants["all options"] = list(range(len(choices)))
    for label, allowed in variants.items():
        for d, (inside, held, picks) in zip(arrays, nested(arrays, runs, allowed), strict=True):
            out = held.summary()
            report.add(Figure(f"{d.name}: {label}, in-fold precision x1000", inside * 1000, "", 0))
            report.add(
                Figure(
                    f"{d.name}: {label}, held-out precision x1000", out["precision"] * 1000, "", 0
                )
            )
            report.add(
                Figure(
                    f"{d.name}: {label}, held-out chosen ECE x1000", out["ece_chosen"] * 1000, "", 0
                )
            )
            report.data[f"picks_{d.name}_{label}"] = "; ".join(
                _short(choices[int(k)]) for k in picks
            )
    report.print_summary()
    print(f"saved {report.save()}")
    return 0


def _allowed(choices: Sequence[Choice], options: set[str]) -> list[int]:
    """The configurations that use no option outside ``options``."""
    out = []
    for k, c in enumerate(choices):
        on = {n for n, values in OPTIONS.items() if getattr(c.params, n) != values[0]}
        if on <= options:
            out.append(k)
    return out


def _short(choice: Choice) -> str:
    """The grid's coordinates of ``choice``."""
    p = choice.params
    assert isinstance(p, Estimator)
    names = ["copy_evidence", "prior_strength", "false_values", "similarity_weight", *OPTIONS]
    return " ".join(f"{n}={getattr(p, n)}" for n in names)


def _with(config: Estimator, name: str, value: float | bool) -> Estimator:
    """``config`` with the option ``name`` set to ``value``."""
    changes: dict[str, Any] = {name: value}
    return replace(config, **changes)
