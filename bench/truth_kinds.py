"""``python -m bench truth-kinds``: how well kgmem reads a predicate's value kind from its
claims (``kgmem.verification.inference``), and what the reading is worth.

1. Inference by cross-validation: the items of every set (the DAFNA sets under
   ``--data``, whose predicates are all numbers, and the GENERATED sets of
   ``bench.truth_typed``, one per kind) are split into 5 folds, and the kind is read
   from each fold's values alone (its first ``SAMPLE``, as the store reads them); then
   from small random samples (5, 20 and 100 values, 20 draws each). Reported: the
   share of readings that give the known kind, and the evidence of the full reading.
2. What it is worth: precision of the chosen value with the shipped estimator on the
   generated sets (all items, no calibration), with the kind declared against read
   from the values, both judged by the declared kind's canonical key. The DAFNA sets'
   precision with nothing declared is ``python -m bench truth --no-store --undeclared``.
"""

from __future__ import annotations

import argparse
import hashlib
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench import truth_arrays, truth_data, truth_typed
from bench.machine import describe
from bench.report import Figure, Report
from kgmem.schema.graph_schema import ValueType
from kgmem.verification import estimators
from kgmem.verification.canonical import key
from kgmem.verification.inference import SAMPLE, infer

FOLDS = 5
SMALL = (5, 20, 100)
DRAWS = 20


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench truth-kinds")
    p.add_argument("--data", type=Path, default=truth_data.DATA)
    p.add_argument("--items", type=int, default=400, help="items per generated set")
    return p.parse_args(argv)


def first_values(data: truth_data.TruthSet, predicate: str, limit: int = SAMPLE) -> list[str]:
    """The values the store reads ``predicate``'s kind from: those of its first
    ``limit`` facts (distinct subject and value, in the order the claims were made)."""
    seen: set[tuple[str, str]] = set()
    out: list[str] = []
    for c in data.claims:
        fact = (c.subject, truth_data.value_uid(c.value))
        if c.predicate != predicate or fact in seen:
            continue
        seen.add(fact)
        out.append(c.value)
        if len(out) == limit:
            break
    return out


def known_sets(args: argparse.Namespace) -> list[tuple[truth_data.TruthSet, str]]:
    """Every set with the known kind of its predicates: the DAFNA sets (numbers) and
    one generated set per kind."""
    real = (
        [(truth_data.load_set(n, args.data), "number") for n in truth_data.set_names(args.data)]
        if args.data.is_dir()
        else []
    )
    shape = truth_typed.Shape(items=args.items)
    return real + [(truth_typed.generate(k, shape), k) for k in truth_typed.KINDS]


def folds(data: truth_data.TruthSet, predicate: str) -> list[truth_data.TruthSet]:
    """``data``'s claims on ``predicate`` in ``FOLDS`` parts by item (a stable hash)."""
    parts: list[list[truth_data.Claim]] = [[] for _ in range(FOLDS)]
    for c in data.claims:
        if c.predicate == predicate:
            digest = hashlib.blake2b(c.subject.encode(), digest_size=4).digest()
            parts[int.from_bytes(digest, "big") % FOLDS].append(c)
    return [truth_data.TruthSet(data.name, p, {}) for p in parts]


def read_kinds(report: Report, data: truth_data.TruthSet, kind: str) -> None:
    """Kind readings of each predicate of ``data``: per fold and from small samples."""
    for predicate in sorted({c.predicate for c in data.claims}):
        name = f"{data.name}: {predicate}"
        whole = infer(first_values(data, predicate), predicate)
        kinds = [infer(first_values(f, predicate), predicate).kind for f in folds(data, predicate)]
        report.data[name] = {"kind": whole.kind, "evidence": whole.evidence, "folds": kinds}
        print(f"{name}: {whole.kind}: {whole.evidence}; folds {kinds}", flush=True)
        hits = sum(k == kind for k in kinds)
        report.add(Figure(f"{name}: kind right, {FOLDS} folds", 100 * hits / FOLDS, "%", FOLDS))
        values = [c.value for c in data.claims if c.predicate == predicate]
        rng = random.Random(7)
        for size in SMALL:
            right = sum(
                infer(rng.sample(values, min(size, len(values))), predicate).kind == kind
                for _ in range(DRAWS)
            )
            label = f"{name}: kind right from {size} values"
            report.add(Figure(label, 100 * right / DRAWS, "%", DRAWS))


def worth(report: Report, data: truth_data.TruthSet, kind: str) -> None:
    """Precision with each predicate's kind declared, read from the values, and left
    ``auto`` (what nothing declared meant before kinds were read)."""
    if kind not in truth_typed.DECLARED:
        return
    true_type = ValueType(kind=truth_typed.DECLARED[kind])
    predicates = sorted({c.predicate for c in data.claims})
    found = {p: infer(first_values(data, p), p).vtype for p in predicates}
    declared = precision(data, lambda _: true_type, true_type)
    inferred = precision(data, lambda p: found[p], true_type)
    auto = precision(data, lambda _: ValueType(), true_type)
    name = data.name.split()[0] if data.name.endswith("(generated)") else data.name
    label = f"{'GENERATED ' if name != data.name else ''}{name}: precision x1000"
    report.add(Figure(f"{label}, declared", declared * 1000, "", len(data.gold)))
    report.add(
        Figure(f"{label}, kind read", inferred * 1000, "", len(data.gold), auto * 1000, "auto")
    )


def precision(
    data: truth_data.TruthSet, vtype: Callable[[str], ValueType], judge: ValueType
) -> float:
    """Share of gold items whose chosen value (values compared by ``vtype``) has the
    gold value's key as a ``judge`` value."""
    arrays = truth_arrays.labelled(data, vtype)
    chosen = estimators.estimate(arrays.arrays, estimators.DEFAULT).chosen
    hits = [
        key(arrays.arrays.value_text[chosen[k]], judge) == key(data.gold[item], judge)
        for k, item in enumerate(arrays.item_keys)
        if item in data.gold and chosen[k] >= 0
    ]
    return float(np.mean(hits)) if hits else 0.0


async def main(argv: list[str]) -> int:
    args = parse(argv)
    report = Report("truth-kinds", describe(), {})
    for data, kind in known_sets(args):
        read_kinds(report, data, kind)
        worth(report, data, kind)
    report.print_summary()
    print(f"saved {report.save()}")
    return 0
