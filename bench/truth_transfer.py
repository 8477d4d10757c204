"""``python -m bench truth-transfer``: do source reliabilities learnt on one part of a
set predict the other part?

Each set's items are split in two halves: at random (seeded) and by time (the items
whose first claim came earlier against the later ones; population's claim ids follow
edit order, weather's claims carry their reading times). The shipped estimator
(``estimators.DEFAULT``) learns every source's reliability from the first half's
claims alone (gold labels never enter). On the second half, each source's accuracy
against gold is the share of its claims on gold items that name the gold value.
Reported per set and split, over the sources with claims in both halves:

- Spearman's rank correlation between the learnt reliability and that accuracy (over
  all of them, and over those with at least ``MIN_GOLD`` gold claims in the second
  half), and the mean absolute error weighted by their gold claims;
- precision of the chosen value on the second half's gold items when it is scored with
  the first half's reliabilities held fixed (no re-estimation), against the estimator
  run on the second half itself and majority vote;
- sources with exactly one claim in the first half: how many, their prior (their
  kind's), their mean learnt reliability and mean distance from the prior.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench import truth, truth_books, truth_data
from bench.machine import describe
from bench.report import Figure, Report
from bench.truth_arrays import Labelled, labelled, precision
from kgmem.verification import consensus
from kgmem.verification.claim_model import ClaimModel
from kgmem.verification.claims import ClaimArrays, Estimator, argmax_per_item
from kgmem.verification.estimators import DEFAULT, estimate

MIN_GOLD = 5
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Transfer:
    """What the first half's reliabilities say about the second half."""

    sources: int
    spearman_all: float
    ranked: int
    spearman: float
    mae: float
    fixed: float
    own: float
    vote: float
    lone: int
    lone_prior: float
    lone_reliability: float
    lone_shift: float


def halves(data: Labelled, how: str) -> Bools:
    """Per item, whether it is in the first half: ``random`` (seeded) or ``time``
    (by its first claim's place in observation order)."""
    n = len(data.item_keys)
    if how == "random":
        rank = np.random.default_rng(1).permutation(n)
    else:
        first = np.full(n, np.iinfo(np.int64).max)
        a = data.arrays
        np.minimum.at(first, a.value_item[a.claim_value], a.claim_order)
        rank = np.argsort(np.argsort(first, kind="stable"), kind="stable")
    out: Bools = rank < n // 2
    return out


def restricted(arrays: ClaimArrays, items: Bools) -> ClaimArrays:
    """``arrays`` with only the claims on ``items`` (values, items and sources keep
    their indices)."""
    keep = items[arrays.value_item[arrays.claim_value]]
    return replace(
        arrays,
        claim_value=arrays.claim_value[keep],
        claim_source=arrays.claim_source[keep],
        claim_weight=arrays.claim_weight[keep],
        claim_order=arrays.claim_order[keep],
    )


def gold_accuracy(data: Labelled, items: Bools) -> tuple[Floats, Floats]:
    """Per source, the share of its claims on the gold ``items`` that are true, and how
    many claims that is."""
    a = data.arrays
    gold = np.zeros(len(data.item_keys), dtype=np.bool_)
    gold[data.gold_items] = True
    on = (gold & items)[a.value_item[a.claim_value]]
    n = len(a.source_prior)
    count = np.bincount(a.claim_source[on], minlength=n).astype(np.float64)
    true = np.bincount(a.claim_source[on], data.value_true[a.claim_value[on]], minlength=n)
    return true / np.maximum(count, 1.0), count


def measure(data: Labelled, how: str, p: Estimator) -> Transfer:
    """The transfer figures of one split of ``data``."""
    first = halves(data, how)
    learn, other = restricted(data.arrays, first), restricted(data.arrays, ~first)
    learnt = estimate(learn, DEFAULT)
    accuracy, gold = gold_accuracy(data, ~first)
    seen = np.bincount(learn.claim_source, minlength=len(gold))
    both = (seen > 0) & (gold > 0)
    ranked = both & (gold >= MIN_GOLD)
    test = np.intersect1d(data.gold_items, np.flatnonzero(~first))
    model = ClaimModel(other, p)
    fixed = argmax_per_item(other, model.probability(learnt.reliability, np.ones(len(model.value))))
    lone = seen == 1
    return Transfer(
        sources=int(both.sum()),
        spearman_all=spearman(learnt.reliability[both], accuracy[both]),
        ranked=int(ranked.sum()),
        spearman=spearman(learnt.reliability[ranked], accuracy[ranked]),
        mae=float(np.average(np.abs(learnt.reliability - accuracy)[both], weights=gold[both])),
        fixed=precision(data, fixed, test),
        own=precision(data, estimate(other, DEFAULT).chosen, test),
        vote=precision(data, consensus.majority(other), test),
        lone=int(lone.sum()),
        lone_prior=_mean(learnt.source_prior[lone]),
        lone_reliability=_mean(learnt.reliability[lone]),
        lone_shift=_mean(np.abs(learnt.reliability - learnt.source_prior)[lone]),
    )


def spearman(x: Floats, y: Floats) -> float:
    """Spearman's rank correlation (average ranks for ties; nan under 3 points)."""
    if len(x) < 3:
        return float("nan")
    rx, ry = _ranks(x), _ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def _ranks(x: Floats) -> Floats:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x), dtype=np.float64)
    values, inverse = np.unique(x, return_inverse=True)
    mean = np.bincount(inverse, ranks) / np.bincount(inverse)
    out: Floats = mean[inverse]
    return out if len(values) else ranks


def _mean(x: Floats) -> float:
    return float(x.mean()) if len(x) else float("nan")


async def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench truth-transfer")
    p.add_argument("--data", type=Path, default=truth_data.DATA)
    p.add_argument("--sets", default="", help="sets under --data, comma-separated (default all)")
    p.add_argument(
        "--generated", type=int, default=25_000, help="claims of the generated book set (0: none)"
    )
    args = p.parse_args(argv)
    names = [n for n in args.sets.split(",") if n] or truth_data.set_names(args.data)
    params = DEFAULT.params if isinstance(DEFAULT.params, Estimator) else Estimator()
    report = Report("truth-transfer", describe(), {})
    sets = [truth_data.load_set(name, args.data) for name in names]
    if args.generated:
        sets.append(truth_books.generate(truth_books.Shape(claims=args.generated)))
    for k, data in enumerate(sets):
        arrays = labelled(data, truth.value_types(data, [], undeclared=True))
        label = data.name if k < len(names) else f"GENERATED {data.name}"
        for how in ("random", "time"):
            _add(report, f"{label}, {how} halves", measure(arrays, how, params))
    report.print_summary()
    print(f"saved {report.save()}")
    return 0


def _add(report: Report, label: str, got: Transfer) -> None:
    report.data[label] = {k: getattr(got, k) for k in Transfer.__slots__}
    report.add(Figure(f"{label}: Spearman x1000", got.spearman_all * 1000, "", got.sources))
    report.add(
        Figure(
            f"{label}: Spearman, >= {MIN_GOLD} gold claims x1000",
            got.spearman * 1000,
            "",
            got.ranked,
        )
    )
    report.add(Figure(f"{label}: weighted MAE x1000", got.mae * 1000, "", got.sources))
    report.add(
        Figure(
            f"{label}: precision, fixed x1000", got.fixed * 1000, "", 0, got.own * 1000, "own run"
        )
    )
    report.add(Figure(f"{label}: precision, vote x1000", got.vote * 1000, "", 0))
    report.add(
        Figure(
            f"{label}: one-claim sources, |r - prior| x1000", got.lone_shift * 1000, "", got.lone
        )
    )
