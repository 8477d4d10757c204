"""The estimators on hand-built claim arrays: majority vote, accuracy learning, value
similarity, copy detection, determinism and the lone-claim calibration."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem.schema.graph_schema import ValueType
from kgmem.settings.config import VerificationSettings
from kgmem.verification import claim_model, consensus
from kgmem.verification.claims import ClaimArrays, Estimator
from kgmem.verification.similarity import normalise
from kgmem.verification.status import status_of, statuses


def arrays(claims: list[tuple[int, str, int]], *, functional: bool = True) -> ClaimArrays:
    """Claims as (item, value text, source), in observation order."""
    values: dict[tuple[int, str], int] = {}
    for item, text, _ in claims:
        values.setdefault((item, text), len(values))
    n_items = max(i for i, _, _ in claims) + 1
    n_sources = max(s for _, _, s in claims) + 1
    return ClaimArrays(
        claim_value=np.array([values[(i, t)] for i, t, _ in claims]),
        claim_source=np.array([s for _, _, s in claims]),
        claim_weight=np.ones(len(claims)),
        claim_order=np.arange(len(claims)),
        value_item=np.array([i for i, _ in values]),
        value_text=[t for _, t in values],
        item_functional=np.full(n_items, functional),
        source_prior=np.full(n_sources, 0.8),
    )


def chosen_texts(a: ClaimArrays, chosen: np.ndarray) -> list[str]:
    return [a.value_text[v] for v in chosen]


def test_majority_vote_ties_go_to_the_value_claimed_first() -> None:
    a = arrays([(0, "b", 0), (0, "a", 1), (1, "x", 0), (1, "y", 1), (1, "y", 2)])
    assert chosen_texts(a, consensus.majority(a)) == ["b", "y"]


def test_accurate_sources_outvote_a_larger_group_of_unreliable_ones() -> None:
    claims = []
    # Sources 0 and 1 agree with each other on 20 items; sources 2, 3, 4 each give a
    # different wrong value on them, so they are learnt to be unreliable.
    for item in range(20):
        claims += [(item, "t", 0), (item, "t", 1), (item, "w2", 2), (item, "w3", 3)]
        claims += [(item, f"w4-{item}", 4)]
    # The contested item: the two reliable sources against three unreliable ones agreeing.
    claims += [(20, "true", 0), (20, "true", 1), (20, "false", 2), (20, "false", 3)]
    claims += [(20, "false", 4)]
    a = arrays(claims)
    assert a.value_text[consensus.majority(a)[20]] == "false"
    scores = consensus.estimate(a, Estimator(detect_copies=False))
    assert a.value_text[scores.chosen[20]] == "true"
    assert scores.reliability[0] > 0.9 and scores.reliability[4] < 0.5


def test_close_numbers_support_each_other() -> None:
    # 1000, 1001 and 1002 are within 1% of each other; two sources say 5000.
    a = arrays([(0, "1000", 0), (0, "1001", 1), (0, "5000", 2), (0, "5000", 3), (0, "1002", 4)])
    plain = consensus.estimate(a, Estimator(similarity_weight=0.0, detect_copies=False))
    similar = consensus.estimate(a, Estimator(similarity_weight=1.0, detect_copies=False))
    assert a.value_text[plain.chosen[0]] == "5000"
    assert a.value_text[similar.chosen[0]] == "1001"


def test_normalise_folds_numbers_and_spaces() -> None:
    assert normalise(" 1,000 ") == normalise("1000.0") and normalise(" New  York") == "new york"


def test_a_copier_of_false_values_loses_its_independent_vote() -> None:
    claims = []
    # Source 0 is honest; source 1 is wrong on 15 items and source 2 copies source 1's
    # false values right after it; source 3 is another honest source.
    for item in range(15):
        claims += [(item, "t", 0), (item, f"f{item}", 1), (item, f"f{item}", 2), (item, "t", 3)]
    a = arrays(claims)
    scores = consensus.estimate(a)
    pairs = {(x, y) for x, y, p in scores.dependence}
    assert (1, 2) in pairs
    copied = a.claim_value[1]  # the false value of item 0
    assert scores.support[copied] < 1.5  # two claims, about one independent source
    honest = a.claim_value[0]
    assert scores.support[honest] > 1.8


def test_scores_are_deterministic_and_probabilities() -> None:
    rng = np.random.default_rng(7)
    claims = [(int(i), str(int(v)), int(s)) for i, v, s in rng.integers(0, 6, size=(300, 3))]
    a = arrays(claims)
    first, second = consensus.estimate(a), consensus.estimate(a)
    assert np.array_equal(first.trust, second.trust)
    assert np.array_equal(first.chosen, second.chosen)
    per_item = np.bincount(a.value_item, first.trust)
    assert np.all(per_item <= 1 + 1e-9) and np.all(first.trust >= 0)


def test_a_lone_claim_gets_its_sources_accuracy() -> None:
    a = arrays([(0, "x", 0)])
    scores = consensus.estimate(a, Estimator(prior_strength=1e6))
    assert abs(scores.trust[0] - 0.8) < 1e-3


def test_non_functional_values_do_not_compete() -> None:
    a = arrays([(0, "x", 0), (0, "y", 1), (0, "y", 2)], functional=False)
    scores = consensus.estimate(a)
    assert scores.trust[0] > 0.5 and scores.trust[1] > scores.trust[0]
    assert scores.contradiction.tolist() == [0, 0]


def test_malformed_values_on_a_numeric_item_carry_no_vote() -> None:
    # Three sources write a date-mangled junk value ("12-Oct") where the others give
    # numbers: on a numeric item it is malformed and cannot win, whatever its count.
    junk = [(0, "12-Oct", s) for s in (0, 1, 2)]
    numbers = [(0, "10", 3), (0, "11", 4), (0, "10", 5), (0, "9", 6)]
    a = arrays(junk + numbers)
    scores = consensus.estimate(a)
    assert chosen_texts(a, consensus.majority(a)) == ["12-Oct"]
    assert chosen_texts(a, scores.chosen) == ["10"]
    assert scores.trust[0] < 0.05
    # On an item that is mostly text, text values compete as usual.
    b = arrays([(0, "Paris", 0), (0, "Paris", 1), (0, "12", 2)])
    assert chosen_texts(b, consensus.estimate(b).chosen) == ["Paris"]


def test_malformed_values_on_a_date_item_carry_no_vote() -> None:
    # "N/A" is no date: on an item that is mostly dates it cannot win, whatever its
    # count.
    junk = [(0, "N/A", 0), (0, "N/A", 1), (0, "N/A", 2)]
    dates = [(0, "2007-05-03", 3), (0, "2007-05-03", 4), (0, "2007-06-01", 5)]
    dates += [(0, "1999-01-02", 6)]
    a = replace(arrays(junk + dates), item_type=(ValueType(kind="date"),))
    assert chosen_texts(a, consensus.majority(a)) == ["N/A"]
    assert chosen_texts(a, consensus.estimate(a).chosen) == ["2007-05-03"]


@settings(max_examples=40)
@given(
    st.sampled_from(
        ["N/A", "Not Available", "Not Available (NA)", "unknown", "-", "?", "TBA", "see listing"]
    ),
    st.integers(1, 3),
)
def test_missing_value_marks_on_a_names_item_carry_no_vote(mark: str, extra: int) -> None:
    # A store that writes "Not Available" names nobody: on an item that is mostly
    # author lists the mark cannot win, however many stores write it, and a list of
    # the same people written another way is the same value.
    junk = [(0, mark, s) for s in range(3 + extra)]
    lists = [(0, "Ullman, Jeffrey D.; Widom, Jennifer", 10), (0, "J. Ullman & J. Widom", 11)]
    lists += [(0, "Jennifer Widom, Jeffrey Ullman", 12), (0, "Ullman JD", 13)]
    lists += [(0, "Ullman, Jeffrey D.", 14), (0, "Jennifer Widom", 15), (0, "Ullman", 16)]
    a = replace(arrays(junk + lists), item_type=(ValueType(kind="names"),))
    assert chosen_texts(a, consensus.majority(a)) == [mark]
    scores = consensus.estimate(a)
    assert chosen_texts(a, scores.chosen)[0] in {t for _, t, s in lists[:3]}
    assert scores.trust[0] < 0.05
    # On an item where most values are no list of names, they compete as usual.
    b = replace(arrays(junk + lists[:1]), item_type=(ValueType(kind="names"),))
    assert chosen_texts(b, consensus.estimate(b).chosen) == [mark]


_AUTHOR_LISTS = ["Ullman; Widom", "Ullman", "Widom", "Ullman; Widom; Garcia-Molina", "Han"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(_AUTHOR_LISTS), st.integers(0, 7)),
        min_size=2,
        max_size=30,
    )
)
def test_items_of_author_lists_take_their_own_count_of_false_values(
    claims: list[tuple[int, str, int]],
) -> None:
    # An item of the names kind is scored as if every item had names_false_values false
    # values; every other item as before. (Copy detection keeps the one count.)
    a = arrays(claims)
    kinds = tuple(ValueType(kind="names") for _ in range(len(a.item_functional)))
    names = replace(a, item_type=kinds)
    base = Estimator(false_values=3.0, detect_copies=False)
    split = replace(base, names_false_values=10.0)
    ten = consensus.estimate(names, replace(base, false_values=10.0))
    assert np.allclose(consensus.estimate(names, split).trust, ten.trust)
    assert np.allclose(consensus.estimate(a, split).trust, consensus.estimate(a, base).trust)


def test_statuses_agree_with_status_of() -> None:
    settings = VerificationSettings()
    grid = [
        (t, s, c)
        for t in (0.0, 0.1, 0.2, 0.5, 0.79, 0.8, 0.95, 1.0)
        for s in (0.0, 1.0, 1.5, 3.0)
        for c in (0, 1, 4)
    ]
    trust = np.array([g[0] for g in grid])
    support = np.array([g[1] for g in grid])
    contradiction = np.array([g[2] for g in grid], dtype=np.int64)
    assert statuses(trust, support, contradiction, settings) == [
        status_of(t, s, c, settings) for t, s, c in grid
    ]


def test_agreeing_on_probably_true_values_is_weaker_copy_evidence_than_soft_counts() -> None:
    # Sources 0 and 1 agree on items no one contests and differ on some: under the
    # mixture each agreement marginalises the value's truth (probably true), while soft
    # counts add up its chance of being false as shared false values.
    def dependence(agree: int, differ: int, evidence: str) -> float:
        claims = [(item, f"v{item}", s) for item in range(agree) for s in (0, 1)]
        claims += [(agree + j, "x", 0) for j in range(differ)]
        claims += [(agree + j, "y", 1) for j in range(differ)]
        model = claim_model.ClaimModel(
            arrays(claims), Estimator(copy_evidence=evidence, copy_min_shared=1)
        )
        accuracy = np.full(2, 0.8)
        prob = model.probability(accuracy, np.ones(len(model.value)))
        return float(model.dependence(prob, accuracy)[0])

    for agree, differ in ((12, 1), (20, 1), (30, 3), (50, 3)):
        assert dependence(agree, differ, "mixture") < dependence(agree, differ, "soft")
    assert dependence(20, 1, "mixture") < 0.5 < dependence(20, 1, "soft")
    assert dependence(12, 3, "mixture") < 0.05 and dependence(50, 1, "mixture") > 0.9


def test_a_cap_on_accuracy_keeps_one_prolific_source_from_outvoting_two_others() -> None:
    """Source 0 agrees with another source on each of 50 items, so its learnt accuracy
    runs up to the cap; sources 1 and 2 are seen once, on the contested item, where
    they say one value and source 0 another. Under the default cap source 0 alone
    outweighs the two (and their accuracies fall for disagreeing with it); under a cap
    of 0.9 the two independent sources win. The cap bounds every accuracy, also in the
    incremental step."""
    claims = []
    for item in range(50):
        claims += [(item, "v", 0), (item, "v", 3 + item)]
    claims += [(50, "a", 0), (50, "b", 1), (50, "b", 2)]
    a = arrays(claims)
    free = consensus.estimate(a, Estimator(detect_copies=False))
    capped = consensus.estimate(a, Estimator(detect_copies=False, max_accuracy=0.9))
    assert free.reliability[0] > 0.95 and a.value_text[free.chosen[50]] == "a"
    assert np.all((capped.reliability >= 0.1 - 1e-12) & (capped.reliability <= 0.9 + 1e-12))
    assert a.value_text[capped.chosen[50]] == "b"
    n = len(a.source_prior)
    state = consensus.LocalState(
        accuracy=capped.reliability,
        copying=np.zeros(n),
        base_hit=np.full(n, 100.0),
        base_weight=np.full(n, 100.0),
        pairs={},
    )
    settled = consensus.settle(a, state, 3, Estimator(detect_copies=False, max_accuracy=0.9))
    assert np.all(settled.reliability <= 0.9 + 1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from("abc"), st.integers(0, 6)),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from([0.99, 0.95, 0.9, 0.75]),
)
def test_every_learnt_accuracy_stays_within_the_cap(
    claims: list[tuple[int, str, int]], cap: float
) -> None:
    a = arrays(claims)
    scores = consensus.estimate(a, Estimator(max_accuracy=cap))
    assert np.all(scores.reliability <= cap + 1e-12)
    assert np.all(scores.reliability >= 1 - cap - 1e-12)
    assert np.all((scores.trust >= 0) & (scores.trust <= 1))
