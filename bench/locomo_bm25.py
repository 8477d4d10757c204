"""``python -m bench locomo-bm25``: BM25's k1 and b for the keyword axis alone, chosen
by nested leave-one-conversation-out on LoCoMo.

Each conversation's turns are indexed the way kgmem's keyword index sees them (the
turn after its session's ``PRECEDING_TURNS`` previous turns, as ``bench
locomo-context`` does) in side tables of a scratch store, and every question is
searched by kgmem's own keyword search once per (k1, b) of a grid. For each held-out
conversation, the (k1, b) with the best recall@10 on the other conversations is
measured on it, so the figure printed last never saw its own choice. The table of every
(k1, b) over all conversations is printed beside, for reading, not for choosing.
"""

from __future__ import annotations

import argparse
import re
import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench import locomo
from bench.locomo import DATA, evidence_ids
from bench.locomo_context import _turns, keyword_text
from bench.locomo_cv import DEPTH, Question, recall
from bench.machine import describe
from bench.scratch import scratch
from kgmem.ingest.session_context import PRECEDING_TURNS
from kgmem.settings.database_settings import DatabaseSettings
from kgmem.storage.filters import ElementFilter
from kgmem.storage.indexes import keyword_search
from kgmem.storage.pool.database import Connection, open_database
from kgmem.storage.refs import NamespaceRef

K1S = (0.6, 0.9, 1.2, 1.5, 2.0)
BS = (0.3, 0.5, 0.75, 0.9)
Params = tuple[float, float]
# Per conversation, per (k1, b): each question's recall@10.
Recalls = dict[str, dict[Params, list[float]]]


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench locomo-bm25")
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    conversations = locomo.conversations(args.data)
    if not conversations:
        print(f"no LoCoMo files under {args.data}")
        return 1
    with scratch(args.database_url, "kgmem-locomo-bm25-") as space:
        db = await open_database(space.url, DatabaseSettings())
        try:
            async with db.acquire() as conn:
                recalls = {c["sample_id"]: await _measure(conn, c) for c in conversations}
        finally:
            await db.close()
    report(recalls)
    return 0


async def _measure(conn: Connection, conv: dict[str, Any]) -> dict[Params, list[float]]:
    """Each question's recall@10 under every (k1, b) of the grid."""
    name = re.sub(r"[^a-z0-9_]", "_", conv["sample_id"].lower()) + "_bm25"
    docs = [(uid, keyword_text(texts, i, PRECEDING_TURNS)) for uid, texts, i in _turns(conv)]
    await _index(conn, name, docs)
    ns = NamespaceRef(name=name, graph_oid=0)
    asked = [qa for qa in conv["qa"] if evidence_ids(qa)]
    out: dict[Params, list[float]] = {}
    for params in [(k1, b) for k1 in K1S for b in BS]:
        got = []
        for qa in asked:
            found, _ = await keyword_search.search_with_rows(
                conn, ns, qa["question"], limit=DEPTH, vertices=ElementFilter(), facts=None,
                bm25=params,
            )  # fmt: skip
            got.append(_recall(qa, {row.uid: s for row, s in found}))
        out[params] = got
    return out


async def _index(conn: Connection, name: str, docs: list[tuple[str, str]]) -> None:
    """The documents in a schema laid out as a namespace's side tables, with kgmem's
    keyword index (``english``)."""
    side = (
        "id bigint PRIMARY KEY, uid text, label text, occurred_at timestamptz, "
        "updated_at timestamptz, lat float8, lon float8, text text"
    )
    await conn.execute(f"CREATE SCHEMA {name}")
    await conn.execute(f"CREATE TABLE {name}._kg_vertex ({side})")
    await conn.execute(f"CREATE TABLE {name}._kg_fact (id bigint PRIMARY KEY, text text)")
    await conn.execute("SELECT kgmem.add_text_index($1, 'english')", name)
    await conn.executemany(
        f"INSERT INTO {name}._kg_vertex (id, uid, label, text) VALUES ($1, $2, 'Episode', $3)",
        [(i, uid, text) for i, (uid, text) in enumerate(docs)],
    )


def _recall(qa: dict[str, Any], found: Mapping[str, float]) -> float:
    order = [t for t, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))]
    q = Question("", qa["category"], qa["question"], frozenset(evidence_ids(qa)), {}, {})
    return recall(q, order)


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def chosen(recalls: Recalls, without: str) -> Params:
    """The (k1, b) with the best mean recall over every conversation but ``without``
    (ties: the earlier in the grid)."""
    grid = list(next(iter(recalls.values())))
    train = [c for c in recalls if c != without]

    def score(p: Params) -> float:
        return _mean([r for c in train for r in recalls[c][p]])

    return max(grid, key=lambda p: (score(p), -grid.index(p)))


def report(recalls: Recalls) -> None:
    print("\n== locomo-bm25: k1 and b of the keyword axis, nested leave-one-conversation-out ==")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in describe().items()))
    grid = list(next(iter(recalls.values())))
    print(f"\n{'k1':>5} {'b':>5} {'recall@10 (all, for reading)':>30}")
    for p in grid:
        print(f"{p[0]:>5} {p[1]:>5} {_mean([r for c in recalls.values() for r in c[p]]):>30.3f}")
    nested: list[float] = []
    for held in recalls:
        p = chosen(recalls, held)
        got = recalls[held][p]
        nested += got
        today = _mean(recalls[held][(keyword_search.K1, keyword_search.B)])
        print(f"without {held}: chose k1={p[0]}, b={p[1]}; on {held}: {_mean(got):.3f} "
              f"(k1={keyword_search.K1}, b={keyword_search.B}: {today:.3f})")  # fmt: skip
    k1, b = keyword_search.K1, keyword_search.B
    shipped = _mean([r for c in recalls.values() for r in c[(k1, b)]])
    print(f"nested recall@10 overall: {_mean(nested):.3f} ({len(nested)} questions); "
          f"shipped k1={k1}, b={b}: {shipped:.3f}")  # fmt: skip
