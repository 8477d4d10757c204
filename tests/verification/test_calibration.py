"""Isotonic calibration, ECE and the calibration file the server reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem.verification import calibration
from kgmem.verification.calibration import Calibration, Isotonic


@settings(max_examples=40)
@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=60))
def test_the_isotonic_map_is_monotone_and_within_the_unit_interval(
    pairs: list[tuple[float, bool]],
) -> None:
    p = np.array([x for x, _ in pairs])
    y = np.array([t for _, t in pairs])
    fitted = calibration.fit(p, y)
    grid = fitted(np.linspace(0, 1, 101))
    assert np.all(np.diff(grid) >= -1e-12) and np.all((grid >= 0) & (grid <= 1))
    assert min(fitted.levels) >= 0 and len(fitted.knots) == len(fitted.levels)


def test_calibration_fixes_overconfidence_on_fresh_data() -> None:
    rng = np.random.default_rng(1)
    raw = rng.uniform(0.5, 1.0, 4_000)
    truth = rng.uniform(size=4_000) < 0.5 + (raw - 0.5) / 2  # truly half as confident
    fitted = calibration.fit(raw[:2_000], truth[:2_000])
    before = calibration.ece(raw[2_000:], truth[2_000:])
    after = calibration.ece(fitted(raw[2_000:]), truth[2_000:])
    assert before > 0.1 and after < 0.04


def test_ece_is_zero_when_trust_matches_frequency() -> None:
    p = np.array([0.25] * 4 + [0.75] * 4)
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0], dtype=bool)
    assert calibration.ece(p, y) == pytest.approx(0.0)
    mean_p, share, count = calibration.reliability(p, y)
    assert count[2] == 4 and share[7] == pytest.approx(0.75) and mean_p[7] == 0.75


def test_the_chosen_values_get_their_own_map(tmp_path: Path) -> None:
    cal = Calibration(
        value=Isotonic((0.0, 1.0), (0.0, 0.5)), chosen=Isotonic((0.0, 1.0), (0.2, 0.9))
    )
    trust = cal.trust(np.array([0.8, 0.2, 1.0]), np.array([0, -1]))
    assert trust.tolist() == pytest.approx([0.2 + 0.7 * 0.8, 0.1, 0.5])
    path = tmp_path / "cal.json"
    path.write_text(cal.dumps())
    assert calibration.load(path) == cal


def test_a_bad_calibration_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cal.json"
    path.write_text('{"value": {"knots": [0.5, 0.1], "levels": [0, 1]}, "chosen": {}}')
    with pytest.raises(ValueError, match="not a kgmem calibration file"):
        calibration.load(path)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.0, 1.0), min_size=4, max_size=60),
    st.lists(st.booleans(), min_size=60, max_size=60),
    st.sampled_from(calibration.KINDS),
)
def test_every_calibration_kind_is_a_monotone_probability(
    scores: list[float], labels: list[bool], kind: str
) -> None:
    p = np.array(scores)
    y = np.array(labels[: len(scores)], dtype=np.bool_)
    mapping = calibration.fit_kind(kind, p, y)
    grid = np.linspace(0.0, 1.0, 101)
    out = mapping(grid)
    assert np.all(np.diff(out) >= -1e-12) and np.all((out >= 0) & (out <= 1))


def test_platt_and_beta_recover_an_overconfident_score() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(0.0, 1.0, 4_000)
    truth = rng.uniform(0.0, 1.0, 4_000) < 0.25 + 0.5 * p  # trust 0.99 is right 3 in 4
    for kind in ("platt", "beta"):
        mapped = calibration.fit_kind(kind, p, truth)(p)
        assert calibration.ece(mapped, truth) < 0.03 < calibration.ece(p, truth)
        top = float(calibration.fit_kind(kind, p, truth)(np.array([0.99]))[0])
        assert 0.7 < top < 0.9  # no longer 0.99


def test_the_calibration_kind_is_chosen_on_held_out_folds_and_the_interval_holds_the_ece() -> None:
    rng = np.random.default_rng(4)
    p = rng.uniform(0.0, 1.0, 300)
    truth = rng.uniform(0.0, 1.0, 300) < p
    kind, inner = calibration.choose(p, truth, np.arange(300) % 5)
    assert kind in calibration.KINDS and 0.0 <= inner < 0.2
    low, high = calibration.ece_interval(p, truth)
    assert low <= calibration.ece(p, truth) <= high
    with pytest.raises(ValueError, match="unknown calibration"):
        calibration.fit_kind("histogram", p, truth)
