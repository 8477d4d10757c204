"""Running a keyword design's query: its hits, its latency and the work it did."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Sequence
from typing import Any

import asyncpg

from bench.keyword_corpus import Query
from bench.keyword_exact import Exact, Ranking
from bench.keyword_layouts import Design
from kgmem.storage.indexes.keyword_search import CANDIDATES

K = 10
# Plan nodes that read rows of a table or an index.
_SCANS = {
    "Seq Scan",
    "Index Scan",
    "Index Only Scan",
    "Bitmap Heap Scan",
    "Bitmap Index Scan",
    "Custom Scan",
}


async def search(conn: asyncpg.Connection, design: Design, text: str, k: int = K) -> list[int]:
    """The row ids of ``design``'s best ``k`` matches of ``text``, best first."""
    rows = await conn.fetch(design.query, text, k, *design.extra)
    return [int(row_id) for row_id, score in rows if score > 0]


async def recall(
    conn: asyncpg.Connection,
    design: Design,
    queries: Sequence[Query],
    rankings: Sequence[Ranking],
) -> list[float]:
    """Each query's recall@``K`` against its exact ranking."""
    out = []
    for query, ranking in zip(queries, rankings, strict=True):
        out.append(ranking.recall(await search(conn, design, query.text), K))
    return out


async def latencies(
    conn: asyncpg.Connection, design: Design, queries: Sequence[Query]
) -> list[float]:
    """Milliseconds of each query, after one untimed pass over them all (warm)."""
    for query in queries:
        await search(conn, design, query.text)
    out = []
    for query in queries:
        start = time.perf_counter()
        await search(conn, design, query.text)
        out.append((time.perf_counter() - start) * 1000)
    return out


async def work(conn: asyncpg.Connection, design: Design, text: str) -> tuple[int, int]:
    """(shared buffers hit or read, rows read by scans) of one query, from
    ``EXPLAIN (ANALYZE, BUFFERS)``. A node's buffers include its children's; work
    outside PostgreSQL's buffers (pg_textsearch's in-memory part) is not seen."""
    plan_json = await conn.fetchval(
        f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {design.query}", text, K, *design.extra
    )
    plan = json.loads(plan_json)[0]["Plan"]
    return plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0), _scanned(plan)


def _scanned(node: dict[str, Any]) -> int:
    own = 0
    if node["Node Type"] in _SCANS:
        kept = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
        own = int(
            (kept + node.get("Rows Removed by Index Recheck", 0)) * node.get("Actual Loops", 1)
        )
    return own + sum(_scanned(child) for child in node.get("Plans", []))


def within_budget(exact: Exact, queries: Sequence[Query]) -> list[bool]:
    """Per query, whether its words are in at most ``CANDIDATES`` documents in all:
    then the gin-stats design scores every document holding one (exact ranking)."""
    return [sum(exact.df(w) for w in q.words) <= CANDIDATES for q in queries]


def recall_summary(found: Sequence[float], under: Sequence[bool]) -> dict[str, Any]:
    """Mean recall over all queries, over those ``within_budget`` and over the others,
    and the share of queries whose top 10 is exact (None: no such queries)."""
    inside = [r for r, u in zip(found, under, strict=True) if u]
    outside = [r for r, u in zip(found, under, strict=True) if not u]
    return {
        "all": statistics.fmean(found),
        "queries": len(found),
        "df <= budget": statistics.fmean(inside) if inside else None,
        "those queries": len(inside),
        "df > budget": statistics.fmean(outside) if outside else None,
        "exact top-10 share": sum(r == 1.0 for r in found) / len(found),
    }


def spread(values: Sequence[float]) -> dict[str, float]:
    """p50 and p95 of ``values`` (nearest rank, so a handful of values is enough)."""
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    return {"p50": rank(0.5), "p95": rank(0.95), "mean": statistics.fmean(ordered)}
