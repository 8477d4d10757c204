"""The logistic fit of the LoCoMo bench weighs the axis that finds the evidence, is
fitted without the held-out conversation, and the ways of embedding a turn."""

from bench.locomo import episodes_of
from bench.locomo_cv import Question, ranked
from bench.locomo_fit import cross_validate_fit, fit


def question(conv: str, i: int, *, keyword_right: bool) -> Question:
    """Gold turn "g<i>" first on one axis and below ten decoys on the other."""
    gold = f"g{i}"
    decoys = {f"d{i}-{j}": 0.9 - j / 100 for j in range(10)}
    good, bad = {gold: 1.0, **decoys}, {**decoys, gold: 0.05}
    axes = {"keyword": good, "vector": bad} if keyword_right else {"keyword": bad, "vector": good}
    return Question(conv, 4, "q", frozenset({gold}), axes)


def test_the_fit_weighs_the_axis_that_ranks_the_evidence_first() -> None:
    questions = [question("a", i, keyword_right=True) for i in range(20)]
    choice = fit(questions, ("keyword", "vector"), "")
    assert choice.method == "minmax"
    assert choice.weights["keyword"] > choice.weights["vector"]
    flipped = fit(
        [question("a", i, keyword_right=False) for i in range(20)], ("keyword", "vector"), ""
    )
    assert flipped.weights["vector"] > flipped.weights["keyword"]


def test_each_fold_is_fitted_on_the_other_conversations_only() -> None:
    questions = [question("a", i, keyword_right=False) for i in range(3)] + [
        question(c, i, keyword_right=True) for c in ("b", "c") for i in range(6)
    ]
    folds = cross_validate_fit(questions, ("keyword", "vector"), ("",))
    # Held out, "a" gets the keyword-leaning fit of "b" and "c", and fails on it.
    assert folds.chosen["a"].weights["keyword"] > folds.chosen["a"].weights["vector"]
    assert folds.recalls["a"] == [0.0] * 3
    assert fit(questions, ("keyword", "vector"), "") != folds.chosen["a"]


def test_turns_become_episodes_in_session_order() -> None:
    turns = [
        {"speaker": s, "text": t, "dia_id": f"D1:{i + 1}"}
        for i, (s, t) in enumerate((("A", "hi"), ("B", "yo"), ("A", "ok")))
    ] + [{"speaker": "A", "text": f"t{i}", "dia_id": f"D1:{i + 4}"} for i in range(8)]
    conv = {"conversation": {"session_1": turns, "session_1_date_time": "1:56 pm on 8 May, 2023"}}
    [session] = episodes_of("ns", conv)
    assert [e.text for e in session[:3]] == ["A: hi", "B: yo", "A: ok"]
    assert {e.session for e in session} == {"D1"}
    # "D1:10" sorts before "D1:2" as text: the times keep the turns' order.
    keys = [(e.reference_time, e.uid) for e in session]
    assert sorted(keys) == keys and len({e.reference_time for e in session}) == len(session)


def answered_next(conv: str, i: int) -> Question:
    """The question names turn "n<i>" (first on both axes); the evidence is that turn
    (even i) or "g<i>", a minute after it, which scores no better than ten decoys from
    other days (odd i)."""
    gold, named = f"g{i}", f"n{i}"
    decoys = {f"d{i}-{j}": 0.3 for j in range(10)}
    scores = {named: 1.0, gold: 0.3, **decoys}
    times = {named: 0.0, gold: 60.0, **{d: 86400.0 * (j + 1) for j, d in enumerate(decoys)}}
    evidence = frozenset({named if i % 2 == 0 else gold})
    return Question(conv, 4, "q", evidence, {"keyword": scores, "vector": scores}, times)


def test_the_nearby_features_get_weight_when_the_evidence_follows_the_named_turn() -> None:
    questions = [answered_next(c, i) for c in ("a", "b", "c") for i in range(6)]
    folds = cross_validate_fit(questions, ("keyword", "vector", "nearby"), ("",))
    for held, choice in folds.chosen.items():
        near = choice.weights["nearby_keyword"] + choice.weights["nearby_vector"]
        assert near > 0.2, held
        assert folds.recalls[held] == [1.0] * 6
    plain = cross_validate_fit(questions, ("keyword", "vector"), ("",))
    # Without them the evidence ties with the decoys, and the uid order puts it below.
    assert all(v == [1.0, 0.0] * 3 for v in plain.recalls.values())


def asked_back(conv: str, i: int) -> Question:
    """The evidence "g<i>" ties on both axes with "a<i>", a turn that asks, whose uid
    sorts first."""
    gold, asking = f"g{i}", f"a{i}"
    decoys = {f"d{i}-{j}": 0.2 for j in range(10)}
    scores = {asking: 1.0, gold: 1.0, **decoys}
    return Question(
        conv,
        1,
        "q",
        frozenset({gold}),
        {"keyword": scores, "vector": scores},
        asking=frozenset({asking}),
    )


def test_the_statement_feature_gets_weight_when_turns_that_ask_outrank_the_evidence() -> None:
    questions = [asked_back(c, i) for c in ("a", "b", "c") for i in range(12)]
    folds = cross_validate_fit(questions, ("keyword", "vector", "statement"), ("",))
    for held, choice in folds.chosen.items():
        assert choice.weights["statement"] > 0, held
        # With k = 10 the evidence is in the top ten anyway; first is what ranks it.
        assert ranked(questions[0], choice)[0] == "g0"
    plain = fit(questions, ("keyword", "vector"), "")
    assert ranked(questions[0], plain)[0] == "a0"
