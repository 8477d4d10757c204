"""A predicate with too few claims to calibrate keeps the estimator's raw trust and says
so in every answer, instead of passing it through a map fitted elsewhere."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from kgmem import Memory
from kgmem.settings.config import VerificationSettings
from kgmem.verification import calibration_scope
from kgmem.verification.calibration import Calibration, Isotonic
from tests.verification.test_value_types import book_settings, seed

FACTS = 60  # the claimed facts of ``seed``: ten books, six listings each


def calibration_file(tmp_path: Path) -> Path:
    path = tmp_path / "cal.json"
    flat = Calibration(
        value=Isotonic((0.0, 1.0), (0.0, 0.1)), chosen=Isotonic((0.0, 1.0), (0.3, 0.3))
    )
    path.write_text(flat.dumps())
    return path


async def scored(pg_url: str, home: Path, **verification: object) -> tuple[Memory, str]:
    memory = await Memory.open(book_settings(pg_url, home, **verification))
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    await seed(memory, ns)
    return memory, ns


@pytest.fixture
def homes(tmp_path: Path) -> Path:
    for name in ("raw", "cal"):
        (tmp_path / name).mkdir()
    return tmp_path


async def test_a_predicate_with_too_few_claims_keeps_raw_trust_and_says_so(
    pg_url: str, homes: Path
) -> None:
    tmp_path = homes
    raw_memory, raw_ns = await scored(pg_url, tmp_path / "raw")
    memory, ns = await scored(pg_url, tmp_path / "cal", calibration_file=calibration_file(tmp_path))
    try:
        await raw_memory.verify_namespace(raw_ns)
        run = await memory.verify_namespace(ns)
        (state,) = run.calibration
        assert (state.predicate, state.calibrated, state.facts) == ("AUTHORS", False, FACTS)
        assert "too few claims to calibrate" in state.reason
        fact = await memory.fact_verification(ns, "f-0-0")
        raw = await raw_memory.fact_verification(raw_ns, "f-0-0")
        assert fact.trust == pytest.approx(raw.trust)
        assert fact.calibration == state
        check = await memory.check_statement(ns, "book0", "AUTHORS", "Jiawei Han0")
        assert check.calibration is not None and not check.calibration.calibrated
        unconfigured = await raw_memory.fact_verification(raw_ns, "f-0-0")
        assert unconfigured.calibration is not None and not unconfigured.calibration.calibrated
        assert "no calibration is configured" in unconfigured.calibration.reason
    finally:
        for m, n in ((raw_memory, raw_ns), (memory, ns)):
            await m.delete_namespace(n)
            await m.close()


async def test_enough_claims_are_calibrated_and_reads_agree_with_the_run(
    pg_url: str, tmp_path: Path
) -> None:
    path = calibration_file(tmp_path)
    memory, ns = await scored(pg_url, tmp_path, calibration_file=path, calibration_min_facts=FACTS)
    try:
        run = await memory.verify_namespace(ns)
        assert [s.calibrated for s in run.calibration] == [True]
        fact = await memory.fact_verification(ns, "f-0-0")
        assert fact.chosen and fact.trust == pytest.approx(0.3)
        assert fact.calibration is not None and fact.calibration.calibrated
        assert "cal.json" in fact.calibration.reason
    finally:
        await memory.delete_namespace(ns)
        await memory.close()


def test_the_judgement_names_the_missing_claims(tmp_path: Path) -> None:
    settings = VerificationSettings(calibration_file=tmp_path / "c.json", calibration_min_facts=10)
    few = calibration_scope.judge(settings, "P", 9)
    assert not few.calibrated and "9 claimed facts, 10 needed" in few.reason
    assert calibration_scope.judge(settings, "P", 10).calibrated
    assert not calibration_scope.judge(VerificationSettings(), "P", 10**6).calibrated
