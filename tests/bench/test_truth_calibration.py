"""``bench truth-calibration``: the calibration of a chosen value's trust is chosen and
fitted on other sets and judged on the set it never saw; too few items are said so."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench import truth_books, truth_calibration, truth_typed
from bench.truth_calibration import Chosen
from kgmem.verification import calibration, calibration_features


def _overconfident(name: str, n: int, seed: int) -> Chosen:
    """Trust p whose chosen value is right with probability p squared."""
    rng = np.random.default_rng(seed)
    trust = rng.uniform(0.3, 1.0, n)
    return Chosen(name, trust, rng.random(n) < trust**2)


def test_an_overconfidence_shared_by_the_sets_is_corrected_on_the_set_left_out() -> None:
    sets = [_overconfident(f"set {k}", 4_000, k) for k in range(4)]
    for o in truth_calibration.outer(sets):
        assert o.method != "raw" and not o.note
        assert o.raw > 0.08 and o.calibrated < 0.05, o
        assert 0.0 <= o.interval[0] <= o.interval[1] < 0.1


def test_the_set_left_out_never_shapes_its_own_calibration() -> None:
    sets = [_overconfident(f"set {k}", 600, k) for k in range(3)]
    flipped = [Chosen("set 0", sets[0].trust, ~sets[0].right), *sets[1:]]
    first, again = truth_calibration.outer(sets)[0], truth_calibration.outer(flipped)[0]
    assert first.method == again.method
    # Same map on the same trust (chosen and fitted on sets 1 and 2 alone): the
    # calibrated trust is the same, so only the labels (the truth judged) differ.
    assert first.method != "raw"
    assert abs(first.calibrated - again.calibrated) > 0.1


def test_too_few_gold_items_are_reported_not_calibrated() -> None:
    sets = [_overconfident(f"tiny {k}", 30, k) for k in range(3)]
    for o in truth_calibration.outer(sets):
        assert o.method == "raw" and o.note == "too few gold items to calibrate"
        assert o.calibrated == o.raw


def test_generated_author_lists_are_scored_and_judged_left_out() -> None:
    sets = [
        truth_calibration.chosen(truth_books.generate(truth_books.Shape(books=300, claims=5_000))),
        truth_calibration.chosen(truth_typed.generate("names", truth_typed.Shape(items=300))),
        truth_calibration.chosen(truth_typed.generate("number", truth_typed.Shape(items=300))),
    ]
    for s in sets:
        assert len(s.trust) > 100
        assert s.trust.min() >= 0.0 and s.trust.max() <= 1.0
    results = truth_calibration.outer(sets)
    assert [o.name for o in results] == [s.name for s in sets]
    for o in results:
        assert 0.0 <= o.calibrated <= 1.0
        assert o.method in truth_calibration.METHODS or o.method.startswith("features")
        assert 0.0 <= o.features <= 1.0


def test_the_saved_feature_map_is_a_calibration_file_the_store_reads(tmp_path: Path) -> None:
    sets = [_overconfident(f"set {k}", 600, k) for k in range(3)]
    path = tmp_path / "cal.json"
    said = truth_calibration.save(sets, path)
    assert "feature map" in said
    cal = calibration.load(path)
    assert cal.features is not None
    raw = np.array([0.5, 0.9, 0.99])
    assert np.all(np.diff(cal.features(calibration_features.features(raw, raw * 0, raw * 0))) >= 0)
