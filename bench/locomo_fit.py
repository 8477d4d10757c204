"""Fusion weights fitted by logistic regression, leave one conversation out.

For the ``minmax`` fusion (``kgmem.retrieval.fusion.minmax``) a candidate's fused score
is a weighted sum of its per-axis scores scaled between the axis's floor and its best,
so its weights are the coefficients of a linear model over those scaled scores. They
are fitted here as a logistic regression of "this candidate is an evidence turn" on
every candidate of the training questions (the union of what each axis returned), with
an L2 penalty; a negative coefficient turns its axis off. The way turns are embedded
(``Choice.context``) is chosen among the fitted models by mean recall@10 on the same
training questions. The held-out conversation's questions are never seen by the fit.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import numpy as np

from bench.locomo_cv import DEPTH, RANKED, Choice, Folds, Question, ranked, recall

STEPS = 50
PENALTY = 1.0


def scaled(q: Question, choice: Choice, axes: Sequence[str]) -> dict[str, list[float]]:
    """Each candidate's per-axis score scaled as the ``minmax`` fusion scales it."""
    tops = {a: q.top(choice.axis(a)) for a in axes}
    keys = sorted({t for found in tops.values() for t in found})
    columns = []
    for axis, found in tops.items():
        best = max(found.values(), default=0.0)
        cut = axis in RANKED and len(found) >= DEPTH
        floor = min(found.values()) if cut else 0.0
        span = best - floor
        columns.append(
            {
                t: ((found[t] - floor) / span if span > 0 else 1.0) if t in found else 0.0
                for t in keys
            }
        )
    return {t: [c[t] for c in columns] for t in keys}


def fit(questions: Sequence[Question], axes: Sequence[str], context: str) -> Choice:
    """The ``minmax`` weights over ``axes`` a logistic regression fits on ``questions``."""
    probe = Choice("minmax", dict.fromkeys(axes, 1.0), context)
    rows, labels = [], []
    for q in questions:
        for turn, values in scaled(q, probe, axes).items():
            rows.append(values)
            labels.append(1.0 if turn in q.gold else 0.0)
    x = np.asarray(rows)
    y = np.asarray(labels)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    z = np.hstack([z, np.ones((len(y), 1))])  # the intercept, not penalised
    penalty = np.diag([PENALTY] * (z.shape[1] - 1) + [0.0])
    theta = np.zeros(z.shape[1])
    for _ in range(STEPS):  # Newton's method: the loss is convex
        p = 1.0 / (1.0 + np.exp(-(z @ theta)))
        gradient = z.T @ (p - y) + penalty @ theta
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty + 1e-9 * np.eye(z.shape[1])
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    w = theta[:-1]
    raw = np.clip(w / std, 0.0, None)
    if raw.sum() <= 0:
        raw = np.ones_like(raw)
    share = raw / raw.sum()
    return Choice(
        "minmax", {a: round(float(s), 2) for a, s in zip(axes, share, strict=True)}, context
    )


def fitted(questions: Sequence[Question], axes: Sequence[str], contexts: Sequence[str]) -> Choice:
    """The fitted model of the way of embedding that recalls best on ``questions``."""
    models = [fit(questions, axes, c) for c in contexts]
    return max(models, key=lambda m: statistics.fmean(recall(q, ranked(q, m)) for q in questions))


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
    sets = [(a,) for a in axes] + [tuple(axes[:n]) for n in range(2, len(axes) + 1)]
    out: dict[str, list[float]] = {}
    for subset in sets:
        ways = contexts if "vector" in subset else contexts[:1]
        folds = cross_validate_fit(questions, subset, ways)
        values = {held: iter(v) for held, v in folds.recalls.items()}
        out["+".join(subset)] = [next(values[q.conversation]) for q in questions]
    return out
