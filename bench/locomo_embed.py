"""``python -m bench locomo-embed``: the vector axis's model and context, chosen by
nested leave-one-conversation-out on LoCoMo, with their CPU cost.

Each candidate (a model of ``bench.embed_variants.models`` times a context of
``bench.embed_variants.CONTEXTS``; a model of a ``--model-dir`` folder only times
``OTHER_CONTEXTS``) embeds every turn the way kgmem's vector index would hold it, and
every question once, alone, as a search does; both are timed in process CPU. The
keyword axis is the shipped one (the turn after its session's two previous turns,
searched by kgmem's keyword search in side tables, as ``bench.locomo_context`` lays
them out). The fusion is ``bench.locomo_fit``'s fit of keyword, vector and the nearby
features.

For each held-out conversation, each candidate is scored by leave-one-conversation-out
within the other two and the best is measured on the held-out one; a candidate within
``TIE`` of the best inner recall that costs less CPU to build counts as tied and the
cheapest of the tied is taken. The choice never sees the conversation it is measured on.
Vectors are cached under ``--cache`` (with the CPU they cost), so a rerun only fits.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from bench import embed_variants as ev
from bench import locomo
from bench.locomo import DATA, evidence_ids, questions_of, session_turns, turn_text
from bench.locomo_context import _bm25, keyword_text
from bench.locomo_cv import DEPTH, Question
from bench.locomo_fit import NEARBY, cross_validate_fit
from bench.machine import describe
from bench.scratch import scratch
from kgmem.ingest.session_context import PRECEDING_TURNS
from kgmem.settings.database_settings import DatabaseSettings
from kgmem.storage.pool.database import Connection, open_database

AXES = ("keyword", "vector", NEARBY)
TIE = 0.002  # inner recall@10 closer than this to the best counts as equal
CACHE = Path("/tmp/kgmem-locomo-embed")


@dataclass(frozen=True)
class Cost:
    """CPU milliseconds per embedded turn (building) and per question (searching)."""

    build_ms: float
    query_ms: float
    tokens: float  # mean word pieces per embedded turn


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench locomo-embed")
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    p.add_argument("--cache", type=Path, default=CACHE, help="vectors, with their CPU cost")
    p.add_argument("--home", type=Path, default=None, help="where kgmem's ONNX export is kept")
    p.add_argument(
        "--model-dir",
        type=Path,
        action="append",
        default=[],
        help="another sentence-transformers folder on disk to measure (repeatable)",
    )
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    conversations = locomo.conversations(args.data)
    if not conversations:
        print(f"no LoCoMo files under {args.data}")
        return 1
    args.cache.mkdir(parents=True, exist_ok=True)
    models = ev.models(args.home or _default_home(), args.model_dir)
    questions: list[Question] = []
    costs: dict[str, list[tuple[int, int, Cost]]] = {}
    with scratch(args.database_url, "kgmem-locomo-embed-") as space:
        db = await open_database(space.url, DatabaseSettings())
        try:
            async with db.acquire() as conn:
                for conv in conversations:
                    got, cost = await _collect(conn, models, conv, args.cache)
                    questions += got
                    for key, c in cost.items():
                        costs.setdefault(key, []).append(c)
        finally:
            await db.close()
    report(questions, {k: _pooled(v) for k, v in costs.items()})
    _agreement(models, conversations)
    _threads(models, conversations)
    return 0


def _default_home() -> Path:
    import platformdirs

    return platformdirs.user_data_path("kgmem")


def sessions_of(conv: dict[str, Any]) -> list[tuple[list[str], ev.Session]]:
    """Each session's turn ids and its date, speakers and turn texts."""
    out = []
    for when, turns in session_turns(conv):
        speakers = tuple(dict.fromkeys(t["speaker"] for t in turns))
        texts = tuple(turn_text(t) for t in turns)
        out.append(([t["dia_id"] for t in turns], ev.Session(when, speakers, texts)))
    return out


def variant(model: str, context: str) -> str:
    return f"{model}/{context}"


async def _collect(
    conn: Connection, models: Sequence[ev.Model], conv: dict[str, Any], cache: Path
) -> tuple[list[Question], dict[str, tuple[int, int, Cost]]]:
    """The conversation's questions with the keyword axis and one vector axis per
    candidate; per candidate, its texts, questions and cost."""
    sessions = sessions_of(conv)
    ids = [uid for uids, _ in sessions for uid in uids]
    asked = [qa for qa in conv["qa"] if evidence_ids(qa)]
    asks = [qa["question"] for qa in asked]
    name = re.sub(r"[^a-z0-9_]", "_", conv["sample_id"].lower())
    docs = [
        (uid, keyword_text(list(s.texts), i, PRECEDING_TURNS))
        for uids, s in sessions
        for i, uid in enumerate(uids)
    ]
    keyword = await _bm25(conn, f"{name}_emb", docs, asks)
    axes: list[dict[str, dict[str, float]]] = [{"keyword": k} for k in keyword]
    costs: dict[str, tuple[int, int, Cost]] = {}
    for model in models:
        encoder = model.encoder()
        queries = _cached(cache / f"{name}-{model.name}-questions.npz", encoder, asks, single=True)
        for context, make in ev.CONTEXTS.items():
            if context not in model.contexts:
                continue
            texts = [make(s, i) for _, s in sessions for i in range(len(s.texts))]
            path = cache / f"{name}-{model.name}-{re.sub(r'[^a-z0-9]', '_', context)}.npz"
            turns = _cached(path, encoder, texts, single=False)
            key = variant(model.name, context)
            tokens = statistics.fmean(ev.token_counts(model, texts))
            costs[key] = (len(texts), len(asks), Cost(turns.cpu_ms, queries.cpu_ms, tokens))
            sims = queries.vectors @ turns.vectors.T
            for a, row in zip(axes, sims, strict=True):
                best = np.argsort(-row)[:DEPTH]
                a[key] = {ids[j]: float(row[j]) for j in best}
    return questions_of(conv, asked, axes), costs


def _cached(path: Path, encoder: Any, texts: Sequence[str], *, single: bool) -> ev.Timed:
    if path.is_file():
        with np.load(path) as kept:
            if kept["vectors"].shape[0] == len(texts):
                return ev.Timed(kept["vectors"], float(kept["cpu_ms"]))
    timed = ev.embed_singly(encoder, texts) if single else ev.embed(encoder, texts)
    np.savez(path, vectors=timed.vectors, cpu_ms=np.float64(timed.cpu_ms))
    return timed


def _pooled(parts: list[tuple[int, int, Cost]]) -> Cost:
    """One cost over conversations, weighted by their turns and questions."""
    turns = sum(n for n, _, _ in parts)
    asks = sum(m for _, m, _ in parts)
    return Cost(
        sum(n * c.build_ms for n, _, c in parts) / turns,
        sum(m * c.query_ms for _, m, c in parts) / asks,
        sum(n * c.tokens for n, _, c in parts) / turns,
    )


def as_used(questions: list[Question], key: str) -> list[Question]:
    return [
        replace(q, axes={"keyword": q.axes["keyword"], "vector": q.axes[key]}) for q in questions
    ]


def recall_at(q: Question, found: Mapping[str, float], k: int) -> float:
    order = [t for t, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))]
    return len(q.gold & set(order[:k])) / len(q.gold)


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def report(questions: list[Question], costs: Mapping[str, Cost]) -> None:
    print("\n== locomo-embed: the vector axis's model and context, nested LOCO ==")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in describe().items()))
    keys = list(costs)
    held_out = sorted({q.conversation for q in questions})
    outer = {k: cross_validate_fit(as_used(questions, k), AXES, ("",)) for k in keys}
    width = max(len("variant"), *map(len, keys))
    print(
        f"\n{'variant':<{width}} {'tokens':>6} {'build ms':>8} {'query ms':>8} {'vec@5':>6} "
        f"{'vec@10':>6} {'fused':>6}  per conversation (fused, outer folds)"
    )
    for k in keys:
        c = costs[k]
        v5 = _mean([recall_at(q, q.axes[k], 5) for q in questions])
        v10 = _mean([recall_at(q, q.axes[k], 10) for q in questions])
        per = {h: _mean(outer[k].recalls[h]) for h in held_out}
        fused = _mean([r for rs in outer[k].recalls.values() for r in rs])
        print(
            f"{k:<{width}} {c.tokens:>6.1f} {c.build_ms:>8.2f} {c.query_ms:>8.2f} {v5:>6.3f} "
            f"{v10:>6.3f} {fused:>6.3f}  " + " ".join(f"{h} {r:.3f}" for h, r in per.items())
        )
    _nested(questions, costs, outer, held_out)


def _nested(
    questions: list[Question],
    costs: Mapping[str, Cost],
    outer: Mapping[str, Any],
    held_out: list[str],
) -> None:
    nested: list[float] = []
    for held in held_out:
        inner = {}
        for k in costs:
            train = [q for q in as_used(questions, k) if q.conversation != held]
            folds = cross_validate_fit(train, AXES, ("",))
            inner[k] = _mean([r for rs in folds.recalls.values() for r in rs])
        best = max(inner.values())
        tied = [k for k in costs if inner[k] >= best - TIE]
        chosen = min(tied, key=lambda k: (costs[k].build_ms, list(costs).index(k)))
        got = outer[chosen].recalls[held]
        nested += got
        ranking = ", ".join(f"{k} {inner[k]:.3f}" for k in sorted(inner, key=lambda k: -inner[k]))
        print(
            f"without {held}: chose {chosen} (in fold {inner[chosen]:.3f}); "
            f"on {held}: {_mean(got):.3f}\n    in fold: {ranking}"
        )
    print(f"nested recall@10 overall: {_mean(nested):.3f} ({len(nested)} questions)")


def _sample(conversations: list[dict[str, Any]], size: int = 256) -> list[str]:
    texts = [
        ev.CONTEXTS["next"](s, i)
        for conv in conversations
        for _, s in sessions_of(conv)
        for i in range(len(s.texts))
    ]
    return texts[:size]


def _agreement(models: Sequence[ev.Model], conversations: list[dict[str, Any]]) -> None:
    """How close each int8 model's vectors are to its float32 model's, on turns with
    their next turn."""
    texts = _sample(conversations)
    by_name = {m.name: m for m in models}
    for m in models:
        if m.float32 is None:
            continue
        base = by_name[m.float32].encoder().encode(texts, batch_size=32)
        cos = (base * m.encoder().encode(texts, batch_size=32)).sum(1)
        print(
            f"{m.name} against {m.float32} ({len(texts)} turns): cosine mean "
            f"{cos.mean():.4f}, least {cos.min():.4f}"
        )


def _threads(models: Sequence[ev.Model], conversations: list[dict[str, Any]]) -> None:
    """CPU and wall time per text of batches and of single texts, by thread count."""
    texts = _sample(conversations)
    print(f"\nthreads ({len(texts)} turns with their next, batches of 32; 64 single texts):")
    for m in models:
        for threads in (1, 2):
            encoder = m.encoder(threads)
            encoder.encode(texts[:2], batch_size=2)  # a session's first run costs more
            wall = time.perf_counter()
            batch = ev.embed(encoder, texts)
            batch_wall = 1000 * (time.perf_counter() - wall) / len(texts)
            wall = time.perf_counter()
            single = ev.embed_singly(encoder, texts[:64])
            single_wall = 1000 * (time.perf_counter() - wall) / 64
            print(
                f"  {m.name} {threads} thread(s): batch {batch.cpu_ms:.2f} ms CPU / "
                f"{batch_wall:.2f} ms wall per text; single {single.cpu_ms:.2f} / "
                f"{single_wall:.2f}"
            )
