"""``python -m bench keyword-stats``: how far the BM25 indexes' corpus statistics drift
from the live rows, what that does to keyword search, and what a rebuild costs.

Part one builds ``locomo-dev`` the way ``bench locomo`` does (``bench.locomo.ingest``)
and prints, per namespace, the document count of the episode index beside the live
rows, and the keyword axis alone's evidence recall@10 as built and after a concurrent
rebuild (``bm25_force_merge`` is tried first, and its count printed). No choice is made
here, so there is nothing to cross-validate: both figures are of the same search.

Part two (``--episodes N``, default 20,000) writes N notes into one namespace, rewrites
each once (as building does), then rebuilds its index concurrently ``--rebuilds`` times
in a row while one task writes a note after another and one searches: it prints the
rebuilds' length and the median and slowest write and search during them beside those
of 5 s without a rebuild, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from bench.locomo import DATA, evidence_ids, ingest
from bench.scratch import scratch
from kgmem import BatchWrite, EntityWrite, Memory, Settings
from kgmem.config import EmbeddingSettings
from kgmem.embedding.local import LocalEmbedder
from kgmem.model import AxisWeights, SearchQuery
from kgmem.storage import keyword_stats, keyword_upkeep

KEYWORD = AxisWeights(keyword=1.0, vector=0.0, graph=0.0)


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench keyword-stats")
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--episodes", type=int, default=20_000)
    p.add_argument("--rebuilds", type=int, default=5, help="rebuilds in a row under load")
    p.add_argument("--skip-locomo", action="store_true")
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    files = [] if args.skip_locomo else sorted(args.data.glob("*.json"))
    conversations = [c for f in files for c in json.loads(f.read_text())]
    with scratch(args.database_url, "kgmem-kwstats-") as space:
        embedder = LocalEmbedder(EmbeddingSettings(provider="local"))
        settings = Settings(
            home=space.home, database={"url": space.url}, embedding={"provider": "local"}
        )
        memory = await Memory.open(settings, embedder=embedder)
        try:
            if not args.skip_locomo:
                await locomo(memory, conversations)
            if args.episodes:
                await rebuild_under_load(memory, args.episodes, args.rebuilds)
        finally:
            await memory.close()
    return 0


async def _stats(memory: Memory, ns: str, side: str = "vertex") -> keyword_stats.IndexStats:
    conn = await keyword_upkeep.connect(memory.database.url)
    try:
        found = await keyword_stats.stats(conn, ns)
    finally:
        await conn.close()
    return next(s for s in found if s.index.endswith(f"_kg_{side}_text"))


async def _recall(memory: Memory, ns: str, conv: dict[str, Any]) -> tuple[float, int]:
    total, asked = 0.0, 0
    for qa in conv["qa"]:
        gold = evidence_ids(qa)
        if not gold:
            continue
        query = SearchQuery(text=qa["question"], types=("episodes",), k=10, weights=KEYWORD)
        hits = (await memory.search(ns, query)).hits
        got = {h.uid.split("/", 1)[1] for h in hits if h.uid.startswith(f"{ns}/")}
        total += len(gold & got) / len(gold)
        asked += 1
    return total, asked


async def locomo(memory: Memory, conversations: list[dict[str, Any]]) -> None:
    sums = {"built": 0.0, "rebuilt": 0.0}
    asked = 0
    for conv in conversations:
        ns = re.sub(r"[^a-z0-9_]", "_", f"locomo_{conv['sample_id']}".lower())
        await memory.create_namespace(ns)
        turns = await ingest(memory, ns, conv)
        built = await _stats(memory, ns)
        facts = await _stats(memory, ns, "fact")
        before, n = await _recall(memory, ns, conv)
        conn = await keyword_upkeep.connect(memory.database.url)
        try:
            await conn.execute("SELECT bm25_force_merge($1)", built.index)
        finally:
            await conn.close()
        merged = await _stats(memory, ns)  # documents None: its summary became unreadable
        await memory.refresh_keyword_statistics(ns, force=True)
        rebuilt = await _stats(memory, ns)
        after, _ = await _recall(memory, ns, conv)
        sums["built"] += before
        sums["rebuilt"] += after
        asked += n
        print(
            f"{ns}: turns {turns}, live rows {built.live}, index documents as built "
            f"{built.documents} (after bm25_force_merge {merged.documents}, after rebuild "
            f"{rebuilt.documents}); fact index {facts.documents} documents for {facts.live} "
            f"live rows; keyword recall@10 as built {before / n:.3f}, "
            f"rebuilt {after / n:.3f} ({n} questions)"
        )
    print(
        f"all: keyword recall@10 as built {sums['built'] / asked:.3f}, "
        f"rebuilt {sums['rebuilt'] / asked:.3f} ({asked} questions)"
    )


def _note(uid: str, text: str, **more: object) -> EntityWrite:
    return EntityWrite(uid, "Note", {"text": text, **more})


async def _rebuilds(memory: Memory, ns: str, count: int) -> None:
    for _ in range(count):
        await memory.refresh_keyword_statistics(ns, force=True)


async def rebuild_under_load(memory: Memory, episodes: int, rebuilds: int) -> None:
    ns = "kwstats_load"
    await memory.create_namespace(ns)
    words = ["river", "stone", "maple", "copper", "violet", "harbor", "lantern", "meadow"]
    for seen in range(2):
        for start in range(0, episodes, 500):
            notes = [
                _note(f"n{i}", f"note {i} {words[i % 8]} {words[(i // 8) % 8]}", seen=seen)
                for i in range(start, min(start + 500, episodes))
            ]
            await memory.write_batch(ns, BatchWrite(entities=notes))
    drifted = await _stats(memory, ns)
    quiet = await _load(memory, ns, None)
    busy = await _load(memory, ns, lambda: _rebuilds(memory, ns, rebuilds))
    after = await _stats(memory, ns)
    print(
        f"{episodes} notes: documents {drifted.documents} for {drifted.live} live rows; "
        f"rebuilt {rebuilds} times in a row to {after.documents} of {after.live}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    for name, figures in (("no rebuild", quiet), ("during rebuild", busy)):
        print(f"  {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()))


async def _load(memory: Memory, ns: str, work: Any) -> dict[str, float]:
    """Writes and searches side by side for as long as ``work`` runs (5 s without)."""
    stop = asyncio.Event()
    writes: list[float] = []
    searches: list[float] = []

    async def writer() -> None:
        i = 0
        while not stop.is_set():
            started = time.perf_counter()
            note = _note(f"live{time.monotonic_ns()}_{i}", f"live maple text {i}")
            await memory.write_batch(ns, BatchWrite(entities=[note]))
            writes.append(time.perf_counter() - started)
            i += 1

    async def searcher() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await memory.search(ns, SearchQuery(text="maple river", k=10, weights=KEYWORD))
            searches.append(time.perf_counter() - started)

    async def timed() -> float:
        started = time.perf_counter()
        if work is None:
            await asyncio.sleep(5)
        else:
            await work()
        stop.set()
        return time.perf_counter() - started

    took, _, _ = await asyncio.gather(timed(), writer(), searcher())
    writes.sort()
    searches.sort()
    return {
        "seconds": took,
        "writes": len(writes),
        "median write s": writes[len(writes) // 2],
        "slowest write s": writes[-1],
        "searches": len(searches),
        "median search s": searches[len(searches) // 2],
        "slowest search s": searches[-1],
    }


__all__ = ["main"]
