"""``python -m bench truth-calibration``: does the trust of a chosen value transfer to a
data set the calibration never saw?

Every set (population, weather, any other DAFNA-layout set under ``--data``, and the
GENERATED author-list sets of ``generated_sets``) is scored once by the shipped
estimator (``estimators.DEFAULT``, each predicate's kind read from its values). Then,
for each set in turn (the outer fold), the calibration of the chosen value's trust is
chosen and fitted on the *other* sets only, and judged on the set left out:

- the method (``METHODS``: the raw trust, or an isotonic, Platt or beta map) is the one
  of least mean ECE when each training set is judged by the map fitted on the rest of
  the training sets (the inner leave-one-set-out), so the choice itself is made on
  sets it is judged on only as unseen ones;
- the map is fitted on the training sets' chosen values pooled with at most
  ``PER_SET`` items drawn from each (seeded), so a large set does not decide the map
  alone;
- with fewer than ``truth_cv.MIN_CALIBRATION`` training items the trust stays raw and
  the report says "too few gold items to calibrate" instead of a calibrated figure.

The candidates also include the feature map of ``kgmem.verification.calibration_features``
(raw trust, agreement share and number of claims, fitted across the training sets with
each set weighing the same, its shrinkage chosen by the same inner leave-one-set-out):
it is used when its inner ECE is below the best one-dimensional method's.

Reported per set left out: the raw and calibrated chosen-value ECE (10 bins) with a 95%
bootstrap interval, the method picked, the feature map's own outer ECE, the precision
of the chosen value, and the mean and range over the outer folds.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench import truth, truth_books, truth_cv, truth_data, truth_typed
from bench.machine import describe
from bench.report import Figure, Report
from bench.truth_arrays import labelled
from kgmem.verification import calibration, calibration_features
from kgmem.verification.estimators import DEFAULT, estimate

METHODS = ("raw", *calibration.KINDS)
PER_SET = 2_000
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Chosen:
    """One set's chosen values on its gold items: trust and whether each is right."""

    name: str
    trust: Floats
    right: Bools
    features: Floats | None = None
    """Feature rows of the chosen values (``calibration_features``); None: trust only."""

    def rows(self) -> Floats:
        """The feature rows, or rows of the trust alone (no agreement, no claims)."""
        if self.features is not None:
            return self.features
        zero = np.zeros(len(self.trust))
        return calibration_features.features(self.trust, zero, zero)


@dataclass(frozen=True, slots=True)
class Outer:
    """One set left out: its ECEs, the method picked on the others and its precision."""

    name: str
    items: int
    precision: float
    raw: float
    calibrated: float
    interval: tuple[float, float]
    method: str
    note: str
    features: float = 0.0


def chosen(data: truth_data.TruthSet, declared: list[str] | None = None) -> Chosen:
    """``data`` scored by the shipped estimator, kinds read from the values."""
    set_ = labelled(data, truth.value_types(data, declared or [], undeclared=True))
    run = estimate(set_.arrays, DEFAULT)
    picked = np.asarray(run.chosen)[set_.gold_items]
    ok = picked >= 0
    trust = np.where(ok, np.asarray(run.trust)[np.maximum(picked, 0)], 0.0)
    right = ok & set_.value_true[np.maximum(picked, 0)]
    rows = calibration_features.of_values(set_.arrays, np.asarray(run.trust), np.maximum(picked, 0))
    return Chosen(data.name, trust.astype(np.float64), right, rows)


def _pooled(sets: list[Chosen], seed: int = 0) -> tuple[Floats, Bools]:
    """The sets' chosen values pooled, at most ``PER_SET`` drawn from each."""
    rng = np.random.default_rng(seed)
    trust, right = [], []
    for s in sets:
        keep = np.arange(len(s.trust))
        if len(keep) > PER_SET:
            keep = np.sort(rng.choice(keep, PER_SET, replace=False))
        trust.append(s.trust[keep])
        right.append(s.right[keep])
    return np.concatenate(trust), np.concatenate(right)


def fitted(method: str, sets: list[Chosen]) -> calibration.Isotonic | None:
    """The map of ``method`` fitted on ``sets`` (None: raw trust, or too few items)."""
    trust, right = _pooled(sets)
    if method == "raw" or len(trust) < truth_cv.MIN_CALIBRATION:
        return None
    return calibration.fit_kind(method, trust, right)


def _apply(mapping: calibration.Isotonic | None, s: Chosen) -> Floats:
    return s.trust if mapping is None else mapping(s.trust)


def pick(train: list[Chosen]) -> tuple[str, float]:
    """The method of least mean ECE over the training sets, each judged by the map
    fitted on the other training sets (ties to the earlier of ``METHODS``)."""
    best, best_ece = METHODS[0], np.inf
    for method in METHODS:
        eces = [
            calibration.ece(_apply(fitted(method, [t for t in train if t is not s]), s), s.right)
            for s in train
        ]
        mean = float(np.mean(eces)) if eces else np.inf
        if mean < best_ece - 1e-12:
            best, best_ece = method, mean
    return best, best_ece


def outer(sets: list[Chosen]) -> list[Outer]:
    """Each set judged by the calibration chosen and fitted on the others."""
    out = []
    for s in sets:
        train = [t for t in sets if t is not s]
        pooled = sum(min(len(t.trust), PER_SET) for t in train)
        by_features = _by_features(train, s)
        if pooled < truth_cv.MIN_CALIBRATION or len(train) < 2:
            method, note, mapping = "raw", "too few gold items to calibrate", None
            p = s.trust
        else:
            method, inner = pick(train)
            mapping, note = fitted(method, train), ""
            p = _apply(mapping, s)
            if by_features[0] is not None and by_features[1] < inner - 1e-12:
                method, p = f"features (shrinkage {by_features[0]})", by_features[2]
        out.append(
            Outer(
                s.name,
                len(s.trust),
                float(s.right.mean()) if len(s.right) else 0.0,
                calibration.ece(s.trust, s.right),
                calibration.ece(p, s.right),
                calibration.ece_interval(p, s.right),
                method,
                note,
                calibration.ece(by_features[2], s.right),
            )
        )
    return out


def _by_features(train: list[Chosen], s: Chosen) -> tuple[float | None, float, Floats]:
    """The feature map's shrinkage chosen on ``train`` (leave one set out), its inner
    mean ECE, and ``s``'s trust by the map of that shrinkage fitted on all of
    ``train`` (the raw trust when the raw trust won)."""
    sets = [(t.rows(), t.right) for t in train]
    shrink, inner = calibration_features.choose(sets, calibration.ece)
    mapping = None if shrink is None else calibration_features.fit_across(sets, shrink)
    return shrink, inner, s.trust if mapping is None else mapping(s.rows())


def generated_sets() -> list[truth_data.TruthSet]:
    """GENERATED author-list sets of several shapes and seeds."""
    books, typed = truth_books.Shape, truth_typed.Shape
    return [
        truth_books.generate(books()),
        truth_books.generate(books(claims=8_000, seed=23)),
        truth_books.generate(books(copier_share=0.3, seed=24)),
        truth_typed.generate("names", typed(items=400)),
        truth_typed.generate("names", typed(items=400, claims_per_item=4, seed=41)),
        truth_books.generate(books(first_only_share=0.5, accuracy_beta=(4.0, 2.0), seed=25)),
    ]


def all_sets(root: Path) -> list[truth_data.TruthSet]:
    """The real sets under ``root`` and the GENERATED author-list sets."""
    real = [truth_data.load_set(n, root) for n in truth_data.set_names(root)]
    generated = generated_sets()
    return real + [replace(g, name=f"GENERATED {g.name} #{k}") for k, g in enumerate(generated)]


def _spread(report: Report, results: list[Outer]) -> None:
    """Mean and range of the outer folds' ECEs (all sets, and the real ones)."""
    for label, chosen_sets in (("all sets", results), ("real sets", _real(results))):
        for what, values in (
            ("raw", [o.raw for o in chosen_sets]),
            ("chosen by nested CV", [o.calibrated for o in chosen_sets]),
            ("feature map", [o.features for o in chosen_sets]),
        ):
            if values:
                report.data[f"{label}: {what} ECE mean (min-max)"] = (
                    f"{np.mean(values):.3f} ({min(values):.3f}-{max(values):.3f})"
                )


def save(sets: list[Chosen], path: Path) -> str:
    """Write the feature map fitted on all of ``sets`` (shrinkage chosen leave one set
    out; the raw trust when that wins) as a calibration file; what was written."""
    rows = [(s.rows(), s.right) for s in sets]
    shrink, inner = calibration_features.choose(rows, calibration.ece)
    mapping = None if shrink is None else calibration_features.fit_across(rows, shrink)
    identity = calibration.Isotonic()
    path.write_text(calibration.Calibration(identity, identity, mapping).dumps())
    chosen_map = "raw trust" if mapping is None else f"feature map, shrinkage {shrink}"
    return f"saved {path}: {chosen_map} (leave-one-set-out ECE {inner:.3f})"


def _real(results: list[Outer]) -> list[Outer]:
    return [o for o in results if not o.name.startswith("GENERATED")]


async def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench truth-calibration")
    p.add_argument("--data", type=Path, default=truth_data.DATA)
    p.add_argument(
        "--save",
        type=Path,
        help="write a calibration file (KGMEM_VERIFICATION_CALIBRATION_FILE) holding the "
        "feature map fitted on every set, its shrinkage chosen leave one set out",
    )
    args = p.parse_args(argv)
    sets = [chosen(d) for d in all_sets(args.data)]
    if args.save is not None:
        print(save(sets, args.save))
    report = Report("truth-calibration", describe(), {"per_set": PER_SET})
    results = outer(sets)
    for o in results:
        head = f"{o.name} left out ({o.items} gold items)"
        report.add(Figure(f"{head}: precision x1000", o.precision * 1000, "", 0))
        report.add(Figure(f"{head}: chosen ECE raw x1000", o.raw * 1000, "", 0))
        report.add(Figure(f"{head}: chosen ECE calibrated x1000", o.calibrated * 1000, "", 0))
        report.add(Figure(f"{head}: chosen ECE feature map x1000", o.features * 1000, "", 0))
        report.data[f"{o.name}: method"] = o.method
        report.data[f"{o.name}: interval"] = f"{o.interval[0]:.3f}-{o.interval[1]:.3f}"
        if o.note:
            report.data[f"{o.name}: note"] = o.note
    _spread(report, results)
    report.print_summary()
    print(f"saved {report.save()}")
    return 0
