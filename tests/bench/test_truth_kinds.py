"""Value kinds read as the store reads them (the first distinct facts, in claim order):
every generated kind is read as itself in every fifth of its items, and reading the kind
of an author list is worth as much as declaring it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace

from bench import truth_arrays, truth_typed
from bench.truth_data import Claim, TruthSet, first_values
from kgmem.schema.graph_schema import ValueType
from kgmem.verification import estimators
from kgmem.verification.canonical import key
from kgmem.verification.inference import infer

SMALL = truth_typed.Shape(items=80, sources=20, claims_per_item=5, seed=5)
FOLDS = 5


def test_first_values_are_the_first_distinct_facts_of_the_predicate() -> None:
    data = truth_typed.generate("names", SMALL)
    first = data.claims[0]
    again = Claim(first.subject, first.predicate, first.value, "another", first.observed_at)
    other = Claim("x", "OTHER", "12", "s", first.observed_at)
    mixed = TruthSet("mixed", [first, again, other, *data.claims[1:]], {})
    values = first_values(mixed, truth_typed.PREDICATE, limit=10)
    assert values[0] == first.value and len(values) == 10 and "12" not in values
    assert values.count(first.value) <= 1 + [c.value for c in data.claims[1:11]].count(first.value)


def folds(data: TruthSet) -> list[TruthSet]:
    """``data``'s claims in ``FOLDS`` parts by item (a stable hash of the subject)."""
    parts: list[list[Claim]] = [[] for _ in range(FOLDS)]
    for c in data.claims:
        digest = hashlib.blake2b(c.subject.encode(), digest_size=4).digest()
        parts[int.from_bytes(digest, "big") % FOLDS].append(c)
    return [TruthSet(data.name, p, {}) for p in parts]


def test_every_generated_kind_is_read_right_in_every_fold() -> None:
    # Without junk claims: with a tenth of junk, a small sample can hold more than 30%
    # of junk, and then reads as strings.
    clean = replace(SMALL, junk=0.0)
    for kind in truth_typed.KINDS:
        for part in folds(truth_typed.generate(kind, clean)):
            found = infer(first_values(part, truth_typed.PREDICATE), truth_typed.PREDICATE)
            assert found.kind == kind, (kind, found.evidence)


def precision(data: TruthSet, vtype: Callable[[str], ValueType], judge: ValueType) -> float:
    """Share of gold items whose chosen value (values compared by ``vtype``) has the
    gold value's key as a ``judge`` value."""
    arrays = truth_arrays.labelled(data, vtype)
    chosen = estimators.estimate(arrays.arrays, estimators.DEFAULT).chosen
    hits = [
        key(arrays.arrays.value_text[chosen[k]], judge) == key(data.gold[item], judge)
        for k, item in enumerate(arrays.item_keys)
        if item in data.gold and chosen[k] >= 0
    ]
    return sum(hits) / len(hits)


def test_reading_an_author_list_is_worth_declaring_it() -> None:
    data = truth_typed.generate("names", SMALL)
    names = ValueType(kind=truth_typed.DECLARED["names"])
    read = infer(first_values(data, truth_typed.PREDICATE), truth_typed.PREDICATE).vtype
    declared = precision(data, lambda _: names, names)
    assert precision(data, lambda _: read, names) == declared
    # Left as strings ("auto"), the formats of one list split its votes.
    assert declared > precision(data, lambda _: ValueType(), names) + 0.1
