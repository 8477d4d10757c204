"""Fusion weights fitted by a listwise model, leave one conversation out.

For the ``minmax`` fusion (``kgmem.retrieval.fusion.minmax``) a candidate's fused score
is a weighted sum of features: its per-axis scores scaled between the axis's floor and
its best, (the pseudo-axis "nearby") the best scaled keyword and vector score of
another candidate within an hour of it (``kgmem.retrieval.nearby``) and (the
pseudo-axis "speaker") whether the question names its speaker
(``kgmem.retrieval.speakers``), whether it tells rather than asks
(``kgmem.retrieval.statement_favouring``) and whether its speaker speaks in the first person
(``kgmem.retrieval.first_person``). So its weights
are the coefficients of a linear ranker over those features. They are fitted as a
softmax over each training question's candidates (the union of what each axis
returned) that puts its mass on the question's evidence turns (a listwise model: it
only has to order one question's candidates, not compare scores across questions),
with an L2 penalty on the standardised coefficients; a negative coefficient turns its
feature off. The penalty, and the way turns are embedded (``Choice.context``), are
chosen by leave-one-conversation-out within the training questions (mean recall@10).
The held-out conversation's questions are never seen by the fit.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import numpy as np

from bench.locomo_cv import (
    ANSWER_TYPE,
    DEPTH,
    FIRST_PERSON,
    NAMED_TIME,
    RANKED,
    SPEAKER,
    STATEMENT,
    Choice,
    Folds,
    Question,
    named,
    ranked,
    recall,
)
from kgmem.retrieval.nearby import best_nearby

STEPS = 50
PENALTIES = (1.0, 10.0, 100.0, 1000.0)
PENALTY = 100.0  # when there are too few conversations to choose one
NEARBY = "nearby"  # the pseudo-axis of the nearby features
NEARBY_WEIGHTS = {"keyword": "nearby_keyword", "vector": "nearby_vector"}
FLAGS = (SPEAKER, STATEMENT, FIRST_PERSON, ANSWER_TYPE, NAMED_TIME)  # one column each
PSEUDO = (NEARBY, *FLAGS)  # features, not axes


def features(q: Question, axes: Sequence[str], context: str = "") -> dict[str, list[float]]:
    """Each candidate's features, in the order of ``names(axes)``: per axis its score
    scaled as the ``minmax`` fusion scales it, then with "nearby" in ``axes`` the best
    scaled keyword and vector score of another candidate close in time, and with
    "speaker" whether the question names the candidate's speaker, and with "statement"
    whether the candidate tells rather than asks, with "first_person" whether it
    speaks in the first person, with "answer_type" whether it holds the kind of answer
    the question asks for, and with "named_time" whether it occurred in the time the
    question names."""
    probe = Choice("minmax", {}, context)
    real = [a for a in axes if a not in PSEUDO]
    tops = {a: q.top(probe.axis(a)) for a in real}
    keys = sorted({t for found in tops.values() for t in found})
    columns: list[dict[str, float]] = []
    for axis, found in tops.items():
        best = max(found.values(), default=0.0)
        cut = axis in RANKED and len(found) >= DEPTH
        floor = min(found.values()) if cut else 0.0
        span = best - floor
        columns.append({t: ((v - floor) / span if span > 0 else 1.0) for t, v in found.items()})
    if NEARBY in axes:
        near = [a for a in NEARBY_WEIGHTS if a in tops]
        times = {t: q.times[t] for t in keys if t in q.times}
        columns += best_nearby([columns[real.index(a)] for a in near], times)
    if SPEAKER in axes:
        columns.append(dict.fromkeys(q.favoured, 1.0))
    if STATEMENT in axes:
        columns.append({t: float(t not in q.asking) for t in keys})
    if FIRST_PERSON in axes:
        columns.append({t: float(t in q.personal) for t in keys})
    if ANSWER_TYPE in axes:
        columns.append({t: float(t in q.answering) for t in keys})
    if NAMED_TIME in axes:
        dated = named(q)
        columns.append({t: float(t in dated) for t in keys})
    return {t: [c.get(t, 0.0) for c in columns] for t in keys}


def names(axes: Sequence[str]) -> list[str]:
    """The weight each feature of ``features`` becomes."""
    real = [a for a in axes if a not in PSEUDO]
    near = [NEARBY_WEIGHTS[a] for a in NEARBY_WEIGHTS if a in real] if NEARBY in axes else []
    return real + near + [f for f in FLAGS if f in axes]


def fit(
    questions: Sequence[Question], axes: Sequence[str], context: str, penalty: float = PENALTY
) -> Choice:
    """The ``minmax`` weights over ``axes`` the listwise model fits on ``questions``."""
    blocks, targets = [], []
    for q in questions:
        found = features(q, axes, context)
        gold = np.asarray([t in q.gold for t in found], dtype=float)
        if gold.sum() == 0:
            continue  # no evidence among the candidates: nothing to order
        blocks.append(np.asarray(list(found.values()), dtype=float))
        targets.append(gold / gold.sum())
    labels = names(axes)
    if not blocks:
        return Choice("minmax", dict.fromkeys(labels, 1.0), context)
    x = np.vstack(blocks)
    target = np.concatenate(targets)
    starts = np.cumsum([0] + [len(b) for b in blocks[:-1]])
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std

    theta = _newton(z, target, starts, penalty)
    raw = np.clip(theta / std, 0.0, None)
    if raw.sum() <= 0:
        raw = np.ones_like(raw)
    share = raw / raw.sum()
    return Choice(
        "minmax", {a: round(float(s), 2) for a, s in zip(labels, share, strict=True)}, context
    )


def _newton(z: np.ndarray, target: np.ndarray, starts: np.ndarray, penalty: float) -> np.ndarray:
    """The coefficients minimising the penalised listwise loss (convex) by Newton's
    method with backtracking: per question (rows from each of ``starts``) a softmax of
    ``z @ w`` against ``target``, plus ``penalty / 2 * |w|^2``."""
    sizes = np.diff([*starts, len(z)])

    def softmax(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = z @ w
        s = s - np.repeat(np.maximum.reduceat(s, starts), sizes)
        e = np.exp(s)
        sums = np.add.reduceat(e, starts)
        loss = -float(target @ (s - np.repeat(np.log(sums), sizes))) + 0.5 * penalty * w @ w
        return loss, e / np.repeat(sums, sizes)

    w = np.zeros(z.shape[1])
    loss, p = softmax(w)
    for _ in range(STEPS):
        gradient = z.T @ (p - target) + penalty * w
        means = np.add.reduceat(z * p[:, None], starts)  # per question, E_p[z]
        hessian = (z * p[:, None]).T @ z - means.T @ means + penalty * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        size = 1.0
        while True:
            new_loss, new_p = softmax(w - size * step)
            if new_loss <= loss or size < 1e-6:
                break
            size /= 2
        w, loss, p = w - size * step, new_loss, new_p
        if np.abs(size * step).max() < 1e-8:
            break
    return w


def _mean_recall(questions: Sequence[Question], choice: Choice) -> float:
    return statistics.fmean(recall(q, ranked(q, choice)) for q in questions)


def inner_recall(
    questions: Sequence[Question], axes: Sequence[str], context: str, penalty: float
) -> float:
    """Mean recall@10 of the fit at ``penalty``, each conversation of ``questions``
    answered by the fit on the others."""
    out: list[float] = []
    for held in sorted({q.conversation for q in questions}):
        train = [q for q in questions if q.conversation != held]
        model = fit(train, axes, context, penalty)
        out += [recall(q, ranked(q, model)) for q in questions if q.conversation == held]
    return statistics.fmean(out)


def fitted(questions: Sequence[Question], axes: Sequence[str], contexts: Sequence[str]) -> Choice:
    """The model fitted on ``questions`` with the penalty and way of embedding that
    recall best leave-one-conversation-out within them (ties to the first)."""
    if len({q.conversation for q in questions}) < 2:
        models = [fit(questions, axes, c) for c in contexts]
        return max(models, key=lambda m: _mean_recall(questions, m))
    options = [(c, p) for c in contexts for p in PENALTIES]
    scores = [inner_recall(questions, axes, c, p) for c, p in options]
    context, penalty = options[max(range(len(options)), key=lambda i: (scores[i], -i))]
    return fit(questions, axes, context, penalty)


def cross_validate_fit(
    questions: Sequence[Question], axes: Sequence[str], contexts: Sequence[str]
) -> Folds:
    """Leave one conversation out: fit on the rest, measure on it."""
    folds = Folds()
    for held in sorted({q.conversation for q in questions}):
        train = [q for q in questions if q.conversation != held]
        choice = fitted(train, axes, contexts)
        folds.chosen[held] = choice
        folds.recalls[held] = [
            recall(q, ranked(q, choice)) for q in questions if q.conversation == held
        ]
    return folds


def ablate_fit(
    questions: Sequence[Question], axes: Sequence[str], contexts: Sequence[str]
) -> dict[str, list[float]]:
    """Cross-validated recall@10 per question of each axis alone and of growing sets of
    axes, each set fitted leave-one-conversation-out like the full fusion."""
    alone = [(a,) for a in axes if a not in PSEUDO]
    sets = alone + [tuple(axes[:n]) for n in range(2, len(axes) + 1)]
    out: dict[str, list[float]] = {}
    for subset in sets:
        ways = contexts if "vector" in subset else contexts[:1]
        folds = cross_validate_fit(questions, subset, ways)
        values = {held: iter(v) for held, v in folds.recalls.items()}
        out["+".join(subset)] = [next(values[q.conversation]) for q in questions]
    return out
