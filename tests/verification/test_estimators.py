"""Every estimator behind the one interface: right answers on hand-built claims,
determinism, convergence, and the implication direction on author lists."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bench import truth_arrays, truth_books
from kgmem.schema.graph_schema import ValueType
from kgmem.verification import estimators, fixedpoint
from kgmem.verification.claims import ClaimArrays
from kgmem.verification.estimators import CHOSEN, Choice

LEARNING = [n for n in estimators.NAMES if n != "vote"]


def arrays(
    claims: list[tuple[int, str, int]], kind: str = "auto", functional: bool = True
) -> ClaimArrays:
    """Claims as (item, value text, source) in observation order; values by text."""
    values: dict[tuple[int, str], int] = {}
    for item, text, _ in claims:
        values.setdefault((item, text), len(values))
    n_items = max(i for i, _, _ in claims) + 1
    return ClaimArrays(
        claim_value=np.array([values[(i, t)] for i, t, _ in claims]),
        claim_source=np.array([s for _, _, s in claims]),
        claim_weight=np.ones(len(claims)),
        claim_order=np.arange(len(claims)),
        value_item=np.array([i for i, _ in values]),
        value_text=[t for _, t in values],
        item_functional=np.full(n_items, functional),
        source_prior=np.full(max(s for _, _, s in claims) + 1, 0.8),
        item_type=(ValueType(kind=kind),) * n_items,
    )


def reliable_minority() -> ClaimArrays:
    """Sources 0 and 1 agree on 20 items where 2, 3, 4 each say something else; on item
    20 the two reliable sources face the three unreliable ones agreeing."""
    claims = []
    for item in range(20):
        claims += [(item, "t", 0), (item, "t", 1), (item, f"a{item}", 2), (item, f"b{item}", 3)]
        claims += [(item, f"c{item}", 4)]
    claims += [(20, "true", 0), (20, "true", 1), (20, "false", 2), (20, "false", 3)]
    claims += [(20, "false", 4)]
    return arrays(claims)


@pytest.mark.parametrize("name", LEARNING)
def test_each_estimator_trusts_the_sources_that_agree(name: str) -> None:
    a = reliable_minority()
    scores = estimators.estimate(a, CHOSEN[name])
    assert a.value_text[scores.chosen[20]] == "true"
    assert scores.reliability[0] > scores.reliability[2]
    vote = estimators.estimate(a, CHOSEN["vote"])
    assert a.value_text[vote.chosen[20]] == "false"


@pytest.mark.parametrize("name", estimators.NAMES)
def test_each_estimator_is_deterministic_and_converges(name: str) -> None:
    a = reliable_minority()
    first, second = (estimators.estimate(a, CHOSEN[name]) for _ in range(2))
    assert np.array_equal(first.trust, second.trust)
    assert np.array_equal(first.chosen, second.chosen)
    assert 1 <= first.iterations < 100
    items = a.value_item
    totals = np.bincount(items, first.trust)
    assert np.all((first.trust >= 0) & (first.trust <= 1)) and np.all(totals <= 1 + 1e-9)


def test_an_unknown_estimator_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown estimator 'best'"):
        estimators.estimate(reliable_minority(), Choice("best"))


def test_first_author_only_listings_do_not_beat_the_complete_list() -> None:
    # Stores 3-5 list only the first author (and list it first), stores 0-2 both authors:
    # the votes tie, and the truncated list's claims lend the complete one partial credit,
    # never the other way round.
    claims = []
    for item in range(12):
        full, first = f"Ann Lee{item}, Bo Kim{item}", f"A. Lee{item}"
        claims += [(item, first, s) for s in (3, 4, 5)] + [(item, full, s) for s in (0, 1, 2)]
    a = arrays(claims, kind="names")
    vote = estimators.estimate(a, CHOSEN["vote"])
    assert all("Kim" not in a.value_text[v] for v in vote.chosen)
    # Stores that agree on every item look like copiers; copy detection is left out so
    # that only the implication decides.
    accu = replace(CHOSEN["accu"].params, detect_copies=False)
    for choice in (Choice("accu", accu), CHOSEN["truthfinder"]):
        scores = estimators.estimate(a, choice)
        assert all("Kim" in a.value_text[v] for v in scores.chosen), choice.name


def test_non_functional_values_hold_when_a_value_implying_them_is_claimed() -> None:
    a = arrays([(0, "Paris, France", 0), (0, "Paris", 1), (0, "Lyon", 2)], "string", False)
    scores = estimators.estimate(a, CHOSEN["accu"])
    paris, lyon = a.value_text.index("Paris"), a.value_text.index("Lyon")
    assert scores.trust[paris] > scores.trust[lyon]


@pytest.mark.parametrize("name", ["accu", "truthfinder", "ltm"])
def test_on_generated_author_lists_the_estimators_beat_vote(name: str) -> None:
    # CRH is left out: with the hyper-parameters chosen on the numeric sets it stays
    # below vote on this set (``bench truth`` reports it so).
    books = truth_books.generate(truth_books.Shape(books=300, sources=200, claims=6_000))
    data = truth_arrays.labelled(books, lambda _: ValueType(kind="names"))
    vote = estimators.estimate(data.arrays, CHOSEN["vote"])
    scores = estimators.estimate(data.arrays, CHOSEN[name])
    got = truth_arrays.precision(data, scores.chosen, data.gold_items)
    baseline = truth_arrays.precision(data, vote.chosen, data.gold_items)
    assert got > baseline + 0.2 and got > 0.9


def test_squarem_reaches_a_slow_fixed_point_in_far_fewer_steps() -> None:
    target = np.array([0.3, 0.6, 0.9])

    def step(x: np.ndarray) -> np.ndarray:
        return x + 0.01 * (target - x)  # a contraction of rate 0.99

    x, calls = fixedpoint.solve(step, np.full(3, 0.5), tolerance=1e-8, max_rounds=1_000)
    assert np.allclose(x, target, atol=1e-5) and calls < 60
