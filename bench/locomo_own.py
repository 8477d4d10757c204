"""Exploration: how much more a turn's own words weigh than its session context in BM25.

kgmem keyword-indexes a conversation turn with its two previous turns
(``kgmem.ingest.session_context``). This bench scores BM25 over each LoCoMo
conversation's turns with the turn's own words counted ``w`` times and the previous
turns' once (BM25F; a document's length is its distinct lexemes, as kgmem's), for
``w`` in ``WEIGHTS``, lexemes from PostgreSQL's ``to_tsvector`` as kgmem's index reads
them. Each weight's keyword axis replaces the cached one in the questions
``bench locomo --save-candidates`` wrote (their vector axis and features stay), and the
ranker is fitted as ``bench locomo`` fits it. For every conversation the weight is
chosen by leave-one-conversation-out within the other two (mean fused recall@10), then
measured on it: nested, no figure from a choice that saw its questions.
"""

from __future__ import annotations

import argparse
import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.locomo import DATA, conversations, session_turns, turn_text
from bench.locomo_cv import DEPTH, Question, load, recall
from bench.locomo_fit import NEARBY, fitted, ranked
from bench.scratch import scratch
from kgmem.retrieval import first_person, speakers
from kgmem.retrieval import statement_favouring as statements

WEIGHTS = (1.0, 1.5, 2.0, 3.0)
PREVIOUS = 2
K1, B = 1.2, 0.75
AXES = ("keyword", "vector", NEARBY, speakers.NAME, statements.NAME, first_person.NAME)


@dataclass(frozen=True)
class Turn:
    id: str
    time: float
    speaker: str
    text: str
    own: Counter[str]  # lexeme -> positions in the turn's text
    before: tuple[Counter[str], ...]  # the same of its previous turns in the session


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench locomo-own")
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--candidates", type=Path, required=True, help="bench locomo's saved JSON")
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    return p.parse_args(argv)


async def lexemes(conn: asyncpg.Connection, texts: Sequence[str]) -> list[Counter[str]]:
    """Each text's lexemes under 'english' with their counts of positions."""
    rows = await conn.fetch(
        "SELECT i, (u).lexeme, cardinality((u).positions) AS n FROM (SELECT i, "
        "unnest(to_tsvector('english', t)) AS u FROM unnest($1::text[]) WITH ORDINALITY "
        "AS x(t, i)) y",
        list(texts),
    )
    out: list[Counter[str]] = [Counter() for _ in texts]
    for i, lexeme, n in rows:
        out[i - 1][lexeme] = n
    return out


async def turns_of(conn: asyncpg.Connection, conv: dict[str, Any]) -> list[Turn]:
    """The conversation's turns in session order, each with its previous turns' lexemes."""
    flat = [
        (t, (when + timedelta(seconds=i)).timestamp(), s)
        for s, (when, ts) in enumerate(session_turns(conv))
        for i, t in enumerate(ts)
    ]
    counts = await lexemes(conn, [turn_text(t) for t, _, _ in flat])
    out = []
    for k, ((t, when, session), own) in enumerate(zip(flat, counts, strict=True)):
        same = [j for j in range(max(0, k - PREVIOUS), k) if flat[j][2] == session]
        before = tuple(counts[j] for j in reversed(same))
        out.append(Turn(t["dia_id"], when, t["speaker"], turn_text(t), own, before))
    return out


def scores(turns: Sequence[Turn], query: set[str], weight: float) -> dict[str, float]:
    """BM25 of every turn holding a query lexeme, best ``DEPTH`` scaled to the best 1."""
    docs = []
    for t in turns:
        tf: Counter[str] = Counter()
        for lexeme, n in t.own.items():
            tf[lexeme] += weight * n
        for part in t.before:
            tf.update(part)
        docs.append(tf)
    n = len(docs)
    average = statistics.fmean(len(d) for d in docs)
    df = Counter(lexeme for d in docs for lexeme in d)
    found = {}
    for t, d in zip(turns, docs, strict=True):
        score = 0.0
        for lexeme in query & d.keys():
            idf = math.log(1 + (n - df[lexeme] + 0.5) / (df[lexeme] + 0.5))
            score += idf * d[lexeme] * (K1 + 1) / (d[lexeme] + K1 * (1 - B + B * len(d) / average))
        if score > 0:
            found[t.id] = score
    top = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:DEPTH]
    best = top[0][1] if top else 1.0
    return {t: s / best for t, s in top}


def with_keyword(q: Question, turns: Sequence[Turn], query: set[str], weight: float) -> Question:
    """``q`` with this weight's keyword axis; its features computed for every turn."""
    said = {t.id: t.speaker for t in turns}
    ids = list(said)
    named = speakers.named(q.text, {i: said[t] for i, t in enumerate(ids)})
    return replace(
        q,
        axes={**q.axes, "keyword": scores(turns, query, weight)},
        times={t.id: t.time for t in turns},
        favoured=frozenset(ids[i] for i in named),
        asking=frozenset(t.id for t in turns if statements.asks(t.text)),
        personal=frozenset(t.id for t in turns if first_person.speaks_of_self(t.text)),
    )


def held_out(by_weight: Mapping[float, Sequence[Question]], held: str) -> tuple[float, float]:
    """The weight chosen without conversation ``held`` and its recall@10 there."""
    inner: dict[float, float] = {}
    for w, questions in by_weight.items():
        train = [q for q in questions if q.conversation != held]
        got = []
        for inside in sorted({q.conversation for q in train}):
            model = fitted([q for q in train if q.conversation != inside], AXES, ("",))
            got += [recall(q, ranked(q, model)) for q in train if q.conversation == inside]
        inner[w] = statistics.fmean(got)
    chosen = max(WEIGHTS, key=lambda w: (inner[w], -WEIGHTS.index(w)))
    train = [q for q in by_weight[chosen] if q.conversation != held]
    model = fitted(train, AXES, ("",))
    test = [q for q in by_weight[chosen] if q.conversation == held]
    return chosen, statistics.fmean(recall(q, ranked(q, model)) for q in test)


async def run(args: argparse.Namespace, url: str) -> None:
    cached = load(args.candidates)
    conn = await asyncpg.connect(url)
    try:
        by_conv = {c["sample_id"]: c for c in conversations(args.data)}
        turns = {cid: await turns_of(conn, c) for cid, c in by_conv.items()}
        queries = [set((await lexemes(conn, [q.text]))[0]) for q in cached]
    finally:
        await conn.close()
    by_weight = {
        w: [
            with_keyword(q, turns[q.conversation], query, w)
            for q, query in zip(cached, queries, strict=True)
        ]
        for w in WEIGHTS
    }
    convs = sorted(by_conv)
    print("weight | keyword alone @10 per conversation | fused, each fold fitted without it")
    for w, questions in by_weight.items():
        alone = [
            statistics.fmean(
                recall(q, sorted(q.axes["keyword"], key=lambda t: -q.axes["keyword"][t]))
                for q in questions
                if q.conversation == c
            )
            for c in convs
        ]
        fused = []
        for c in convs:
            model = fitted([q for q in questions if q.conversation != c], AXES, ("",))
            fused.append(
                statistics.fmean(
                    recall(q, ranked(q, model)) for q in questions if q.conversation == c
                )
            )
        print(
            f"{w:g} | {' '.join(f'{a:.3f}' for a in alone)} | {' '.join(f'{f:.3f}' for f in fused)}"
        )
    print("nested: conversation, weight chosen on the others, fused recall@10 there")
    for c in convs:
        chosen, got = held_out(by_weight, c)
        print(f"{c} {chosen:g} {got:.3f}")


async def main(argv: list[str]) -> int:
    args = parse(argv)
    with scratch(args.database_url, "kgmem-locomo-own-") as space:
        await run(args, space.url)
    return 0
