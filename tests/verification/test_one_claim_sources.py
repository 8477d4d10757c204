"""A source seen once is not declared reliable or unreliable on that one claim: its
learnt reliability stays near its prior, and nearer still with ``few_claims_strength``."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kgmem.verification import estimators
from kgmem.verification.claims import Estimator
from kgmem.verification.estimators import CHOSEN, Choice
from tests.verification.test_estimators import arrays

PRIOR = 0.8
AGREEING, LONE_RIGHT, LONE_WRONG, OFTEN_WRONG = 3, 4, 5, 6


def claims() -> list[tuple[int, str, int]]:
    """Sources 0-2 agree on 30 items; source 3 agrees with them on every item; a source
    with one claim agrees once (4) or dissents once (5); source 6 dissents on 10."""
    out = []
    for item in range(30):
        out += [(item, "t", 0), (item, "t", 1), (item, "t", 2), (item, "t", AGREEING)]
    out += [(0, "t", LONE_RIGHT), (1, "x", LONE_WRONG)]
    out += [(item, f"w{item}", OFTEN_WRONG) for item in range(2, 12)]
    return out


def accu() -> Estimator:
    params = CHOSEN["accu"].params
    assert isinstance(params, Estimator)
    return params


def test_a_source_seen_once_stays_nearer_its_prior_than_one_seen_often() -> None:
    p = accu()
    r = estimators.estimate(arrays(claims()), Choice("accu", p)).reliability
    assert r[LONE_RIGHT] <= r[AGREEING] + 1e-9
    assert r[LONE_WRONG] > r[OFTEN_WRONG]
    # One claim moves a source at most 1 / (1 + prior strength) of the way to 0 or 1.
    reach = 1 / (1 + p.prior_strength)
    assert abs(r[LONE_RIGHT] - PRIOR) <= reach * (1 - PRIOR) + 1e-9
    assert abs(r[LONE_WRONG] - PRIOR) <= reach * PRIOR + 1e-9
    assert 1 - p.max_accuracy <= r.min() and r.max() <= p.max_accuracy


def test_few_claims_strength_holds_a_source_seen_once_nearer_its_prior() -> None:
    p = accu()
    plain = estimators.estimate(arrays(claims()), Choice("accu", p)).reliability
    held = estimators.estimate(
        arrays(claims()), Choice("accu", replace(p, few_claims_strength=2.0))
    ).reliability
    for s in (LONE_RIGHT, LONE_WRONG):
        assert abs(held[s] - PRIOR) < abs(plain[s] - PRIOR)
    # Sources with many claims barely notice it.
    assert np.allclose(held[:3], plain[:3], atol=0.02)
