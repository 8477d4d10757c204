"""``python -m bench keyword-designs``: keyword index designs side by side on one corpus.

A fresh embedded server (or ``--home DIR``) gets a synthetic corpus of ``--rows``
short documents (``bench.keyword_corpus``) loaded into each design's plain table
(``bench.keyword_layouts``: pg_textsearch's BM25 index, kgmem's shipped GIN index with
statistics in rows, and an inverted index of postings kept by kgmem). Parts
(``--parts``, all by default):

- ``build``: bulk load and index time, and the size of each design's keyword
  structures (sizes are reported whatever the parts);
- ``recall``: recall@10 of ``--queries`` queries of 2 to 4 words, common and rare,
  against exact BM25 computed in Python (``bench.keyword_exact``), ties counted;
- ``latency``: p50/p95 of the same top-10 queries, warm, then of
  ``--common-queries`` queries made only of the 5 commonest words, with the shared
  buffers and rows each of those read (``EXPLAIN (ANALYZE, BUFFERS)``);
- ``writes``: rows/s inserting ``--write-rows`` more rows in statements of
  ``--batch`` rows, by each count of concurrent writers in ``--writers``, then the
  statistics compacted;
- ``crash``: per design, ``--crash-rows`` rows each with a word of its own committed,
  the postmaster killed (SIGKILL), the time until the server accepts connections again,
  and how many of those rows its keyword search still finds (``bench.keyword_crash``).

Prints a table per measurement and writes ``bench/results/keyword-designs-*.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg

from bench import keyword_crash
from bench.keyword_build import build, record, reusable, sizes
from bench.keyword_corpus import Corpus, Query, Writer, common_queries, mixed_queries
from bench.keyword_corpus import vocabulary as make_vocabulary
from bench.keyword_exact import Exact
from bench.keyword_layouts import DESIGNS, Design, designs
from bench.keyword_probe import latencies, recall, recall_summary, spread, within_budget, work
from bench.keyword_writes import compact, throughput
from bench.machine import describe
from bench.report import RESULTS
from kgmem import Memory, Settings
from kgmem.storage.engine.embedded import EmbeddedPostgres, start_embedded

PARTS = ("build", "recall", "latency", "writes", "crash")
Table = dict[str, dict[str, Any]]


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench keyword-designs")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--vocabulary", type=int, default=50_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--common-queries", type=int, default=20)
    p.add_argument("--write-rows", type=int, default=20_000)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--writers", default="1,2,4")
    p.add_argument(
        "--compact-timeout",
        type=float,
        default=60,
        help="seconds the statistics' compaction after the writes may take",
    )
    p.add_argument("--crash-rows", type=int, default=2000)
    p.add_argument("--top-m", type=int, default=2000, help="postings read per query lexeme")
    p.add_argument("--designs", default=",".join(DESIGNS))
    p.add_argument(
        "--parts",
        default=",".join(PARTS),
        help="comma-separated parts to run; a design that is not reused is built whatever "
        "the parts (--parts build: only that)",
    )
    p.add_argument("--home", default=None, help="the embedded server's home (default: temporary)")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="keep the designs an earlier run built in --home on the same corpus, "
        "unless a writes or crash part has run on them since",
    )
    args = p.parse_args(argv)
    for name in args.designs.split(","):
        if name not in DESIGNS:
            p.error(f"unknown design {name!r} (known: {', '.join(DESIGNS)})")
    if not all(w.isdigit() and int(w) > 0 for w in args.writers.split(",")):
        p.error("--writers takes positive counts, such as 1,2,4")
    for part in args.parts.split(","):
        if part not in PARTS:
            p.error(f"unknown part {part!r} (known: {', '.join(PARTS)})")
    return args


async def main(argv: list[str]) -> int:
    args = parse(argv)
    with tempfile.TemporaryDirectory(prefix="kgmem-bench-keywords-") as tmp:
        home = Path(args.home) if args.home else Path(tmp)
        home.mkdir(parents=True, exist_ok=True)
        os.chmod(home, 0o755)  # the embedded server's own user must reach its data
        server = start_embedded(home, owner=True)
        try:
            result = await run(args, server, home)
        finally:
            server.stop()
    path = save(result)
    print(f"\nsaved {path}")
    return 0


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def run(args: argparse.Namespace, server: EmbeddedPostgres, home: Path) -> dict[str, Any]:
    """Every part asked for, on ``server``; the result as saved (sections of tables)."""
    machine = describe()
    load_at_start = _load()
    print(f"machine: {machine}\nload average at start: {load_at_start}", flush=True)
    await migrate(server.url, home)
    parts = set(args.parts.split(","))
    tables: dict[str, Table] = {}
    clock = Phases()
    conn = await asyncpg.connect(server.url)
    try:
        corpus, writer = await make_corpus(conn, args)
        chosen, tables["build"] = await build_all(conn, args, corpus)
        tables["size after build"] = {d.name: await sizes(conn, d) for d in chosen}
        clock.done("build")
        queries = mixed_queries(corpus, args.queries, args.seed)
        if parts & {"recall", "latency"}:
            tables.update(await searches(conn, args, chosen, corpus, queries, parts))
            clock.done("recall, latency")
    finally:
        await conn.close()
    if "writes" in parts:
        written, corpus = await writes(server.url, args, chosen, corpus, writer)
        tables.update(written)
        clock.done("writes")
    if "crash" in parts:
        tables["crash"], corpus = await keyword_crash.crash(
            server, chosen, corpus, writer, queries, rows=args.crash_rows
        )
        clock.done("crash")
    tables["phase seconds"] = {"all designs": clock.seconds}
    for title, table in tables.items():
        show(title, table)
    load_at_end = _load()
    print(f"load average at start: {load_at_start}; at end: {load_at_end}")
    return {
        "scenario": "keyword-designs",
        "machine": machine,
        "load_at_start": load_at_start,
        "load_at_end": load_at_end,
        "args": vars(args),
        "tables": tables,
    }


class Phases:
    """Wall-clock seconds of each phase of the run, in order."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.last = time.perf_counter()

    def done(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = now - self.last
        self.last = now


async def migrate(url: str, home: Path) -> None:
    """kgmem's schema (and so its keyword SQL functions) on the database at ``url``."""
    settings = Settings(
        home=home, database={"url": url}, embedding={"provider": "none", "dimension": 384}
    )
    memory = await Memory.open(settings)
    await memory.close()


async def make_corpus(conn: asyncpg.Connection, args: argparse.Namespace) -> tuple[Corpus, Writer]:
    """The corpus of ``args.rows`` documents, and the writer that drew them (it draws
    the rows written later)."""
    start = time.perf_counter()
    words = await make_vocabulary(conn, args.vocabulary, args.seed)
    writer = Writer(len(words), args.seed)
    corpus = Corpus.empty(words).plus(writer.draw(args.rows))
    took = time.perf_counter() - start
    print(f"corpus: {corpus.n:,} documents, {len(corpus.tokens):,} words ({took:.1f} s)")
    return corpus, writer


async def build_all(
    conn: asyncpg.Connection, args: argparse.Namespace, corpus: Corpus
) -> tuple[list[Design], Table]:
    """The designs asked for, built unless ``--reuse`` finds them built on this corpus,
    with their build figures; a design that cannot be created is reported so and left
    out."""
    key = (args.rows, args.vocabulary, args.seed)
    records: list[tuple[int, str]] = []
    chosen, table = [], {}
    for design in designs(args.designs.split(","), top_m=args.top_m):
        if args.reuse and await reusable(conn, design, key):
            table[design.name] = {"status": "reused"}
            chosen.append(design)
            continue
        records = records or corpus.rows(0, corpus.n)
        print(f"build: {design.name} ...", flush=True)
        try:
            table[design.name] = {"status": "built", **await build(conn, design, records)}
        except asyncpg.PostgresError as exc:
            table[design.name] = {"status": f"unavailable: {exc}"}
            continue
        await record(conn, design, key)
        chosen.append(design)
    return chosen, table


async def searches(
    conn: asyncpg.Connection,
    args: argparse.Namespace,
    chosen: Sequence[Design],
    corpus: Corpus,
    queries: Sequence[Query],
    parts: set[str],
) -> dict[str, Table]:
    """The recall and latency tables of ``chosen`` on ``queries`` (the parts of
    ``parts``), and the common-words table with the latency part."""
    exact = Exact(corpus)
    rankings = [exact.rank(q.words) for q in queries]
    under = within_budget(exact, queries)
    common = common_queries(corpus, args.common_queries, args.seed)
    tables: dict[str, Table] = {}
    for design in chosen:
        print(f"searches: {design.name} ...", flush=True)
        if "recall" in parts:
            found = await recall(conn, design, queries, rankings)
            tables.setdefault("recall@10", {})[design.name] = recall_summary(found, under)
        if "latency" in parts:
            ms = spread(await latencies(conn, design, queries))
            tables.setdefault("latency ms, mixed queries", {})[design.name] = ms
            tables.setdefault("common words only", {})[design.name] = await _common(
                conn, design, common
            )
    return tables


async def _common(
    conn: asyncpg.Connection, design: Design, queries: Sequence[Query]
) -> dict[str, Any]:
    ms = spread(await latencies(conn, design, queries))
    done = [await work(conn, design, q.text) for q in queries]
    buffers = [b for b, _ in done]
    scanned = [r for _, r in done]
    return {
        "p50 ms": ms["p50"],
        "p95 ms": ms["p95"],
        "buffers median": statistics.median(buffers),
        "buffers max": max(buffers),
        "rows scanned median": statistics.median(scanned),
        "rows scanned max": max(scanned),
    }


async def writes(
    url: str, args: argparse.Namespace, chosen: Sequence[Design], corpus: Corpus, writer: Writer
) -> tuple[dict[str, Table], Corpus]:
    """Rows/s by each writer count (the same new rows in every design), the statistics'
    compaction afterwards, and the sizes then; the corpus with the new rows."""
    rates: Table = {d.name: {} for d in chosen}
    conn = await asyncpg.connect(url)
    try:
        for design in chosen:
            await record(conn, design, None)
    finally:
        await conn.close()
    for count in [int(w) for w in args.writers.split(",") if w]:
        grown = corpus.plus(writer.draw(args.write_rows))
        rows = grown.rows(corpus.n, grown.n)
        for design in chosen:
            print(f"writes: {design.name}, {count} writer(s) ...", flush=True)
            rate = await throughput(url, design, rows, writers=count, batch=args.batch)
            rates[design.name][f"{count} writer(s) rows/s"] = rate
        corpus = grown
    compaction: Table = {}
    for design in chosen:
        done = await compact(url, design, timeout_s=args.compact_timeout)
        if done is not None:
            compaction[design.name] = done
    conn = await asyncpg.connect(url)
    try:
        after = {d.name: await sizes(conn, d) for d in chosen}
    finally:
        await conn.close()
    tables = {"writes": rates, "statistics compaction": compaction, "size after writes": after}
    return tables, corpus


def show(title: str, table: Table) -> None:
    """Print ``table`` (a row per design) under ``title``."""
    columns = list(dict.fromkeys(c for row in table.values() for c in row))
    widths = [max(len(c), 10) for c in columns]
    print(f"\n-- {title} --")
    print(f"{'design':<14}" + "".join(f"  {c:>{w}}" for c, w in zip(columns, widths, strict=True)))
    for name, row in table.items():
        cells = [_cell(row.get(c, "")) for c in columns]
        print(f"{name:<14}" + "".join(f"  {v:>{w}}" for v, w in zip(cells, widths, strict=True)))


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"


def save(result: dict[str, Any]) -> Path:
    """Write ``result`` under bench/results/ (not committed)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"keyword-designs-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    return path
