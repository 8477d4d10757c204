"""Which predicates' trust is calibrated, and why the others' is not.

A calibration map (``kgmem.verification.calibration``) is fitted where the estimator
learnt its source reliabilities from many claims; on a predicate with few claims the
reliabilities are mostly their priors and the map says nothing about them. So a
predicate is calibrated only when a calibration file is configured *and* it has at
least ``calibration_min_facts`` claimed facts; otherwise its trust stays the
estimator's raw score, and every answer about it says so (``TrustCalibration``)
instead of pretending that trust is a probability.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kgmem.model import TrustCalibration
from kgmem.settings.config import VerificationSettings
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.truth import value_samples
from kgmem.verification import calibration_features
from kgmem.verification.calibration import Calibration
from kgmem.verification.claims import Bools, ClaimArrays, Floats, Ints
from kgmem.verification.inference import Inferred


def judge(settings: VerificationSettings, predicate: str, facts: int) -> TrustCalibration:
    """Whether ``predicate``, with ``facts`` claimed facts, has calibrated trust."""
    least = settings.calibration_min_facts
    if settings.calibration_file is None:
        reason = "no calibration is configured (KGMEM_VERIFICATION_CALIBRATION_FILE)"
        return TrustCalibration(predicate, False, facts, reason + ": trust is uncalibrated")
    if facts < least:
        reason = (
            f"too few claims to calibrate: {facts} claimed facts, {least} needed; "
            "trust is the estimator's uncalibrated score"
        )
        return TrustCalibration(predicate, False, facts, reason)
    name = settings.calibration_file.name
    return TrustCalibration(predicate, True, facts, f"calibrated by {name} ({facts} facts)")


async def of_predicate(
    settings: VerificationSettings,
    conn: Connection,
    ns: NamespaceRef,
    kind: tuple[str, Inferred],
) -> TrustCalibration:
    """``judge`` for the predicate of ``kind`` (its name and value kind), counting its
    claimed facts up to ``calibration_min_facts`` (no query when no calibration is
    configured, or when its value kind was read from enough facts)."""
    predicate, found = kind
    least = settings.calibration_min_facts
    if settings.calibration_file is None:
        return judge(settings, predicate, 0)
    if not found.declared and found.values >= least:
        return judge(settings, predicate, found.values)
    facts = len(await value_samples.first_values(conn, ns, predicate, least))
    return judge(settings, predicate, facts)


def per_predicate(
    settings: VerificationSettings, item_predicates: Sequence[str], fact_items: Ints
) -> tuple[dict[str, TrustCalibration], Bools]:
    """``judge`` for every predicate of a full run (``item_predicates``: each item's
    predicate; ``fact_items``: each claimed fact's item), and whether each item is
    calibrated."""
    index: dict[str, int] = {}
    code = np.fromiter(
        (index.setdefault(p, len(index)) for p in item_predicates), np.int64, len(item_predicates)
    )
    facts = np.bincount(code[fact_items], minlength=len(index))
    states = {p: judge(settings, p, int(facts[k])) for p, k in index.items()}
    calibrated = np.array([states[p].calibrated for p in index], dtype=np.bool_)
    out: Bools = calibrated[code] if len(code) else np.zeros(0, dtype=np.bool_)
    return states, out


def apply(
    cal: Calibration,
    scores: tuple[Floats, Ints],
    calibrated: Bools,
    arrays: ClaimArrays | None = None,
) -> Floats:
    """Calibrated trust for the values where ``calibrated`` holds, raw trust elsewhere
    (``scores``: each value's raw trust and each item's chosen value). With a feature
    map in ``cal`` and the claims' ``arrays``, each chosen value's trust is the map's
    reading of its raw trust, agreement share and number of claims."""
    raw, chosen = scores
    out: Floats = np.where(calibrated, cal.trust(raw, chosen), raw)
    if cal.features is not None and arrays is not None:
        picked = chosen[chosen >= 0]
        mapped = cal.features(calibration_features.of_values(arrays, raw, picked))
        out[picked] = np.where(calibrated[picked], mapped, raw[picked])
    return out
