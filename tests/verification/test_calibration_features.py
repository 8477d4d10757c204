"""The feature map of trust (raw trust, agreement share, number of claims): its trust is
a probability, more agreement never lowers it, too little data fits nothing, and a
calibration file holding one is what a verification run applies (or, for a predicate
with too few claims, says it does not)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem.verification import calibration_features as cf
from kgmem.verification.calibration import Calibration, Isotonic, ece, load
from tests.verification.test_calibration_scope import FACTS, scored

unit = st.floats(0.0, 1.0)


def labelled(seed: int, n: int, slope: float) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and truth where agreement, not raw trust, says who is right."""
    rng = np.random.default_rng(seed)
    agreement = rng.uniform(0.0, 1.0, n)
    trust = rng.uniform(0.5, 1.0, n)
    claims = rng.integers(1, 20, n).astype(float)
    right = rng.uniform(0.0, 1.0, n) < 1.0 / (1.0 + np.exp(-slope * (agreement - 0.4)))
    return cf.features(trust, agreement, claims), right


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 10_000),
    st.floats(-8.0, 8.0),
    st.sampled_from(cf.SHRINKAGES),
    st.lists(st.tuples(unit, unit, st.integers(0, 500)), min_size=1, max_size=30),
)
def test_trust_is_a_probability_and_never_falls_as_agreement_grows(
    seed: int, slope: float, shrinkage: float, rows: list[tuple[float, float, int]]
) -> None:
    sets = [labelled(seed + k, 150, slope) for k in range(2)]
    fitted = cf.fit_across(sets, shrinkage)
    assert fitted is not None
    trust, agreement, claims = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    p = fitted(cf.features(trust, agreement, claims))
    assert np.all((p >= 0.0) & (p <= 1.0))
    more = fitted(cf.features(trust, np.minimum(agreement + 0.25, 1.0), claims))
    assert np.all(more >= p - 1e-12)
    higher = fitted(cf.features(np.minimum(trust + 0.1, 1.0), agreement, claims))
    assert np.all(higher >= p - 1e-12)


def test_too_few_items_fit_nothing_and_large_shrinkage_keeps_the_raw_trust() -> None:
    x, y = labelled(1, cf.MIN_ITEMS - 1, 4.0)
    assert cf.fit_across([(x, y)], 0.1) is None
    x, y = labelled(2, 400, 4.0)
    kept = cf.fit_across([(x, y)], 1e6)
    assert kept is not None
    raw = 1.0 / (1.0 + np.exp(-x[:, 0]))
    assert kept(x) == pytest.approx(raw, abs=1e-3)


def test_a_map_fitted_on_other_sets_calibrates_a_set_it_never_saw() -> None:
    """Where agreement says who is right, the map fitted on two sets is better
    calibrated on a third than the raw trust, and leave-one-set-out picks it."""
    train = [labelled(k, 800, 6.0) for k in range(3)]
    unseen_x, unseen_y = labelled(99, 800, 6.0)
    raw = 1.0 / (1.0 + np.exp(-unseen_x[:, 0]))
    shrink, _ = cf.choose(train, ece)
    assert shrink is not None
    fitted = cf.fit_across(train, shrink)
    assert fitted is not None
    assert ece(fitted(unseen_x), unseen_y) < 0.05 < ece(raw, unseen_y)


def test_a_feature_map_survives_its_file_and_a_bad_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cal.json"
    mapping = cf.FeatureMap((0.5, 2.0, 0.1), -1.0)
    path.write_text(Calibration(Isotonic(), Isotonic(), mapping).dumps())
    assert load(path).features == mapping
    bad = tmp_path / "bad.json"
    bad.write_text(path.read_text().replace("2.0", "-2.0"))
    with pytest.raises(ValueError, match=r"bad\.json: not a kgmem calibration file"):
        load(bad)


def feature_file(tmp_path: Path) -> tuple[Path, cf.FeatureMap]:
    """A file whose feature map ignores raw trust and reads agreement only."""
    path = tmp_path / "cal.json"
    mapping = cf.FeatureMap((0.0, 3.0, 0.0), -1.0)
    path.write_text(Calibration(Isotonic(), Isotonic(), mapping).dumps())
    return path, mapping


async def test_a_run_applies_the_feature_map_to_chosen_values(pg_url: str, tmp_path: Path) -> None:
    path, mapping = feature_file(tmp_path)
    memory, ns = await scored(pg_url, tmp_path, calibration_file=path, calibration_min_facts=FACTS)
    try:
        run = await memory.verify_namespace(ns)
        assert [s.calibrated for s in run.calibration] == [True]
        fact = await memory.fact_verification(ns, "f-0-0")
        assert fact.chosen
        # The map's readings lie on sigma(3 * agreement - 1), agreement in [0, 1].
        low, high = (
            float(mapping(cf.features(np.array([0.5]), np.array([a]), np.array([1.0])))[0])
            for a in (0.0, 1.0)
        )
        assert low - 1e-9 <= fact.trust <= high + 1e-9
    finally:
        await memory.delete_namespace(ns)
        await memory.close()


async def test_too_few_claims_keep_raw_trust_with_a_feature_map(
    pg_url: str, tmp_path: Path
) -> None:
    path, _ = feature_file(tmp_path)
    memory, ns = await scored(pg_url, tmp_path, calibration_file=path)
    try:
        run = await memory.verify_namespace(ns)
        (state,) = run.calibration
        assert not state.calibrated and "too few claims to calibrate" in state.reason
        fact = await memory.fact_verification(ns, "f-0-0")
        assert fact.calibration is not None and not fact.calibration.calibrated
    finally:
        await memory.delete_namespace(ns)
        await memory.close()
