"""Cross-validated quality of the truth-discovery estimators: the part of
``python -m bench truth`` that needs no database.

Every estimator configuration of ``GRID`` runs once per set (they are unsupervised:
gold labels never enter a run). The gold items of each set are split into ``FOLDS``
folds. For each fold, every choice is made on the *other* folds of *all* real sets
together (one configuration must serve every set): each estimator's hyper-parameters
and the default estimator by the mean of the sets' precision among the
configurations whose calibrated chosen-value ECE stays within ``ECE_LIMIT`` on every
set (judged by an inner cross-validation of the calibration over those other folds),
and per set the calibration maps (per value: isotonic; chosen value: isotonic, Platt
or beta, the kind chosen by an inner cross-validation over those other folds). The
fold's items are then scored with those choices; every figure reported pools the
folds' held-out items, so no figure comes from an item that a choice it depends on
saw. The choice made on all
folds is the one kgmem ships (``kgmem.verification.estimators.DEFAULT``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench import reliability_png
from bench.report import RESULTS, Figure, Report
from bench.truth_arrays import Labelled, precision
from kgmem.verification import calibration
from kgmem.verification.claims import Estimator
from kgmem.verification.estimators import CHOSEN, Choice, estimate
from kgmem.verification.estimators.crh import Crh
from kgmem.verification.estimators.ltm import Ltm
from kgmem.verification.estimators.truthfinder import TruthFinder

FOLDS = 5
ECE_LIMIT = 0.05  # the calibrated chosen-value ECE a choice must keep on every set
# Gold items a calibration map needs to be fitted on: with fewer, trust is left
# uncalibrated (and said to be) rather than mapped by a fit to a handful of items.
MIN_CALIBRATION = 100

# The false values of an item of author lists, as shipped: chosen leaving one GENERATED
# author-list set out (docs/decisions.md); population and weather have no such item.
NAMES_FALSE_VALUES = getattr(CHOSEN["accu"].params, "names_false_values", 0.0)
# Completeness per source on author lists, as shipped (chosen the same way).
COMPLETENESS = getattr(CHOSEN["accu"].params, "completeness_strength", 0.0)
# Items of author lists by the latent truth model, as shipped (chosen the same way).
NAMES_MODEL = CHOSEN["accu"].names

GRID: dict[str, list[Choice]] = {
    "vote": [Choice("vote")],
    "accu": [
        Choice(
            "accu",
            Estimator(
                false_values=n,
                similarity_weight=s,
                implied_credit=r,
                prior_strength=a,
                copy_evidence=e,
                max_accuracy=m,
                predicate_share=q,
                names_false_values=NAMES_FALSE_VALUES,
                completeness_strength=COMPLETENESS,
            ),
            names=NAMES_MODEL,
        )
        for q in (0.0, 0.7)
        for m in (0.99, 0.9)
        for e in ("mixture", "soft")
        for a in (0.5, 2.0, 8.0)
        for n in (3.0, 10.0, 30.0)
        for s in (0.1, 0.5)
        for r in (0.25, 0.75)
    ],
    "truthfinder": [
        Choice("truthfinder", TruthFinder(dampening=g, conflict=k))
        for g in (0.1, 0.3, 0.6)
        for k in (0.0, 0.5)
    ],
    "ltm": [
        Choice("ltm", Ltm(sensitivity_prior=s, false_positive_prior=f, truth_prior=b))
        for s in ((5.0, 5.0), (9.0, 1.0))
        for f in ((1.0, 9.0), (1.0, 99.0))
        for b in (0.2, 0.5)
    ],
    "crh": [
        Choice("crh", Crh(similarity_weight=s, prior_strength=a))
        for s in (0.0, 0.5)
        for a in (2.0, 10.0)
    ],
}


@dataclass
class Run:
    """One configuration on one set: chosen value per item, trust per value."""

    chosen: npt.NDArray[np.int64]
    trust: npt.NDArray[np.float64]
    iterations: int
    seconds: float
    converged: bool = True


@dataclass
class Held:
    """Held-out results of one estimator on one set, pooled over folds."""

    hits: int = 0
    items: int = 0
    value_p: list[float] = field(default_factory=list)
    value_raw: list[float] = field(default_factory=list)
    value_y: list[bool] = field(default_factory=list)
    chosen_p: list[float] = field(default_factory=list)
    chosen_raw: list[float] = field(default_factory=list)
    chosen_y: list[bool] = field(default_factory=list)
    picked: list[str] = field(default_factory=list)
    calibrators: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        """Precision and ECEs (raw and calibrated) of the pooled held-out items."""
        vy, cy = np.array(self.value_y), np.array(self.chosen_y)
        return {
            "precision": self.hits / max(self.items, 1),
            "items": float(self.items),
            "ece_value": calibration.ece(np.array(self.value_p), vy),
            "ece_value_raw": calibration.ece(np.array(self.value_raw), vy),
            "ece_chosen": calibration.ece(np.array(self.chosen_p), cy),
            "ece_chosen_raw": calibration.ece(np.array(self.chosen_raw), cy),
        }

    def ece_chosen_interval(self) -> tuple[float, float]:
        """A 95% bootstrap interval of the calibrated chosen-value ECE."""
        cy = np.array(self.chosen_y, dtype=np.bool_)
        return calibration.ece_interval(np.array(self.chosen_p), cy)


def run_grid(data: Labelled, grid: dict[str, list[Choice]]) -> dict[str, list[Run]]:
    """Every configuration of ``grid`` on ``data`` (each run once, no labels used)."""
    out: dict[str, list[Run]] = {}
    for name, choices in grid.items():
        out[name] = []
        for choice in choices:
            started = time.perf_counter()
            scores = estimate(data.arrays, choice)
            seconds = time.perf_counter() - started
            trust = np.clip(np.asarray(scores.trust, dtype=np.float64), 0.0, 1.0)
            cap = getattr(choice.params, "max_iterations", None)
            converged = cap is None or scores.iterations < cap
            out[name].append(Run(scores.chosen, trust, scores.iterations, seconds, converged))
    return out


def fold_of(data: Labelled) -> npt.NDArray[np.int64]:
    """The fold of each gold item (a fixed shuffle, so every run splits alike)."""
    rank = np.random.default_rng(0).permutation(len(data.gold_items))
    out: npt.NDArray[np.int64] = rank % FOLDS
    return out


def select(
    sets: Sequence[Labelled],
    runs: Sequence[dict[str, list[Run]]],
    masks: Sequence[npt.NDArray[np.bool_]],
    names: Sequence[str],
) -> tuple[str, int]:
    """The (estimator, configuration index) of best mean precision over ``sets`` on
    the gold items selected by ``masks``, among those whose calibrated chosen-value
    ECE (``inner_ece``) is at most ``ECE_LIMIT`` on every set; when none is, the best
    precision alone. Ties go to the earlier one."""
    scored = []
    for name in names:
        for k in range(len(runs[0][name])):
            score = float(
                np.mean(
                    [
                        precision(d, r[name][k].chosen, d.gold_items[m])
                        for d, r, m in zip(sets, runs, masks, strict=True)
                    ]
                )
            )
            scored.append((score, name, k))
    calibrated = [
        (score, name, k)
        for score, name, k in scored
        if all(
            inner_ece(d, r[name][k], m) <= ECE_LIMIT
            for d, r, m in zip(sets, runs, masks, strict=True)
        )
    ]
    best, best_score = ("vote", 0), -1.0
    for score, name, k in calibrated or scored:
        if score > best_score + 1e-12:
            best, best_score = (name, k), score
    return best


def leave_one_set_out(
    sets: Sequence[Labelled], runs: Sequence[dict[str, list[Run]]], name: str
) -> list[tuple[int, float]]:
    """Per set: the configuration of ``name`` picked (as ``select`` picks) on every gold
    item of the other sets, and the set's precision with it."""
    out = []
    for s, data in enumerate(sets):
        others = [k for k in range(len(sets)) if k != s]
        masks = [np.ones(len(sets[k].gold_items), dtype=np.bool_) for k in others]
        _, k = select([sets[i] for i in others], [runs[i] for i in others], masks, [name])
        out.append((k, precision(data, runs[s][name][k].chosen, data.gold_items)))
    return out


def inner_ece(data: Labelled, run: Run, train: npt.NDArray[np.bool_]) -> float:
    """Chosen-value ECE of ``run`` on the ``train`` gold items after calibration, each
    of their folds calibrated by a map fitted on their other folds (so the choice sees
    calibration only as it will be used: on unseen items), with the calibration kind
    that does best so (``calibration.choose``)."""
    return _calibrator(data, run, train)[1]


def _calibrator(data: Labelled, run: Run, train: npt.NDArray[np.bool_]) -> tuple[str, float]:
    """The chosen-value calibration kind for ``run``, chosen on the ``train`` gold
    items only, and its inner cross-validated ECE."""
    trust, truth = _chosen(data, run, data.gold_items)
    if int(train.sum()) < MIN_CALIBRATION:
        return "none", calibration.ece(trust[train], truth[train])
    return calibration.choose(trust[train], truth[train], fold_of(data)[train])


def too_few(data: Labelled) -> bool:
    """Whether ``data`` has too few gold items to fit a calibration map on the folds."""
    return len(data.gold_items) * (FOLDS - 1) // FOLDS < MIN_CALIBRATION


def _maps(
    data: Labelled, run: Run, items: npt.NDArray[np.int64], kind: str
) -> calibration.Calibration:
    """The per-value and chosen-value maps fitted on ``items`` (identity for ``none``)."""
    if kind == "none":
        return calibration.Calibration(calibration.Isotonic(), calibration.Isotonic())
    return calibration.Calibration(
        calibration.fit(*_values(data, run, items)),
        calibration.fit_kind(kind, *_chosen(data, run, items)),
    )


def cross_validate(
    sets: Sequence[Labelled], runs: Sequence[dict[str, list[Run]]]
) -> dict[str, list[Held]]:
    """Held-out results per estimator (and ``default``) per set (see the module)."""
    folds = [fold_of(d) for d in sets]
    names = list(runs[0])
    held = {name: [Held() for _ in sets] for name in [*names, "default"]}
    for f in range(FOLDS):
        train = [fold != f for fold in folds]
        picks = {name: select(sets, runs, train, [name]) for name in names}
        picks["default"] = select(sets, runs, train, [n for n in names if n != "vote"])
        for name, (est, k) in picks.items():
            for s, data in enumerate(sets):
                score_fold(data, runs[s][est][k], train[s], held[name][s])
                held[name][s].picked.append(f"{est}[{k}]")
    return held


def score_fold(data: Labelled, run: Run, train: npt.NDArray[np.bool_], out: Held) -> None:
    """Fit calibration on the training items, score the held-out ones into ``out``."""
    fit_items, test_items = data.gold_items[train], data.gold_items[~train]
    kind = _calibrator(data, run, train)[0]
    maps = _maps(data, run, fit_items, kind)
    value_fit, chosen_fit = maps.value, maps.chosen
    out.calibrators.append(kind)
    p, y = _values(data, run, test_items)
    out.value_raw += p.tolist()
    out.value_p += value_fit(p).tolist()
    out.value_y += y.tolist()
    p, y = _chosen(data, run, test_items)
    out.chosen_raw += p.tolist()
    out.chosen_p += chosen_fit(p).tolist()
    out.chosen_y += y.tolist()
    out.hits += int(y.sum())
    out.items += len(test_items)


def _values(
    data: Labelled, run: Run, items: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Trust and truth of every value of ``items``."""
    mask = np.isin(data.arrays.value_item, items)
    return run.trust[mask], data.value_true[mask]


def _chosen(
    data: Labelled, run: Run, items: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Trust and truth of the chosen value of each of ``items`` (none chosen: 0, false)."""
    picked = run.chosen[items]
    ok = picked >= 0
    trust = np.where(ok, run.trust[np.maximum(picked, 0)], 0.0)
    truth = ok & data.value_true[np.maximum(picked, 0)]
    return trust, truth


def final_choice(sets: Sequence[Labelled], runs: Sequence[dict[str, list[Run]]]) -> tuple[str, int]:
    """The default made on every gold item of every set: what kgmem ships."""
    everything = [np.ones(len(d.gold_items), dtype=np.bool_) for d in sets]
    return select(sets, runs, everything, [n for n in runs[0] if n != "vote"])


def report_quality(
    report: Report, sets: Sequence[Labelled], generated: Sequence[Labelled] = ()
) -> calibration.Calibration:
    """Cross-validate on ``sets`` and add the held-out figures to ``report``; score the
    ``generated`` sets (labelled as such) with the choice made on ``sets``; write a
    reliability diagram per set for the default estimator. Returns the default's
    calibration fitted on every gold item of the first set (for the server)."""
    runs = [run_grid(d, GRID) for d in sets]
    held = cross_validate(sets, runs)
    est, k = final_choice(sets, runs)
    everything = [np.ones(len(d.gold_items), dtype=np.bool_) for d in sets]
    finals = {name: select(sets, runs, everything, [name])[1] for name in runs[0]}
    report.data["default_choice"] = f"{est}: {GRID[est][k].params}"
    for s, data in enumerate(sets):
        vote = held["vote"][s].summary()["precision"]
        for name in held:
            got = held[name][s].summary()
            report.data[f"folds_{data.name}_{name}"] = ", ".join(held[name][s].picked)
            report.data[f"calibrators_{data.name}_{name}"] = ", ".join(held[name][s].calibrators)
            low, high = held[name][s].ece_chosen_interval()
            report.data[f"ece_chosen_95_{data.name}_{name}"] = f"[{low:.3f}, {high:.3f}]"
            base = vote * 1000 if name != "vote" else None
            label = f"{data.name}: {name}, held-out precision x1000"
            report.add(Figure(label, got["precision"] * 1000, "", int(got["items"]), base, "vote"))
            for what in ("ece_chosen", "ece_value", "ece_chosen_raw", "ece_value_raw"):
                report.add(Figure(f"{data.name}: {name}, {what} x1000", got[what] * 1000, "", 0))
        for name, configs in runs[s].items():
            k_best = finals[name]
            report.data[f"chosen_{name}"] = str(GRID[name][k_best].params)
            run = configs[k_best]
            report.add(Figure(f"{data.name}: {name}, iterations", run.iterations, "", 0))
            report.add(Figure(f"{data.name}: {name}, run", run.seconds * 1000, "ms", 0))
        if too_few(data):
            report.data[f"calibration_{data.name}"] = (
                f"too few gold items to calibrate: {len(data.gold_items)} "
                f"(a map needs {MIN_CALIBRATION} on the other folds); the calibrated "
                "figures are the raw trust's"
            )
            report.notes.append(f"{data.name}: {report.data[f'calibration_{data.name}']}")
        stuck = [
            f"{n}[{k}]" for n, rs in runs[s].items() for k, r in enumerate(rs) if not r.converged
        ]
        report.data[f"unconverged_{data.name}"] = ", ".join(stuck) or "none"
        report.notes.append(f"{data.name}: configurations stopped at the cap: {len(stuck)}")
        path = diagram(data, held["default"][s])
        report.notes.append(f"reliability diagram of {data.name}: {path}")
    for data in generated:
        _report_generated(report, data, finals)
    run, first = runs[0][est][k], sets[0]
    kind = _calibrator(first, run, np.ones(len(first.gold_items), dtype=np.bool_))[0]
    report.data[f"calibrator_{first.name}"] = kind
    return _maps(first, run, first.gold_items, kind)


def _report_generated(report: Report, data: Labelled, finals: dict[str, int]) -> None:
    """Precision on a generated set of each estimator with the configuration chosen on
    the real sets (``finals``); its own folds fit the calibration (it chose nothing
    else)."""
    own = run_grid(data, {n: [GRID[n][k]] for n, k in finals.items()})
    folds = fold_of(data)
    for name, (run,) in own.items():
        held = Held()
        for f in range(FOLDS):
            score_fold(data, run, folds != f, held)
        got = held.summary()
        label = f"GENERATED {data.name}: {name}, precision x1000"
        report.add(Figure(label, got["precision"] * 1000, "", int(got["items"])))
        report.add(
            Figure(
                f"GENERATED {data.name}: {name}, ece_chosen x1000", got["ece_chosen"] * 1000, "", 0
            )
        )


def diagram(data: Labelled, held: Held) -> Path:
    """The default estimator's reliability diagrams on held-out items: per value and
    chosen value, raw and calibrated."""
    panels = [
        reliability_png.Panel(title, *calibration.reliability(np.array(p), np.array(y)))
        for title, p, y in (
            ("per value, raw", held.value_raw, held.value_y),
            ("per value, calibrated", held.value_p, held.value_y),
            ("chosen value, raw", held.chosen_raw, held.chosen_y),
            ("chosen value, calibrated", held.chosen_p, held.chosen_y),
        )
    ]
    slug = "".join(ch if ch.isalnum() else "-" for ch in data.name)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    heading = f"{data.name}: default estimator, items of held-out folds"
    return reliability_png.write(RESULTS / f"truth-reliability-{slug}-{stamp}.png", panels, heading)
