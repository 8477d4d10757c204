"""Reliability and copy detection per source and predicate (an option of the accuracy
estimator, off in the shipped configuration): neutral where every source claims on
one predicate, and able to trust a source on one predicate and not on another."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kgmem.verification import consensus, predicate_scope
from kgmem.verification.claims import ClaimArrays, Estimator
from tests.verification.test_consensus import arrays

SPLIT = Estimator(predicate_strength=1.0, copies_per_predicate=True)


def with_predicates(a: ClaimArrays, predicate: list[int]) -> ClaimArrays:
    return replace(a, item_predicate=np.array(predicate, dtype=np.int64))


def split_trust() -> ClaimArrays:
    """Source 0 is right on predicate 0 and wrong on predicate 1, source 1 the reverse
    (source 2 sides with the right one each time); predicate 0 has more items, so over
    both source 0 is the more accurate. On the last item, of predicate 1, sources 0 and
    1 disagree alone."""
    claims = []
    for item in range(40):
        claims += [(item, "right", 0), (item, "right", 2), (item, f"wrong{item}", 1)]
    for item in range(40, 60):
        claims += [(item, "right", 1), (item, "right", 2), (item, f"wrong{item}", 0)]
    claims += [(60, "zero says", 0), (60, "one says", 1)]
    return with_predicates(arrays(claims), [0] * 40 + [1] * 21)


def test_a_source_is_trusted_on_the_predicate_it_gets_right() -> None:
    a = split_trust()
    pooled = consensus.estimate(a, Estimator(detect_copies=False))
    # One reliability per source: source 0 is the more accurate over both predicates.
    assert a.value_text[pooled.chosen[60]] == "zero says"
    split = consensus.estimate(a, replace(SPLIT, detect_copies=False))
    assert a.value_text[split.chosen[60]] == "one says"
    # A strong pull toward the source's own reliability undoes the split.
    strong = consensus.estimate(a, Estimator(predicate_strength=1e9, detect_copies=False))
    assert a.value_text[strong.chosen[60]] == "zero says"
    # So does a small share of the per-predicate reliability; a large one does not.
    for share, said in ((0.05, "zero says"), (0.9, "one says")):
        mixed = consensus.estimate(a, Estimator(predicate_share=share, detect_copies=False))
        assert a.value_text[mixed.chosen[60]] == said, share


def test_split_scores_are_folded_back_to_one_row_per_source() -> None:
    a = split_trust()
    scores = consensus.estimate(a, SPLIT)
    assert scores.reliability.shape == scores.source_weight.shape == (3,)
    assert all(0 <= s < 3 and 0 <= t < 3 for s, t, _ in scores.dependence)
    # A source's reliability is the claim-weighted mean of its per-predicate ones.
    assert scores.reliability[0] > scores.reliability[1], scores.reliability
    assert scores.source_weight.tolist() == [61.0, 61.0, 60.0]


def test_with_one_predicate_per_source_the_option_changes_nothing() -> None:
    claims = [(i, f"v{(i * s) % 3}", s) for i in range(12) for s in range(4)]
    a = with_predicates(arrays(claims), [0] * 12)
    assert predicate_scope.split(a) is None
    base, split = consensus.estimate(a), consensus.estimate(a, SPLIT)
    assert np.array_equal(base.trust, split.trust)
    assert np.array_equal(base.reliability, split.reliability)


def test_a_source_split_once_gets_the_accuracy_it_has_unsplit() -> None:
    # Source 3 claims on predicate 0 only; the others on both.
    claims = [(i, f"v{i % 2}", s) for i in range(8) for s in range(3)]
    claims += [(i, "v0", 3) for i in range(4)]
    a = with_predicates(arrays(claims), [0] * 4 + [1] * 4)
    for params in (
        Estimator(predicate_strength=1.0, detect_copies=False),
        Estimator(predicate_strength=50.0, detect_copies=False),
        Estimator(predicate_share=0.7, detect_copies=False),
    ):
        parted = predicate_scope.split(a)
        assert parted is not None and parted.source_parent is not None
        scores = consensus.estimate(a, params)
        alone = consensus.estimate(replace(a, item_predicate=None), params)
        # Source 3's one split source is its whole self: same smoothing as unsplit, and
        # the items it alone decides the same way.
        assert scores.source_weight[3] == alone.source_weight[3] == 4.0
        assert np.array_equal(scores.chosen[:4], alone.chosen[:4])
