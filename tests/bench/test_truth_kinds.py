"""The value-kind bench: the values it reads a kind from are the store's (first facts,
in claim order), every generated kind is read as itself fold by fold, and reading the
kind of an author list is worth as much as declaring it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bench import truth_kinds, truth_typed
from bench.machine import describe
from bench.report import Report
from bench.truth_data import Claim, TruthSet

SMALL = truth_typed.Shape(items=80, sources=20, claims_per_item=5, seed=5)


def test_first_values_are_the_first_distinct_facts_of_the_predicate() -> None:
    data = truth_typed.generate("names", SMALL)
    first = data.claims[0]
    again = Claim(first.subject, first.predicate, first.value, "another", first.observed_at)
    other = Claim("x", "OTHER", "12", "s", first.observed_at)
    mixed = TruthSet("mixed", [first, again, other, *data.claims[1:]], {})
    values = truth_kinds.first_values(mixed, truth_typed.PREDICATE, limit=10)
    assert values[0] == first.value and len(values) == 10 and "12" not in values
    assert values.count(first.value) <= 1 + [c.value for c in data.claims[1:11]].count(first.value)


def test_every_generated_kind_is_read_right_in_every_fold() -> None:
    # Without junk claims: with a tenth of junk, a small sample can hold more than 30%
    # of junk, and then reads as strings (the bench reports how often).
    report = Report("truth-kinds-test", describe(), {})
    clean = replace(SMALL, junk=0.0)
    for kind in truth_typed.KINDS:
        truth_kinds.read_kinds(report, truth_typed.generate(kind, clean), kind)
    folds = [f for f in report.figures if f.name.endswith("5 folds")]
    assert len(folds) == len(truth_typed.KINDS) and all(f.value == 100 for f in folds)


def test_reading_an_author_list_is_worth_declaring_it() -> None:
    report = Report("truth-kinds-test", describe(), {})
    truth_kinds.worth(report, truth_typed.generate("names", SMALL), "names")
    declared, read = report.figures
    assert read.value == declared.value and read.baseline is not None
    assert read.value > read.baseline + 100  # strings ("auto") split the formats


def test_the_command_runs_on_generated_sets_alone(tmp_path: Path) -> None:
    args = truth_kinds.parse(["--data", str(tmp_path / "none"), "--items", "40"])
    sets = truth_kinds.known_sets(args)
    assert [kind for _, kind in sets] == list(truth_typed.KINDS)
