"""``python -m bench locomo-links``: ideas for multi-hop recall, replayed over the
candidates ``bench locomo --save-candidates`` cached, each chosen by nested
cross-validation.

Every variant is a listwise linear ranker over per-candidate features (those of
``bench.locomo_fit``: keyword, vector, nearby keyword and vector, speaker) plus what the
idea adds, sometimes followed by a re-ranking step. A variant may have a setting (a
threshold, a strength): for each held-out conversation the setting and the L2 penalty
are chosen leave-one-conversation-out within the other two, then fitted on both and
measured on it. So every out-of-fold figure comes from choices that never saw its
conversation; the in-fold figure is the same fit measured on its own training
questions. Ideas:

- ``diverse``: a greedy re-ranking that lowers a candidate's (per question min-max
  scaled) score by ``strength`` for every candidate already ranked from its time
  cluster (candidates less than an hour apart: a conversation's session).
- ``linked-*``: features "the best scaled keyword (vector) score of a candidate in
  another time cluster that shares a linked item with this one", items being what
  building links an episode to (``entities``: its MENTIONS as built by the default
  pipeline; ``phrases``: the noun phrases of ``kgmem.ingest.phrases``, what the opt-in
  ``phrases`` extractor links), only items linked to at most ``setting`` per cent of
  the conversation's turns.
- ``decomposed``: the question's names and noun phrases each searched by kgmem's
  keyword axis alone; their top n join the candidates, and the best scaled sub-query
  score is a feature.
- ``depth``: the keyword and vector axes read to n instead of ``DEPTH``.
- ``tells``: the statement feature (``kgmem.retrieval.statement_favouring``), alone and with
  the others.

The items are read from the data and the database the candidates were built in
(``--database-url``: a ``bench locomo`` run on a kept server).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np

from bench import locomo_cv, locomo_fit
from bench.locomo import DATA, data_files, session_turns, turn_text
from bench.locomo_cv import DEPTH, Question, load, recall
from bench.locomo_fit import PENALTIES, _newton, features
from bench.locomo_report import CATEGORIES
from kgmem import Memory, Settings
from kgmem.embedding.local import LocalEmbedder
from kgmem.ingest import phrases, rules
from kgmem.model import AxisWeights, SearchQuery
from kgmem.retrieval import statement_favouring as statements
from kgmem.retrieval.nearby import WINDOW
from kgmem.settings.config import EmbeddingSettings

BASE = ("keyword", "vector", "nearby", "speaker")
Items = Mapping[str, Mapping[str, frozenset[str]]]  # conversation -> turn -> items
Rows = dict[str, list[float]]  # turn -> feature values
Deeper = list[dict[str, dict[str, float]]]  # per question: axis -> turn -> score
Decomposed = list[dict[str, dict[str, float]]]  # per question: sub-query -> turn -> score


@dataclass(frozen=True)
class Variant:
    """An idea: its extra features per question at a setting, an optional re-ranking at
    that setting, and the settings to choose among."""

    name: str
    settings: Sequence[Any]
    extra: Callable[[Question, Rows, Any], Rows] | None = None
    rerank: Callable[[Question, dict[str, float], Any], list[str]] | None = None
    depth: Callable[[Question, Any], tuple[Question, int]] | None = None


def clusters(times: Mapping[str, float], window: float = WINDOW) -> dict[str, int]:
    """Each key's time cluster: keys sorted by time, a new cluster after a gap over
    ``window``."""
    out: dict[str, int] = {}
    last, cluster = None, -1
    for key in sorted(times, key=lambda k: (times[k], k)):
        if last is None or times[key] - last > window:
            cluster += 1
        out[key], last = cluster, times[key]
    return out


def diverse(q: Question, scores: dict[str, float], strength: float) -> list[str]:
    """Greedy: each next pick maximises its scaled score minus ``strength`` per pick
    already made from its time cluster."""
    if not scores:
        return []
    low, high = min(scores.values()), max(scores.values())
    span = high - low or 1.0
    scaled = {t: (s - low) / span for t, s in scores.items()}
    group = clusters({t: q.times.get(t, 0.0) for t in scores})
    taken: dict[int, int] = defaultdict(int)
    left, out = dict(scaled), []
    while left and len(out) < 10:
        best = max(left, key=lambda t: (left[t] - strength * taken[group[t]], -len(t), t))
        out.append(best)
        taken[group[best]] += 1
        del left[best]
    rest = sorted(left, key=lambda t: -scaled[t])
    return out + rest


def linked(items: Items, cap_of: Callable[[str], float]) -> Callable[[Question, Rows, float], Rows]:
    """The ``linked`` features over ``items``; ``cap_of``: per conversation, the number of
    turns one setting unit stands for."""
    frequencies = {c: _frequencies(turns) for c, turns in items.items()}

    def extra(q: Question, rows: Rows, cap: float) -> Rows:
        turn_items = items.get(q.conversation, {})
        df = frequencies.get(q.conversation, {})
        keep = {
            t: {i for i in turn_items.get(t, ()) if df[i] <= cap_of(q.conversation) * cap}
            for t in rows
        }
        group = clusters({t: q.times.get(t, 0.0) for t in rows})
        out: Rows = {}
        for t in rows:
            best = [0.0, 0.0]
            for u, found in keep.items():
                if u != t and group[u] != group[t] and keep[t] & found:
                    best = [max(best[0], rows[u][0]), max(best[1], rows[u][1])]
            out[t] = best
        return out

    return extra


@contextmanager
def _depth(depth: int) -> Iterator[None]:
    """The ranked axes' depth of ``bench.locomo_cv`` and ``bench.locomo_fit`` set to
    ``depth`` for a while (what a search would fuse with deeper axes)."""
    before = locomo_cv.DEPTH
    locomo_cv.DEPTH = locomo_fit.DEPTH = depth
    try:
        yield
    finally:
        locomo_cv.DEPTH = locomo_fit.DEPTH = before


def deepened(
    found: Deeper, index: Mapping[int, int], times: Mapping[str, Mapping[str, float]]
) -> Callable[[Question, Any], tuple[Question, int]]:
    """The question with its keyword and vector axes to ``depth`` (from ``found``) and
    the times of the turns they add."""

    def at(q: Question, depth: Any) -> tuple[Question, int]:
        axes = {**q.axes, **found[index[id(q)]]}
        when = {**times[q.conversation], **q.times}
        return replace(q, axes=axes, times=when), int(depth)

    return at


def _frequencies(turn_items: Mapping[str, frozenset[str]]) -> dict[str, int]:
    """How many turns each item is linked to."""
    counts: dict[str, int] = defaultdict(int)
    for found in turn_items.values():
        for item in found:
            counts[item] += 1
    return counts


def matrix(q: Question, variant: Variant, setting: Any) -> tuple[list[str], np.ndarray]:
    if variant.depth is not None:
        q, depth = variant.depth(q, setting)
        with _depth(depth):
            rows = features(q, BASE)
    else:
        rows = features(q, BASE)
    if variant.extra is not None:
        more = variant.extra(q, rows, setting)
        width = len(next(iter(rows.values()), [0.0] * len(BASE)))
        # A candidate only the idea brought in has 0 for the base features.
        rows = {t: rows.get(t, [0.0] * width) + more[t] for t in more}
    keys = list(rows)
    return keys, np.asarray([rows[t] for t in keys], dtype=float).reshape(len(keys), -1)


Prepared = dict[float, dict[int, tuple[list[str], np.ndarray]]]  # setting -> q index -> x


def fit(
    qs: Sequence[int], questions: Sequence[Question], x: Mapping[int, Any], penalty: float
) -> np.ndarray:
    """Non-negative weights summing to 1 of the listwise fit on questions ``qs``."""
    blocks, targets = [], []
    for i in qs:
        keys, m = x[i]
        gold = np.asarray([t in questions[i].gold for t in keys], dtype=float)
        if gold.sum() == 0:
            continue
        blocks.append(m)
        targets.append(gold / gold.sum())
    z = np.vstack(blocks)
    mean, std = z.mean(axis=0), z.std(axis=0) + 1e-9
    starts = np.cumsum([0] + [len(b) for b in blocks[:-1]])
    theta = _newton((z - mean) / std, np.concatenate(targets), starts, penalty)
    raw = np.clip(theta / std, 0.0, None)
    return raw / raw.sum() if raw.sum() > 0 else np.ones_like(raw) / len(raw)


def ranking(
    q: Question, keys: list[str], m: np.ndarray, w: np.ndarray, variant: Variant, setting: float
) -> list[str]:
    scores = dict(zip(keys, (m @ w).tolist(), strict=True))
    if variant.rerank is not None:
        return variant.rerank(q, scores, setting)
    return sorted(scores, key=lambda t: (-scores[t], t))


@dataclass(frozen=True)
class Model:
    """A fitted variant: its setting, the questions' feature matrices and the weights."""

    variant: Variant
    setting: Any
    x: Mapping[int, Any]
    w: np.ndarray


def mean_recall(
    qs: Sequence[int], questions: Sequence[Question], m: Model, k: int = 10
) -> list[float]:
    """Recall@``k`` of each of questions ``qs`` ranked by ``m``."""
    return [
        recall(questions[i], ranking(questions[i], *m.x[i], m.w, m.variant, m.setting), k)
        for i in qs
    ]


@dataclass
class Outcome:
    """Per question its out-of-fold recall@10 and @5; per fold the choice, the in-fold
    recall and the inner (choosing) recall."""

    at10: list[float]
    at5: list[float]
    chosen: dict[str, tuple[float, float]]
    in_fold: dict[str, float]


def nested(questions: Sequence[Question], variant: Variant) -> Outcome:
    prepared: Prepared = {
        s: {i: matrix(q, variant, s) for i, q in enumerate(questions)} for s in variant.settings
    }
    convs = sorted({q.conversation for q in questions})
    of = {c: [i for i, q in enumerate(questions) if q.conversation == c] for c in convs}
    at10 = [0.0] * len(questions)
    at5 = [0.0] * len(questions)
    chosen, in_fold = {}, {}
    for held in convs:
        train = [c for c in convs if c != held]
        options = [(s, p) for s in variant.settings for p in PENALTIES]
        inner = []
        for s, p in options:
            got: list[float] = []
            for c in train:
                fit_on = [i for d in train if d != c for i in of[d]]
                w = fit(fit_on, questions, prepared[s], p)
                got += mean_recall(of[c], questions, Model(variant, s, prepared[s], w))
            inner.append(statistics.fmean(got))
        s, p = options[max(range(len(options)), key=lambda j: (inner[j], -j))]
        train_q = [i for c in train for i in of[c]]
        model = Model(variant, s, prepared[s], fit(train_q, questions, prepared[s], p))
        chosen[held] = (s, p)
        in_fold[held] = statistics.fmean(mean_recall(train_q, questions, model))
        for i, v10, v5 in zip(
            of[held],
            mean_recall(of[held], questions, model),
            mean_recall(of[held], questions, model, 5),
            strict=True,
        ):
            at10[i], at5[i] = v10, v5
    return Outcome(at10, at5, chosen, in_fold)


def print_outcome(name: str, questions: Sequence[Question], o: Outcome) -> None:
    convs = sorted({q.conversation for q in questions})
    by_cat: dict[int, list[int]] = defaultdict(list)
    for i, q in enumerate(questions):
        by_cat[q.category].append(i)
    cells = [f"{name:<22} @10 {statistics.fmean(o.at10):.3f} @5 {statistics.fmean(o.at5):.3f}"]
    for c in sorted(by_cat):
        at10 = statistics.fmean(o.at10[i] for i in by_cat[c])
        at5 = statistics.fmean(o.at5[i] for i in by_cat[c])
        cells.append(f"{CATEGORIES[c][:6]} {at10:.3f}/{at5:.3f}")
    print(" | ".join(cells))
    folds = []
    for c in convs:
        rows = [i for i, q in enumerate(questions) if q.conversation == c]
        out = statistics.fmean(o.at10[i] for i in rows)
        folds.append(f"{c}: out {out:.3f} in {o.in_fold[c]:.3f} chose {o.chosen[c]}")
    print("    " + "; ".join(folds))


def read_texts(data: Path) -> dict[str, dict[str, str]]:
    """Per conversation, each turn's text as kgmem stores it."""
    return {
        conv["sample_id"]: {t["dia_id"]: turn_text(t) for _, ts in session_turns(conv) for t in ts}
        for f in data_files(data)
        for conv in json.loads(f.read_text())
    }


def asking(texts: Mapping[str, Mapping[str, str]]) -> Callable[[Question, Rows, Any], Rows]:
    """The feature "the turn tells rather than asks" (``kgmem.retrieval.statement_favouring``; a
    weight is never negative, so the feature is the telling)."""

    def extra(q: Question, rows: Rows, _: Any) -> Rows:
        words = texts[q.conversation]
        return {t: [float(not statements.asks(words.get(t, "")))] for t in rows}

    return extra


def joined(*extras: Callable[[Question, Rows, Any], Rows]) -> Callable[[Question, Rows, Any], Rows]:
    """The features of each of ``extras``, side by side (each given the same setting)."""

    def extra(q: Question, rows: Rows, setting: Any) -> Rows:
        out: Rows = {t: [] for t in rows}
        for one in extras:
            for t, values in one(q, rows, setting).items():
                out[t] = out.get(t, []) + values
        return out

    return extra


def read_items(data: Path) -> tuple[Items, dict[str, int], dict[str, dict[str, float]]]:
    """Per conversation, each turn's phrases, its number of turns and each turn's time
    (as ``bench.locomo`` dates them: the session's date plus one second per turn)."""
    out: dict[str, dict[str, frozenset[str]]] = {}
    sizes, times = {}, {}
    for f in data_files(data):
        for conv in json.loads(f.read_text()):
            turns = {t["dia_id"]: turn_text(t) for _, ts in session_turns(conv) for t in ts}
            out[conv["sample_id"]] = {
                t: frozenset(p.name for p in phrases.find(x)) for t, x in turns.items()
            }
            sizes[conv["sample_id"]] = len(turns)
            times[conv["sample_id"]] = {
                t["dia_id"]: when.timestamp() + i
                for when, ts in session_turns(conv)
                for i, t in enumerate(ts)
            }
    return out, sizes, times


async def read_mentions(url: str, convs: Sequence[str]) -> dict[str, dict[str, frozenset[str]]]:
    """Per conversation, each turn's MENTIONS (entity uids) in the built namespaces."""
    conn = await asyncpg.connect(url)
    out: dict[str, dict[str, frozenset[str]]] = {}
    try:
        await conn.execute('SET search_path = ag_catalog, "$user", public')
        for c in convs:
            ns = re.sub(r"[^a-z0-9_]", "_", f"locomo_{c}".lower())
            found = await conn.fetch(
                f'SELECT a.uid AS e, b.uid AS m FROM {ns}."MENTIONS" x '
                f"JOIN {ns}._kg_vertex a ON a.id = x.start_id "
                f"JOIN {ns}._kg_vertex b ON b.id = x.end_id"
            )
            turns: dict[str, set[str]] = defaultdict(set)
            for r in found:
                turns[r["e"].split("/", 1)[1]].add(r["m"])
            out[c] = {t: frozenset(v) for t, v in turns.items()}
    finally:
        await conn.close()
    return out


async def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench locomo-links")
    p.add_argument("--candidates", type=Path, required=True)
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--database-url", required=True)
    p.add_argument("--only", default=None, help="comma-separated variant names")
    p.add_argument("--deeper", type=Path, required=True, help="cache of the axes' top 100")
    p.add_argument("--subqueries", type=Path, required=True, help="cache of sub-query hits")
    args = p.parse_args(argv)
    questions = load(args.candidates)
    variants = await _variants(args, questions)
    for v in variants:
        if args.only and v.name not in args.only.split(","):
            continue
        print_outcome(v.name, questions, nested(questions, v))
    return 0


async def _cached(path: Path, make: Callable[[], Any]) -> Any:
    """What ``path`` holds, made by ``make`` and written there the first time."""
    if not await asyncio.to_thread(path.exists):
        await asyncio.to_thread(path.write_text, json.dumps(await make()))
    return json.loads(await asyncio.to_thread(path.read_text))


async def _variants(args: argparse.Namespace, questions: list[Question]) -> list[Variant]:
    url, index = args.database_url, {id(q): i for i, q in enumerate(questions)}
    subs = await _cached(args.subqueries, lambda: decompose(url, questions, args.subqueries.parent))
    deep = await _cached(args.deeper, lambda: deeper(url, questions, args.deeper.parent, 100))
    convs = sorted({q.conversation for q in questions})
    phrase_items, sizes, times = read_items(args.data)
    texts = read_texts(args.data)
    mention_items = await read_mentions(url, convs)
    both = {
        c: {
            t: phrase_items[c].get(t, frozenset()) | mention_items[c].get(t, frozenset())
            for t in phrase_items[c]
        }
        for c in convs
    }
    share = lambda c: sizes[c] / 100  # noqa: E731 - caps are in % of turns
    return [
        Variant("base", (0.0,)),
        Variant("diverse", (0.05, 0.1, 0.2, 0.4), rerank=diverse),
        Variant("diverse-small", (0.01, 0.02, 0.03, 0.05), rerank=diverse),
        Variant("linked-entities", (1.0, 5.0, 20.0), extra=linked(mention_items, share)),
        Variant("linked-phrases", (0.5, 1.0, 5.0), extra=linked(phrase_items, share)),
        Variant("linked-both", (0.5, 1.0, 5.0), extra=linked(both, share)),
        Variant(
            "linked-phrases+diverse",
            [(c, d) for c in (0.5, 1.0, 5.0) for d in (0.01, 0.02, 0.05)],
            extra=lambda q, r, s: linked(phrase_items, share)(q, r, s[0]),
            rerank=lambda q, sc, s: diverse(q, sc, s[1]),
        ),
        Variant("decomposed", (10, 20, 50), extra=decomposed(subs, index)),
        Variant("depth", (30, 50, 75, 100), depth=deepened(deep, index, times)),
        Variant("tells", (0.0,), extra=asking(texts)),
        Variant(
            "tells+linked-entities",
            (1.0, 5.0, 20.0),
            extra=joined(asking(texts), linked(mention_items, share)),
        ),
        Variant(
            "tells+linked-phrases",
            (0.5, 1.0, 5.0),
            extra=joined(asking(texts), linked(phrase_items, share)),
        ),
        Variant("tells+depth", (50, 100), extra=asking(texts), depth=deepened(deep, index, times)),
        Variant("tells+diverse", (0.01, 0.02, 0.05), extra=asking(texts), rerank=diverse),
    ]


def subqueries(text: str) -> list[str]:
    """The names and noun phrases of a question, each a keyword query of its own."""
    found = [f.surface for f in rules.find(text)] + [f.name for f in phrases.find(text)]
    return list(dict.fromkeys(found))


async def decompose(url: str, questions: Sequence[Question], home: Path) -> Decomposed:
    """Per question, per sub-query, kgmem's keyword search's top ``DEPTH`` (turn -> score)."""
    settings = Settings(home=home, database={"url": url}, embedding={"provider": "local"})
    memory = await Memory.open(settings)
    out: Decomposed = []
    try:
        for q in questions:
            ns = re.sub(r"[^a-z0-9_]", "_", f"locomo_{q.conversation}".lower())
            per: dict[str, dict[str, float]] = {}
            for sub in subqueries(q.text):
                query = SearchQuery(
                    text=sub, types=("episodes",), k=DEPTH, weights=AxisWeights(vector=0.0)
                )
                hits = (await memory.search(ns, query)).hits
                per[sub] = {h.uid.split("/", 1)[1]: h.scores.get("keyword", 0.0) for h in hits}
            out.append(per)
    finally:
        await memory.close()
    return out


def decomposed(subs: Decomposed, index: Mapping[int, int]) -> Callable[[Question, Rows, Any], Rows]:
    """The feature "best min-max scaled keyword score of the question's sub-queries",
    with each sub-query's top ``depth`` joining the candidates."""

    def extra(q: Question, rows: Rows, depth: float) -> Rows:
        per = subs[index[id(q)]]
        best: dict[str, float] = defaultdict(float)
        for found in per.values():
            top = sorted(found.items(), key=lambda kv: -kv[1])[: int(depth)]
            if not top:
                continue
            high, low = top[0][1], top[-1][1]
            for t, v in top:
                best[t] = max(best[t], (v - low) / (high - low) if high > low else 1.0)
        return {t: [best.get(t, 0.0)] for t in {*rows, *best}}

    return extra


async def deeper(url: str, questions: Sequence[Question], home: Path, depth: int) -> Deeper:
    """Per question, kgmem's keyword and vector axes alone to ``depth`` (turn -> score)."""
    embedder = LocalEmbedder(EmbeddingSettings(provider="local"))
    settings = Settings(home=home, database={"url": url}, embedding={"provider": "local"})
    memory = await Memory.open(settings, embedder=embedder)
    out: Deeper = []
    try:
        for q in questions:
            ns = re.sub(r"[^a-z0-9_]", "_", f"locomo_{q.conversation}".lower())
            vector = (await embedder.embed([q.text]))[0].tolist()
            axes = {}
            for axis in ("keyword", "vector"):
                weights = AxisWeights(**{a: float(a == axis) for a in ("keyword", "vector")})
                query = SearchQuery(
                    text=q.text, embedding=vector, types=("episodes",), k=depth, weights=weights
                )
                hits = (await memory.search(ns, query)).hits
                axes[axis] = {h.uid.split("/", 1)[1]: h.scores.get(axis, 0.0) for h in hits}
            out.append(axes)
    finally:
        await memory.close()
        await embedder.close()
    return out


if __name__ == "__main__":
    import sys

    sys.exit(asyncio.run(main(sys.argv[1:])))
