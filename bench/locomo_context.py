"""``python -m bench locomo-context``: which session context each index should take,
chosen by nested leave-one-conversation-out on LoCoMo.

kgmem indexes a turn of a session with its previous turns (keyword) and its next turn
(vector) (``kgmem.ingest.session_context``). Changing that means building every turn
again, so this bench does not go through kgmem's building: it indexes the turns itself
the way kgmem's indexes see them, once per candidate context, in side tables of a
scratch kgmem store searched by kgmem's own keyword search (the keyword text: the
previous ``n`` turns, then the turn, each "speaker: words") and with the
same local all-MiniLM-L6-v2 model (the vector text: the turn, with or without the next
one), and caches every question's top 50 per index.

The fusion is ``bench.locomo_fit``'s listwise fit of kgmem's ``minmax`` weights
(keyword, vector and the nearby features). For each held-out conversation, each
context is scored by leave-one-conversation-out within the other two (the fit on one,
measured on the other) and the best is measured on the held-out conversation ("nested"):
the context, the weights and the fit's penalty are all chosen without it. The table of
every context's outer figure is printed beside, for reading, not for choosing.
"""

from __future__ import annotations

import argparse
import re
import statistics
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bench import locomo
from bench.locomo import DATA, evidence_ids, questions_of, session_turns, turn_text
from bench.locomo_cv import DEPTH, Question, recall
from bench.locomo_fit import NEARBY, cross_validate_fit
from bench.machine import describe
from bench.scratch import scratch
from kgmem.embedding.local import LocalEmbedder
from kgmem.settings.config import EmbeddingSettings
from kgmem.settings.database_settings import DatabaseSettings
from kgmem.storage.filters import ElementFilter
from kgmem.storage.indexes import keyword_search
from kgmem.storage.pool.database import Connection, open_database
from kgmem.storage.refs import NamespaceRef

KEYWORD_TURNS = (0, 1, 2, 3, 4)  # previous turns the keyword text takes
VECTOR_NEXT = (0, 1)  # whether the vector text takes the next turn
AXES = ("keyword", "vector", NEARBY)


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench locomo-context")
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    conversations = locomo.conversations(args.data)
    if not conversations:
        print(f"no LoCoMo files under {args.data}")
        return 1
    with scratch(args.database_url, "kgmem-locomo-context-") as space:
        db = await open_database(space.url, DatabaseSettings())
        embedder = LocalEmbedder(EmbeddingSettings(provider="local"))
        try:
            async with db.acquire() as conn:
                questions = [q for c in conversations for q in await _collect(conn, embedder, c)]
        finally:
            await db.close()
            await embedder.close()
    report(questions)
    return 0


def _turns(conv: dict[str, Any]) -> list[tuple[str, list[str], int]]:
    """Each turn's id, its session's texts and its place among them."""
    out = []
    for _, turns in session_turns(conv):
        texts = [turn_text(t) for t in turns]
        out += [(t["dia_id"], texts, i) for i, t in enumerate(turns)]
    return out


def keyword_text(texts: list[str], at: int, previous: int) -> str:
    """The turn at ``at`` after its ``previous`` previous turns."""
    return "\n".join(texts[max(0, at - previous) : at + 1])


def vector_text(texts: list[str], at: int, following: int) -> str:
    """The turn at ``at`` with its next turn if ``following``."""
    return "\n".join(texts[at : at + 1 + following])


async def _collect(
    conn: Connection, embedder: LocalEmbedder, conv: dict[str, Any]
) -> list[Question]:
    """The conversation's questions with one keyword and one vector axis per context."""
    turns = _turns(conv)
    asked = [qa for qa in conv["qa"] if evidence_ids(qa)]
    axes: list[dict[str, dict[str, float]]] = [{} for _ in asked]
    name = re.sub(r"[^a-z0-9_]", "_", conv["sample_id"].lower())
    for n in KEYWORD_TURNS:
        docs = [(uid, keyword_text(texts, i, n)) for uid, texts, i in turns]
        found = await _bm25(conn, f"{name}_k{n}", docs, [qa["question"] for qa in asked])
        for a, top in zip(axes, found, strict=True):
            a[f"keyword@{n}"] = top
    asks = np.asarray(await embedder.embed([qa["question"] for qa in asked]))
    for nxt in VECTOR_NEXT:
        vectors = np.asarray(await embedder.embed([vector_text(t, i, nxt) for _, t, i in turns]))
        sims = (asks / np.linalg.norm(asks, axis=1, keepdims=True)) @ (
            vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        ).T
        for a, row in zip(axes, sims, strict=True):
            best = np.argsort(-row)[:DEPTH]
            a[f"vector@{nxt}"] = {turns[j][0]: float(row[j]) for j in best}
    return questions_of(conv, asked, axes)


# The side-table columns kgmem's keyword search reads (``candidates.VERTEX_COLUMNS``).
_SIDE = (
    "id bigint PRIMARY KEY, uid text, label text, occurred_at timestamptz, "
    "updated_at timestamptz, lat float8, lon float8, text text"
)


async def _bm25(
    conn: Connection, name: str, docs: list[tuple[str, str]], asks: list[str]
) -> list[dict[str, float]]:
    """Each ask's top ``DEPTH`` documents by kgmem's keyword search, over a schema laid
    out as a namespace's side tables with kgmem's keyword index (``english``)."""
    await conn.execute(f"CREATE SCHEMA {name}")
    await conn.execute(f"CREATE TABLE {name}._kg_vertex ({_SIDE})")
    await conn.execute(f"CREATE TABLE {name}._kg_fact (id bigint PRIMARY KEY, text text)")
    await conn.execute("SELECT kgmem.add_text_index($1, 'english')", name)
    await conn.executemany(
        f"INSERT INTO {name}._kg_vertex (id, uid, label, text) VALUES ($1, $2, 'Episode', $3)",
        [(i, uid, text) for i, (uid, text) in enumerate(docs)],
    )
    ns = NamespaceRef(name=name, graph_oid=0)
    out = []
    for ask in asks:
        found, _ = await keyword_search.search_with_rows(
            conn, ns, ask, limit=DEPTH, vertices=ElementFilter(), facts=None
        )
        out.append({row.uid: score for row, score in found})
    return out


def options() -> list[tuple[int, int]]:
    return [(n, nxt) for n in KEYWORD_TURNS for nxt in VECTOR_NEXT]


def as_used(questions: list[Question], option: tuple[int, int]) -> list[Question]:
    n, nxt = option
    return [
        replace(q, axes={"keyword": q.axes[f"keyword@{n}"], "vector": q.axes[f"vector@{nxt}"]})
        for q in questions
    ]


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def report(questions: list[Question]) -> None:
    print("\n== locomo-context: session context per index, nested leave-one-conversation-out ==")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in describe().items()))
    held_out = sorted({q.conversation for q in questions})
    outer = {o: cross_validate_fit(as_used(questions, o), AXES, ("",)) for o in options()}
    print(f"\n{'keyword prev':>12} {'vector next':>11} {'bm25':>6} {'fused (outer)':>14}")
    for o in options():
        used = as_used(questions, o)
        bm25 = _mean([recall(q, _order(q.axes["keyword"])) for q in used])
        fused = _mean([r for rs in outer[o].recalls.values() for r in rs])
        print(f"{o[0]:>12} {o[1]:>11} {bm25:>6.3f} {fused:>14.3f}")
    nested: list[float] = []
    for held in held_out:
        inner = {}
        for o in options():
            train = [q for q in as_used(questions, o) if q.conversation != held]
            folds = cross_validate_fit(train, AXES, ("",))
            inner[o] = _mean([r for rs in folds.recalls.values() for r in rs])
        chosen = max(options(), key=lambda o: (inner[o], -options().index(o)))
        got = outer[chosen].recalls[held]
        nested += got
        print(
            f"without {held}: chose keyword prev={chosen[0]}, vector next={chosen[1]} "
            f"(inner {inner[chosen]:.3f}); on {held}: {_mean(got):.3f}"
        )
    print(f"nested recall@10 overall: {_mean(nested):.3f} ({len(nested)} questions)")


def _order(found: Mapping[str, float]) -> list[str]:
    return [t for t, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))]
