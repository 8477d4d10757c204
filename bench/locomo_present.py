"""The present feature's weight, chosen leave one conversation out.

``kgmem.retrieval.present`` favours the newest candidates when a question asks about
the present ("now", "currently", "these days"). This replays the shipped fusion (the
default ``AxisWeights``) over the candidates ``python -m bench locomo
--save-candidates`` cached, with the present feature at each weight of ``WEIGHTS``:
for every conversation the weight is chosen on the other conversations and measured on
it. Few questions ask about the present, so recall@10 rarely tells the weights apart:
the choice (``pick``) is the largest weight that is best on the training conversations
with one step of margin (the next larger weight is best there too), so the feature
works wherever the training data show it costs nothing, and stops a step before they
show a cost. It prints recall@10 per
held-out conversation and per category, without the feature and with the fold's
choice, the spread across folds, and the questions the feature applies to.

Command: ``python -m bench locomo-present --candidates cands.json``.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from bench.locomo_cv import PRESENT, Choice, Question, load, ranked, recall
from kgmem.model import AxisWeights
from kgmem.retrieval.present import about_present

WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
SHIPPED_AXES = ("keyword", "vector", "nearby_keyword", "nearby_vector", "speaker",
                "statement", "first_person")  # fmt: skip


def shipped(weight: float) -> Choice:
    """The default fusion of a search with a text (graph off), present at ``weight``."""
    defaults = asdict(AxisWeights())
    return Choice("minmax", {**{a: defaults[a] for a in SHIPPED_AXES}, PRESENT: weight})


def table(questions: Sequence[Question]) -> dict[float, list[float]]:
    """Recall@10 of every question at each weight."""
    return {w: [recall(q, ranked(q, shipped(w))) for q in questions] for w in WEIGHTS}


def pick(scores: dict[float, list[float]], train: Sequence[int]) -> float:
    """The largest weight that is best on the ``train`` questions with one step of
    margin: the next larger weight of ``WEIGHTS`` is best there too (the data show no
    cost up to beyond it). 0 when even the smallest step costs."""
    mean = {w: statistics.fmean(scores[w][i] for i in train) for w in WEIGHTS}
    best = max(mean.values())
    safe = [a for a, b in itertools.pairwise(WEIGHTS) if mean[a] >= best and mean[b] >= best]
    return max(safe, default=0.0)


def folds(questions: Sequence[Question], scores: dict[float, list[float]]) -> dict[str, float]:
    """Per held-out conversation, the weight chosen on the others."""
    chosen = {}
    for held in sorted({q.conversation for q in questions}):
        train = [i for i, q in enumerate(questions) if q.conversation != held]
        chosen[held] = pick(scores, train)
    return chosen


def report(questions: Sequence[Question]) -> None:
    scores = table(questions)
    chosen = folds(questions, scores)
    after = [scores[chosen[q.conversation]][i] for i, q in enumerate(questions)]
    before = scores[0.0]
    asking = [q for q in questions if about_present(q.text)]
    print(f"questions about the present: {len(asking)} of {len(questions)}")
    for q in asking:
        print(f"  {q.conversation} {CATEGORIES.get(q.category, q.category)}: {q.text}")
    print("| held out | weight chosen on the others | questions | recall@10 without | with |")
    print("|---|---:|---:|---:|---:|")
    per_fold = []
    for held, w in chosen.items():
        idx = [i for i, q in enumerate(questions) if q.conversation == held]
        b, a = (statistics.fmean(v[i] for i in idx) for v in (before, after))
        per_fold.append(a - b)
        print(f"| {held} | {w:g} | {len(idx)} | {b:.3f} | {a:.3f} |")
    b, a = statistics.fmean(before), statistics.fmean(after)
    print(f"| overall | | {len(questions)} | {b:.3f} | {a:.3f} |")
    print(f"gain per fold: min {min(per_fold):+.3f}, max {max(per_fold):+.3f}")
    print("| category | questions | without | with |")
    print("|---|---:|---:|---:|")
    for cat in sorted({q.category for q in questions}):
        idx = [i for i, q in enumerate(questions) if q.category == cat]
        b, a = (statistics.fmean(v[i] for i in idx) for v in (before, after))
        print(f"| {CATEGORIES.get(cat, cat)} | {len(idx)} | {b:.3f} | {a:.3f} |")
    print(
        f"chosen on all conversations (the shipped default): {pick(scores, range(len(questions)))}"
    )
    every = {w: statistics.fmean(v) for w, v in scores.items()}
    print("mean recall@10 at each weight (all questions; not a held-out figure):", every)


async def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench locomo-present")
    p.add_argument("--candidates", required=True, help="the JSON bench locomo saved")
    report(load(Path(p.parse_args(argv).candidates)))
    return 0
