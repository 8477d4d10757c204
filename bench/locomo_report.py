"""The tables ``python -m bench locomo`` prints."""

from __future__ import annotations

import os
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from bench.locomo_cv import Choice, Folds, Question, bootstrap
from bench.machine import describe

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}


def report(
    data: Any,
    folds: Folds,
    measured: Any,
    ablation: Mapping[str, list[float]],
    *,
    default: Choice,
) -> None:
    """Print what ``bench.locomo.run`` measured: ``measured`` is its ``Measured``."""
    questions: list[Question] = data.questions
    recalls: Mapping[str, list[float]] = measured.recalls
    machine = describe()
    print("\n== locomo: evidence recall@10 over turns, leave one conversation out ==")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in machine.items()))
    print(
        f"data:    {data.turns} turns, {len(questions)} questions "
        f"({data.skipped} without parseable evidence)"
    )
    for held, choice in folds.chosen.items():
        print(f"chosen without {held}: {choice.label()}")
    print(f"chosen on all conversations (the default to ship): {default.label()}")
    offline = [v for held in folds.recalls for v in folds.recalls[held]]
    print(
        f"fused-cv replayed offline {statistics.fmean(offline):.3f}, "
        f"through kgmem.search {statistics.fmean(recalls['fused-cv']):.3f}"
    )
    groups = {q.conversation: q.conversation for q in questions}
    _table("conversation", questions, recalls, lambda q: groups[q.conversation])
    _table("category", questions, recalls, lambda q: CATEGORIES.get(q.category, "?"))
    print("\nrecall@5 (the same searches' first 5 hits)")
    _table("conversation", questions, measured.at5, lambda q: groups[q.conversation])
    _table("category", questions, measured.at5, lambda q: CATEGORIES.get(q.category, "?"))
    _difference(questions, recalls)
    print("\nablation (each set's weights chosen leave-one-conversation-out; replayed)")
    _table("category", questions, ablation, lambda q: CATEGORIES.get(q.category, "?"))
    for name, values in measured.latencies.items():
        q = statistics.quantiles(values, n=100)
        print(f"search latency {name:<9} p50 {q[49]:.1f} ms  p95 {q[94]:.1f} ms")
    print(f"machine load at the end: {os.getloadavg()[0]:.1f}")


def _table(
    title: str, questions: Sequence[Question], columns: Mapping[str, list[float]], group: Any
) -> None:
    keys = sorted({group(q) for q in questions})
    print(f"\n{title:<14} {'n':>4} " + " ".join(f"{name:>16}" for name in columns))
    for key in [*keys, None]:
        rows = [i for i, q in enumerate(questions) if key is None or group(q) == key]
        cells = " ".join(f"{statistics.fmean(v[i] for i in rows):>16.3f}" for v in columns.values())
        print(f"{key or 'overall':<14} {len(rows):>4} {cells}")


def _difference(questions: Sequence[Question], recalls: Mapping[str, list[float]]) -> None:
    """fused-cv minus the better of BM25 and vector on the same questions, with a
    bootstrap 95% interval, per conversation and overall."""
    print("\nfused-cv minus the best single axis on the same questions (bootstrap 95% CI)")
    groups = sorted({q.conversation for q in questions})
    for key in [*groups, None]:
        rows = [i for i, q in enumerate(questions) if key is None or q.conversation == key]
        best = max(("bm25", "vector"), key=lambda n: statistics.fmean(recalls[n][i] for i in rows))
        diffs = [recalls["fused-cv"][i] - recalls[best][i] for i in rows]
        lo, hi = bootstrap(diffs)
        print(
            f"{key or 'overall':<14} vs {best:<7} {statistics.fmean(diffs):+.3f} "
            f"[{lo:+.3f}, {hi:+.3f}]"
        )
