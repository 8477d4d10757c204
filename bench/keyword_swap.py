"""``python -m bench keyword-swap``: do writes, searches and statistics reads fail while
a BM25 index is rebuilt concurrently, over and over?

One namespace of ``--notes`` notes; for ``--seconds`` one connection rebuilds its
keyword index with ``REINDEX INDEX CONCURRENTLY`` back to back (what
``kgmem.storage.keyword_stats.rebuild`` does), two tasks rewrite 50 notes through
``Memory.write_batch``, one searches through ``Memory.search`` (keyword alone) and one
reads the index statistics. It
prints how many of each succeeded and every failure by its message: a count, not a
speed (pg_textsearch 1.0 can fail a write at the moment the rebuilt index replaces the
old one, and a search; ``kgmem.storage.driver_errors.index_swap`` makes kgmem run
them again).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import Awaitable
from pathlib import Path

import asyncpg

from bench.scratch import scratch
from kgmem import BatchWrite, EntityWrite, Memory, Settings
from kgmem.model import AxisWeights, SearchQuery
from kgmem.storage import keyword_stats

NS = "keyword_swap"
KEYWORD = AxisWeights(keyword=1.0, vector=0.0, graph=0.0)


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench keyword-swap")
    p.add_argument("--notes", type=int, default=300)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    with scratch(args.database_url, "kgmem-kwswap-") as space:
        settings = Settings(
            home=Path(space.home),
            database={"url": space.url},
            embedding={"provider": "none", "dimension": 384},
        )
        memory = await Memory.open(settings)
        try:
            await memory.create_namespace(NS)
            notes = [
                EntityWrite(f"s{i}", "Note", {"name": f"seed text {i}"}) for i in range(args.notes)
            ]
            await memory.write_batch(NS, BatchWrite(entities=notes))
            done, failed = await _stress(memory, space.url, time.monotonic() + args.seconds)
        finally:
            await memory.close()
    print("\n== keyword-swap: concurrent BM25 rebuilds beside writes and searches ==")
    print("succeeded: " + ", ".join(f"{k} {v}" for k, v in sorted(done.items())))
    print("failed:    " + (", ".join(f"{k} x{v}" for k, v in failed.items()) or "none"))
    return 0


class _Stress:
    """The four loops and their tallies, until ``until`` (monotonic seconds)."""

    def __init__(self, memory: Memory, url: str, until: float) -> None:
        self.memory, self.url, self.until = memory, url, until
        self.done: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()

    def going(self) -> bool:
        return time.monotonic() < self.until

    async def count(self, kind: str, work: Awaitable[object]) -> None:
        try:
            await work
            self.done[kind] += 1
        except Exception as exc:  # every failure is what is counted
            self.failed[f"{kind}: {str(exc)[:90]}"] += 1

    async def rebuilds(self) -> None:
        conn = await asyncpg.connect(self.url)
        try:
            while self.going():
                await self.count("rebuild", keyword_stats.rebuild(conn, f"{NS}._kg_vertex_text"))
        finally:
            await conn.close()

    async def writes(self) -> None:
        i = 0
        while self.going():
            note = EntityWrite(f"w{i % 50}", "Note", {"name": f"live text {i}"})
            await self.count("write", self.memory.write_batch(NS, BatchWrite(entities=[note])))
            i += 1

    async def searches(self) -> None:
        query = SearchQuery(text="live text", weights=KEYWORD, k=5)
        while self.going():
            await self.count("search", self.memory.search(NS, query))

    async def statistics(self) -> None:
        conn = await asyncpg.connect(self.url)
        try:
            while self.going():
                await self.count("statistics", keyword_stats.stats(conn, NS))
        finally:
            await conn.close()


async def _stress(memory: Memory, url: str, until: float) -> tuple[Counter[str], Counter[str]]:
    s = _Stress(memory, url, until)
    await asyncio.gather(s.rebuilds(), s.writes(), s.writes(), s.searches(), s.statistics())
    return s.done, s.failed
