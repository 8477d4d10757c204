"""The ideas of ``bench locomo-neighbours``: matching turns of sessions close in time,
and per-speaker profiles of what the speakers say."""

import math

import pytest

from bench.locomo_cv import Question
from bench.locomo_neighbours import Turns, neighbours, profile, salience

HOUR = 3600.0
DAY = 24 * HOUR


def test_a_time_neighbour_is_another_session_within_the_days_not_the_same_session() -> None:
    times = {"a": 0.0, "same": 60.0, "near": 2 * DAY, "far": 20 * DAY}
    q = Question("c", 1, "?", frozenset(), {}, times)
    rows = {"a": [0.1, 0.2], "same": [1.0, 1.0], "near": [0.5, 0.3], "far": [0.9, 0.8]}
    assert neighbours()(q, rows, 3)["a"] == [0.5, 0.3]
    assert neighbours()(q, rows, 30)["a"] == [0.9, 0.8]
    assert neighbours()(q, rows, 1)["a"] == [0.0, 0.0]
    assert neighbours()(q, rows, 3)["far"] == [0.0, 0.0]


def test_a_shared_time_neighbour_must_share_a_content_word() -> None:
    times = {"a": 0.0, "near": 2 * DAY, "other": 2 * DAY + 60}
    q = Question("c", 1, "?", frozenset(), {}, times)
    said = {
        "c": {"a": frozenset({"pottery"}), "near": frozenset({"pottery"}), "other": frozenset()}
    }
    rows = {"a": [0.1, 0.1], "near": [0.4, 0.2], "other": [1.0, 1.0]}
    assert neighbours(said)(q, rows, 3)["a"] == [0.4, 0.2]
    assert neighbours()(q, rows, 3)["a"] == [1.0, 1.0]


def _turns() -> dict[str, Turns]:
    said = {
        "m1": frozenset({"pottery", "lesson"}),
        "m2": frozenset({"pottery", "kid"}),
        "m3": frozenset({"camp"}),
        "c1": frozenset({"pottery", "paint"}),
    }
    speaker = {"m1": "Mel", "m2": "Mel", "m3": "Mel", "c1": "Cara"}
    return {"c": Turns(said, speaker)}


def test_a_speaker_profile_weighs_the_question_words_by_how_often_the_speaker_says_them() -> None:
    q = Question("c", 1, "Which pottery lesson did Mel take?", frozenset(), {})
    rows = {"m1": [1.0, 1.0], "m2": [0.5, 0.5], "m3": [0.2, 0.2], "c1": [0.0, 0.0]}
    values = profile(_turns())(q, rows, "all")
    # The question's words: pottery, lesson, take (the speakers' names left out).
    assert values["m3"] == [2 / 3, 0.0]
    assert values["m1"] == pytest.approx([2 / 3, (2 / 3 + 1 / 3) / 3])
    assert values["c1"] == [1 / 3, 1 / 3]
    # Built from the top candidate only, Mel's profile is m1's words.
    assert profile(_turns())(q, rows, 1)["m2"] == [2 / 3, 1 / 3]


def test_a_speakers_salient_words_score_above_words_everyone_says() -> None:
    q = Question("c", 1, "What about pottery and camping?", frozenset(), {})
    rows = {"m1": [0.0], "m3": [0.0], "c1": [0.0]}
    values = salience(_turns())(q, rows, 0.0)
    # pottery: in 2/3 of Mel's turns and 3/4 of all (no salience for Mel), all of
    # Cara's; camp: 1/3 of Mel's and 1/4 of all, a rarer word (higher idf).
    assert values["m1"] == [0.0]
    assert values["m3"] == [1.0]
    assert values["c1"] == pytest.approx([math.log(1 + 4 / 3) / math.log(1 + 4)])
