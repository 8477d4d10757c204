"""The multi-hop ideas of ``bench locomo-links``: time clusters, the session-diverse
re-ranking and the cross-session link features."""

from bench.locomo_cv import Question
from bench.locomo_links import clusters, diverse, linked

HOUR = 3600.0


def test_a_gap_over_an_hour_starts_a_new_cluster() -> None:
    times = {"a": 0.0, "b": 60.0, "c": 60.0 + HOUR + 1, "d": 60.0 + 1.5 * HOUR + 1}
    assert clusters(times) == {"a": 0, "b": 0, "c": 1, "d": 1}


def test_diversity_lets_a_close_second_session_in_and_leaves_a_far_one_out() -> None:
    times = {"a1": 0.0, "a2": 1.0, "b1": 10 * HOUR, "c1": 20 * HOUR}
    q = Question("c", 1, "?", frozenset(), {}, times)
    scores = {"a1": 1.0, "a2": 0.95, "b1": 0.9, "c1": 0.0}
    assert diverse(q, scores, 0.0)[:2] == ["a1", "a2"]
    assert diverse(q, scores, 0.1)[:2] == ["a1", "b1"]
    assert diverse(q, scores, 0.1)[-1] == "c1"


def test_a_link_counts_only_across_clusters_and_through_rare_items() -> None:
    times = {"x": 0.0, "y": 60.0, "z": 10 * HOUR}
    q = Question("c", 1, "?", frozenset(), {}, times)
    items = {
        "c": {
            "x": frozenset({"pottery", "kids"}),
            "y": frozenset({"pottery"}),
            "z": frozenset({"pottery", "kids"}),
            "w": frozenset({"kids"}),
        }
    }
    rows = {"x": [1.0, 0.5], "y": [0.8, 0.8], "z": [0.2, 0.1]}
    extra = linked(items, lambda c: 1.0)
    # "pottery" is in 3 turns, "kids" in 3: a cap of 3 keeps both.
    assert extra(q, rows, 3.0) == {"x": [0.2, 0.1], "y": [0.2, 0.1], "z": [1.0, 0.8]}
    assert extra(q, rows, 2.0) == {"x": [0.0, 0.0], "y": [0.0, 0.0], "z": [0.0, 0.0]}
