"""``python -m bench truth-names``: how many false values an item of author lists is
taken to have (``Estimator.names_false_values``), chosen by cross-validation over
GENERATED name-list sets.

ACCU weighs a claim by :math:`\\ln(n A / (1 - A))`, where :math:`n` is the number of
false values an item may take. The shipped :math:`n` (``false_values``) was chosen on
population and weather, whose items are numbers; a list of authors can be wrong in many
more ways (any truncation, any extra or misspelt name). kgmem has no real set of author
lists (the Book-Author set is held back), so the choice is made on generated ones, each
labelled so (``bench.truth_books``, ``bench.truth_typed``), with the value kind read
from the values as the store reads it. Two ways to judge a choice:

- nested: each set's gold items in ``truth_cv.FOLDS`` folds; for each fold the value of
  best mean precision over the sets (within the ECE limit, as ``bench truth`` chooses)
  is picked on the other folds and scored, calibration included, on this one;
- leave one set out: the value is picked on the other sets' items and scored on the
  set it never saw, a stand-in for a set written by another generator.

Population and weather have no item of the names kind, so this option cannot move them.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

from bench import truth, truth_books, truth_cv, truth_options, truth_typed
from bench.machine import describe
from bench.report import Figure, Report
from bench.truth_arrays import Labelled, labelled, precision
from bench.truth_data import TruthSet
from kgmem.schema.graph_schema import ValueType
from kgmem.verification.claims import Estimator
from kgmem.verification.estimators import CHOSEN, Choice

OPTIONS = {
    "names_false_values": (0.0, 5.0, 10.0, 30.0),
    "completeness_strength": (0.0, 1.0, 4.0),
}
"""The values tried per option (``--option``); 0 is the estimator without it (for
``names_false_values`` the numbers' ``false_values``; for ``completeness_strength``
every source complete)."""
VALUES = OPTIONS["names_false_values"]


def generated_sets() -> list[TruthSet]:
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


def choices(option: str = "names_false_values") -> list[Choice]:
    """The shipped ACCU configuration with each value of ``option``."""
    base = CHOSEN["accu"].params
    assert isinstance(base, Estimator)
    return [Choice("accu", replace(base, **{option: v})) for v in OPTIONS[option]]


def leave_one_set_out(
    sets: list[Labelled],
    runs: list[dict[str, list[truth_cv.Run]]],
    values: tuple[float, ...] = VALUES,
) -> list[tuple[float, float]]:
    """Per set: the value picked on every gold item of the other sets, and the held-out
    set's precision with it."""
    out = []
    for s, data in enumerate(sets):
        others = [k for k in range(len(sets)) if k != s]
        masks = [np.ones(len(sets[k].gold_items), dtype=np.bool_) for k in others]
        _, k = truth_cv.select(
            [sets[i] for i in others], [runs[i] for i in others], masks, ["accu"]
        )
        out.append((values[k], precision(data, runs[s]["accu"][k].chosen, data.gold_items)))
    return out


REGIMES = [(a, f) for a in ((2.0, 2.0), (4.0, 2.0)) for f in (0.2, 0.35, 0.5)]
"""Store accuracy (Beta) and share of stores listing only the first author, for
``--regimes``."""


def regimes(report: Report) -> None:
    """Precision on every gold item of generated book sets as the share of stores that
    list only the first author grows (an exploration: where the estimators tip over)."""
    shipped = CHOSEN["accu"].params
    assert isinstance(shipped, Estimator)
    estimators = {
        "vote": CHOSEN["vote"],
        "accu n=3": Choice("accu", replace(shipped, names_false_values=0.0)),
        "accu complete": Choice("accu", replace(shipped, completeness_strength=0.0)),
        "accu shipped": CHOSEN["accu"],
        "ltm": CHOSEN["ltm"],
        "truthfinder": CHOSEN["truthfinder"],
    }
    for beta, share in REGIMES:
        shape = truth_books.Shape(accuracy_beta=beta, first_only_share=share, seed=7)
        data = labelled(truth_books.generate(shape), lambda _: ValueType(kind="names"))
        for name, choice in estimators.items():
            chosen = truth_cv.run_grid(data, {name: [choice]})[name][0].chosen
            label = f"GENERATED books, Beta{beta}, first-only {share}: {name}, precision x1000"
            report.add(Figure(label, precision(data, chosen, data.gold_items) * 1000, "", 0))


async def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench truth-names")
    p.add_argument("--regimes", action="store_true", help="also the first-only regimes")
    p.add_argument(
        "--option", choices=sorted(OPTIONS), default="names_false_values", help="the option tried"
    )
    args = p.parse_args(argv)
    values = OPTIONS[args.option]
    raw = generated_sets()
    sets = [labelled(d, truth.value_types(d, [], undeclared=True)) for d in raw]
    names = [f"GENERATED {d.name} #{k}" for k, d in enumerate(raw)]
    runs = [truth_cv.run_grid(d, {"accu": choices(args.option)}) for d in sets]
    setup = {"option": args.option, "values": " ".join(map(str, values))}
    report = Report("truth-names", describe(), setup)
    for label, allowed in {"without": [0], "chosen": list(range(len(values)))}.items():
        _nested(report, names, truth_options.nested(sets, runs, allowed), label, values)
    left_out = leave_one_set_out(sets, runs, values)
    for name, (value, score) in zip(names, left_out, strict=True):
        report.add(Figure(f"{name}: set left out, precision x1000", score * 1000, "", 0))
        report.data[f"left out {name}: picked"] = value
    _explored(report, names, sets, runs, values)
    if args.regimes:
        regimes(report)
    report.print_summary()
    print(f"saved {report.save()}")
    return 0


def _nested(
    report: Report,
    names: list[str],
    results: list[tuple[float, truth_cv.Held, list[str]]],
    label: str,
    values: tuple[float, ...],
) -> None:
    """The nested figures of one choice (``label``) per set, and each fold's pick."""
    for name, (inside, held, picks) in zip(names, results, strict=True):
        out = held.summary()
        head = f"{name}: {label},"
        report.add(Figure(f"{head} in-fold precision x1000", inside * 1000, "", 0))
        report.add(Figure(f"{head} held-out precision x1000", out["precision"] * 1000, "", 0))
        report.add(Figure(f"{head} held-out chosen ECE x1000", out["ece_chosen"] * 1000, "", 0))
        report.data[f"picks {name} {label}"] = " ".join(str(values[int(k)]) for k in picks)


def _explored(
    report: Report,
    names: list[str],
    sets: list[Labelled],
    runs: list[dict[str, list[truth_cv.Run]]],
    values: tuple[float, ...],
) -> None:
    """Each value's precision on every gold item (an exploration, not a held-out figure),
    and the value every item of every set would choose."""
    for name, data, run in zip(names, sets, runs, strict=True):
        on_all = [precision(data, r.chosen, data.gold_items) for r in run["accu"]]
        pairs = zip(values, on_all, strict=True)
        report.data[f"all items {name}"] = " ".join(f"{v}: {p:.3f}" for v, p in pairs)
    everything = [np.ones(len(d.gold_items), dtype=np.bool_) for d in sets]
    report.data["chosen on every item of every set"] = values[
        truth_cv.select(sets, runs, everything, ["accu"])[1]
    ]
