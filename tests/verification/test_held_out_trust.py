"""ACCU's published trust weighs each claim by its source's accuracy without the
claim's own item (``consensus.held_out``): a source's agreement on the item being
scored does not vouch for it. The estimate, kept beside the trust, still makes the
choice and the sources' sums."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem.verification import consensus
from kgmem.verification.claims import Estimator, argmax_per_item
from kgmem.verification.estimators import CHOSEN
from tests.verification.test_estimators import arrays

PRIOR = 0.8  # the prior of every source in ``arrays``


def accu() -> Estimator:
    params = CHOSEN["accu"].params
    assert isinstance(params, Estimator)
    return params


def test_sources_seen_on_the_scored_item_only_vote_at_their_prior() -> None:
    """Two sources seen nowhere else agree on Lisbon, a third says Madrid: the full
    estimate trusts Lisbon more as the two agreeing raise each other's accuracy; the
    trust weighs each vote at the prior alone, the closed form of ACCU's softmax."""
    claims = [(0, "Lisbon", 0), (0, "Lisbon", 1), (0, "Madrid", 2)]
    p = accu()
    scores = consensus.estimate(arrays(claims), p)
    n = p.false_values
    vote = n * PRIOR / (1 - PRIOR)  # e^tau: one claim's vote at the prior
    unseen = n + 1 - 2
    lisbon = vote**2 / (vote**2 + vote + unseen)
    madrid = vote / (vote**2 + vote + unseen)
    assert np.allclose(scores.trust, [lisbon, madrid], atol=1e-6)
    assert scores.estimate is not None and scores.estimate[0] > lisbon + 0.02
    assert scores.chosen[0] == 0


def test_sources_with_many_other_items_keep_the_estimates_trust() -> None:
    """Where each source's accuracy rests on many other items, leaving one out barely
    moves it, and the trust is the estimate's."""
    claims = []
    for item in range(60):
        claims += [(item, "t", 0), (item, "t", 1), (item, "t", 2), (item, f"x{item}", 3)]
    scores = consensus.estimate(arrays(claims), accu())
    assert scores.estimate is not None
    assert np.allclose(scores.trust, scores.estimate, atol=0.02)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["ab", "cd", "ef", "gh"]), st.integers(0, 6)),
        min_size=1,
        max_size=40,
    )
)
def test_the_trust_keeps_the_estimates_choice_and_order(
    claims: list[tuple[int, str, int]],
) -> None:
    """Whatever the claims: the chosen value is the estimate's highest; it has its item's
    highest trust; an item's trusts sum to at most one; a lower estimate never gets a
    higher trust than a higher one of its item."""
    a = arrays(claims)
    scores = consensus.estimate(a, accu())
    estimate = scores.estimated
    assert np.array_equal(scores.chosen, argmax_per_item(a, estimate))
    for item in np.unique(a.value_item):
        values = np.flatnonzero(a.value_item == item)
        trust, est = scores.trust[values], estimate[values]
        assert trust.sum() <= 1 + 1e-9 and np.all(trust >= 0)
        assert scores.trust[scores.chosen[item]] >= trust.max() - 1e-12
        higher = est[:, None] > est[None, :] + 1e-12
        assert np.all((trust[:, None] >= trust[None, :] - 1e-12)[higher])
