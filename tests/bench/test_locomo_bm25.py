"""The k1 and b bench chooses each held-out conversation's parameters without it."""

from __future__ import annotations

from bench.locomo_bm25 import chosen


def test_the_choice_for_a_conversation_never_reads_its_own_recalls() -> None:
    a, b = (0.9, 0.5), (1.2, 0.75)
    recalls = {
        "c1": {a: [1.0, 1.0], b: [0.0, 0.0]},
        "c2": {a: [0.5], b: [0.6]},
        "c3": {a: [0.2], b: [0.9]},
    }
    # Without c1, b is better on c2 and c3; c1's own strong preference for a is unread.
    assert chosen(recalls, "c1") == b
    assert chosen(recalls, "c3") == a  # c1 and c2: a 0.833, b 0.2
    recalls["c3"][b] = [1.0] * 10
    assert chosen(recalls, "c1") == b


def test_ties_go_to_the_earlier_parameters_of_the_grid() -> None:
    a, b = (0.6, 0.3), (2.0, 0.9)
    recalls = {"c1": {a: [0.5], b: [0.5]}, "c2": {a: [0.1], b: [0.1]}}
    assert chosen(recalls, "c2") == a
