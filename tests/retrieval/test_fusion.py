"""Fusion: convex mix of scaled scores (default), the min-max scaled mix, weighted
reciprocal-rank fusion; tie-aware ranks, weights, eligibility, the cut-off floor,
relevance, determinism."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem.retrieval.fusion import K, Scored, fuse, ranks


def test_equal_scores_share_a_rank_and_the_next_rank_skips() -> None:
    assert ranks({"a": 0.9, "b": 0.9, "c": 0.5, "d": 0.1}) == {"a": 1, "b": 1, "c": 3, "d": 4}


def test_empty_axes_fuse_to_nothing() -> None:
    assert fuse({}, {}) == []
    assert fuse({"vector": {}}, {"vector": 1.0}) == []


def test_fused_score_is_the_weighted_sum_of_reciprocal_ranks() -> None:
    axes = {
        "keyword": {"a": Scored(1.0, ""), "b": Scored(0.5, "")},
        "vector": {"b": Scored(0.9, ""), "c": Scored(0.8, "")},
    }
    fused = {f.key: f for f in fuse(axes, {"keyword": 1.0, "vector": 0.5}, method="rrf")}
    assert fused["a"].score == pytest.approx(1 / (K + 1))
    assert fused["b"].score == pytest.approx(1 / (K + 2) + 0.5 / (K + 1))
    assert fused["c"].score == pytest.approx(0.5 / (K + 2))
    assert fused["b"].axis_ranks == {"keyword": 2, "vector": 1}
    ranked = fuse(axes, {"keyword": 1.0, "vector": 0.5}, method="rrf")
    assert [f.key for f in ranked] == ["b", "a", "c"]


def test_zero_weight_turns_an_axis_off() -> None:
    axes = {"keyword": {"a": Scored(1.0, "")}, "vector": {"b": Scored(1.0, "")}}
    assert [f.key for f in fuse(axes, {"keyword": 0.0, "vector": 1.0})] == ["b"]


def test_fused_ties_break_by_the_order_key_not_by_insertion() -> None:
    axes = {"keyword": {"z": Scored(0.7, ""), "y": Scored(0.7, ""), "x": Scored(0.7, "")}}
    order = {"z": ("v", "a"), "y": ("v", "c"), "x": ("v", "b")}
    assert [f.key for f in fuse(axes, {"keyword": 1.0}, order=order)] == ["z", "x", "y"]


def test_ineligible_candidates_neither_appear_nor_take_ranks() -> None:
    axes = {"keyword": {"a": Scored(1.0, ""), "b": Scored(0.5, "")}}
    fused = fuse(axes, {"keyword": 1.0}, eligible={"b"})
    assert [(f.key, f.axis_ranks["keyword"]) for f in fused] == [("b", 1)]


def test_convex_score_is_the_weighted_mean_of_scores_scaled_by_each_axis_best() -> None:
    axes = {
        "keyword": {"a": Scored(0.8, ""), "b": Scored(0.4, "")},
        "vector": {"b": Scored(0.6, ""), "c": Scored(0.3, "")},
    }
    fused = {f.key: f for f in fuse(axes, {"keyword": 1.0, "vector": 3.0})}
    assert fused["a"].score == pytest.approx(0.25 * 1.0)
    assert fused["b"].score == pytest.approx(0.25 * 0.5 + 0.75 * 1.0)
    assert fused["c"].score == pytest.approx(0.75 * 0.5)
    assert all(f.relevance == f.score for f in fused.values())


def test_a_cut_axis_gives_candidates_it_did_not_return_its_lowest_score() -> None:
    axes = {
        "keyword": {"a": Scored(1.0, ""), "b": Scored(0.5, "")},
        "vector": {"b": Scored(1.0, ""), "c": Scored(0.6, "")},
    }
    plain = {f.key: f.score for f in fuse(axes, {"keyword": 1.0, "vector": 1.0})}
    cut = {f.key: f.score for f in fuse(axes, {"keyword": 1.0, "vector": 1.0}, cut=["vector"])}
    assert plain["a"] == pytest.approx(0.5)
    assert cut["a"] == pytest.approx(0.5 + 0.5 * 0.6)  # vector's floor, not 0
    assert cut["c"] == pytest.approx(plain["c"])  # keyword was not cut: 0 stays 0


def test_rrf_hits_carry_the_convex_relevance_too() -> None:
    axes = {"keyword": {"a": Scored(1.0, ""), "b": Scored(0.25, "")}}
    fused = {f.key: f for f in fuse(axes, {"keyword": 1.0}, method="rrf")}
    assert fused["b"].relevance == pytest.approx(0.25)
    assert fused["b"].score == pytest.approx(1 / (K + 2))


_scores = st.dictionaries(
    st.sampled_from("abcdefgh"), st.floats(0.0, 1.0, allow_nan=False), max_size=8
)


@settings(max_examples=60, deadline=None)
@given(
    keyword=_scores,
    vector=_scores,
    w=st.floats(0.0, 1.0),
    cut=st.sets(st.sampled_from(["keyword", "vector"])),
)
def test_relevance_is_in_unit_interval_and_orders_convex_hits(
    keyword: dict[str, float], vector: dict[str, float], w: float, cut: set[str]
) -> None:
    axes = {
        "keyword": {k: Scored(v, "") for k, v in keyword.items()},
        "vector": {k: Scored(v, "") for k, v in vector.items()},
    }
    fused = fuse(axes, {"keyword": 1 - w, "vector": w}, cut=cut)
    assert all(0.0 <= f.relevance <= 1.0 for f in fused)
    assert [f.relevance for f in fused] == sorted((f.relevance for f in fused), reverse=True)
    assert {f.key for f in fused} == {
        k
        for axis, found in (("keyword", keyword), ("vector", vector))
        if (1 - w if axis == "keyword" else w) > 0
        for k in found
    }


@settings(max_examples=60, deadline=None)
@given(keyword=_scores)
def test_one_axis_alone_keeps_its_own_order(keyword: dict[str, float]) -> None:
    axes = {"keyword": {k: Scored(v, "") for k, v in keyword.items()}}
    fused = fuse(axes, {"keyword": 1.0}, cut=["keyword"])
    got = [keyword[f.key] for f in fused]
    assert got == sorted(got, reverse=True)


def test_minmax_scales_each_axis_between_its_floor_and_its_best() -> None:
    axes = {
        "keyword": {"a": Scored(0.8, ""), "b": Scored(0.4, ""), "c": Scored(0.2, "")},
        "vector": {"b": Scored(0.9, ""), "c": Scored(0.7, ""), "d": Scored(0.6, "")},
    }
    w = {"keyword": 0.75, "vector": 0.25}
    fused = {f.key: f for f in fuse(axes, w, method="minmax", cut=["vector"])}
    # keyword is not cut: its floor is 0; vector's floor is its lowest returned score.
    assert fused["a"].score == pytest.approx(0.75 * 1.0)
    assert fused["b"].score == pytest.approx(0.75 * 0.5 + 0.25 * 1.0)
    assert fused["c"].score == pytest.approx(0.75 * 0.25 + 0.25 * (0.1 / 0.3))
    assert fused["d"].score == pytest.approx(0.0)
    # The relevance stays the convex one, whichever fusion ranks.
    assert fused["d"].relevance == pytest.approx(0.25 * 0.6 / 0.9)
    assert [f.key for f in fuse(axes, w, method="minmax", cut=["vector"])] == ["a", "b", "c", "d"]


def test_minmax_axis_of_equal_scores_gives_each_its_whole_weight() -> None:
    axes = {"keyword": {"a": Scored(0.5, ""), "b": Scored(0.5, "")}}
    fused = fuse(axes, {"keyword": 1.0}, method="minmax", cut=["keyword"])
    assert [f.score for f in fused] == [1.0, 1.0]


@settings(max_examples=60, deadline=None)
@given(
    keyword=_scores,
    vector=_scores,
    w=st.floats(0.0, 1.0),
    cut=st.sets(st.sampled_from(["keyword", "vector"])),
)
def test_minmax_scores_are_in_unit_interval_and_the_best_of_every_axis_scores_one(
    keyword: dict[str, float], vector: dict[str, float], w: float, cut: set[str]
) -> None:
    axes = {
        "keyword": {k: Scored(v, "") for k, v in keyword.items()},
        "vector": {k: Scored(v, "") for k, v in vector.items()},
    }
    fused = fuse(axes, {"keyword": 1 - w, "vector": w}, method="minmax", cut=cut)
    assert all(0.0 <= f.score <= 1.0 for f in fused)
    assert [f.score for f in fused] == sorted((f.score for f in fused), reverse=True)
    used = [s for s, wt in ((keyword, 1 - w), (vector, w)) if wt > 0 and s and max(s.values()) > 0]
    best = (
        set.intersection(*({k for k, v in s.items() if v == max(s.values())} for s in used))
        if used
        else set()
    )
    for f in fused:
        if f.key in best:
            assert f.score == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(keyword=_scores)
def test_minmax_one_axis_alone_keeps_its_own_order(keyword: dict[str, float]) -> None:
    axes = {"keyword": {k: Scored(v, "") for k, v in keyword.items()}}
    fused = fuse(axes, {"keyword": 1.0}, method="minmax", cut=["keyword"])
    got = [keyword[f.key] for f in fused]
    assert got == sorted(got, reverse=True)
