"""The ideas of ``bench locomo-feedback``: pseudo-relevance feedback over the
candidates, a session's keyword mass and the list questions that diversity is kept
for."""

from bench.locomo_cv import Question
from bench.locomo_feedback import feedback, listing, mass

HOUR = 3600.0


def test_feedback_favours_the_candidates_that_share_the_top_turns_salient_words() -> None:
    texts = {
        "c": {
            "top": "Melanie: camping with the kids at the beach",
            "echo": "Melanie: the beach trip with kids",
            "other": "Caroline: painting a sunset",
        }
    }
    q = Question("c", 1, "Where did Melanie camp?", frozenset(), {})
    rows = {"top": [1.0, 1.0], "echo": [0.1, 0.1], "other": [0.2, 0.0]}
    values = feedback(texts)(q, rows, (1, 5))
    assert values["top"] == [1.0]
    assert values["echo"][0] > values["other"][0] == 0.0


def test_a_session_mass_is_the_other_turns_keyword_scores_of_its_cluster() -> None:
    times = {"a": 0.0, "b": 60.0, "c": 120.0, "d": 10 * HOUR}
    q = Question("c", 1, "?", frozenset(), {}, times)
    rows = {"a": [1.0], "b": [0.5], "c": [0.0], "d": [1.0]}
    assert mass(q, rows, "sum") == {"a": [0.5 / 1.5], "b": [1.0 / 1.5], "c": [1.0], "d": [0.0]}
    assert mass(q, rows, "count")["d"] == [0.0]


def test_a_list_question_asks_for_plural_things_or_how_many() -> None:
    assert listing("What activities has Melanie done with her family?")
    assert listing("What kinds of paintings does Caroline make?")
    assert listing("How many times has Melanie gone to the beach?")
    assert not listing("What is Caroline's identity?")
    assert not listing("When did Caroline go to the support group?")
    assert not listing("What class did Melanie take?")
