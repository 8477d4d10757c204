"""Weighted reciprocal-rank fusion: tie-aware ranks, weights, eligibility, determinism."""

import pytest

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
    fused = {f.key: f for f in fuse(axes, {"keyword": 1.0, "vector": 0.5})}
    assert fused["a"].score == pytest.approx(1 / (K + 1))
    assert fused["b"].score == pytest.approx(1 / (K + 2) + 0.5 / (K + 1))
    assert fused["c"].score == pytest.approx(0.5 / (K + 2))
    assert fused["b"].axis_ranks == {"keyword": 2, "vector": 1}
    assert [f.key for f in fuse(axes, {"keyword": 1.0, "vector": 0.5})] == ["b", "a", "c"]


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
