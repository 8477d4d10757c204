"""The LoCoMo cross-validation chooses each fold's fusion without its own questions."""

from bench.locomo_cv import Question, bootstrap, cross_validate, grid


def question(conv: str, *, keyword_right: bool) -> Question:
    """Gold turn "g": the keyword axis ranks it first when ``keyword_right``, else the
    vector axis does; each axis also ranks ten decoys above the other's pick."""
    decoys = {f"d{i}": 0.9 - i / 100 for i in range(10)}
    good, bad = {"g": 1.0, **decoys}, {**decoys, "g": 0.01}
    axes = {"keyword": good, "vector": bad} if keyword_right else {"keyword": bad, "vector": good}
    return Question(conv, 4, "q", frozenset({"g"}), axes)


def test_each_fold_is_chosen_on_the_other_conversations_only() -> None:
    questions = [question("a", keyword_right=False)] * 3 + [
        question(c, keyword_right=True) for c in ("b", "c") for _ in range(3)
    ]
    folds = cross_validate(questions, grid(("keyword", "vector")))
    # Held out, "a" gets the keyword-leaning choice the others favour, and fails on it.
    assert folds.chosen["a"].weights["keyword"] > folds.chosen["a"].weights["vector"]
    assert folds.recalls["a"] == [0.0, 0.0, 0.0]
    assert folds.recalls["b"] == [1.0, 1.0, 1.0]


def test_bootstrap_interval_brackets_the_mean_and_is_degenerate_for_constants() -> None:
    assert bootstrap([0.5] * 20) == (0.5, 0.5)
    lo, hi = bootstrap([0.0, 1.0] * 50)
    assert lo < 0.5 < hi
