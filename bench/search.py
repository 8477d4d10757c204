"""``python -m bench search``: search latency per axis and fused, in-process and over
HTTP, on a generated store (``bench.bulkstore``), with baselines from the same run.

Figures (milliseconds p50/p95/p99 over ``--queries`` searches after a warm-up):
- each axis alone: vector (caller's query vector), keyword (BM25), temporal
  (facts valid at a time), spatial (200 km radius), causal (3 hops forward), graph
  (2-hop expansion from a seed);
- fused four-axis: text + time + place + causal, *including* embedding the query text
  with the local model; query embedding alone reported separately;
- HTTP: the fused query without the causal anchor and with a caller vector, through a
  ``kgmem serve`` subprocess, 1 and 8 concurrent clients: latency and searches/s;
- HNSW recall@10 against exact search (full scan, same run) and their latency ratio;
- one traversal hop in SQL over AGE's label tables against the same hop in Cypher.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench import bulkstore
from bench.machine import describe
from kgmem import Memory, Settings
from kgmem.config import EmbeddingSettings
from kgmem.embedding.local import LocalEmbedder
from kgmem.model import CausalQuery, ExpansionQuery, GeoPoint, PlaceQuery, SearchQuery, TimeQuery
from kgmem.storage import namespaces, traversal
from kgmem.storage import vector_search as vs
from kgmem.storage.embedded import start_embedded

NAMESPACE = "bench_search"
PORT = 7491
CYPHER_SAMPLES = 4


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench search")
    p.add_argument("--entities", "--size", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--http-requests", type=int, default=400)
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    p.add_argument(
        "--home",
        default=None,
        help="a persistent directory for the embedded server (default: a temporary one); "
        "with --reuse a store loaded there by an earlier run is kept",
    )
    p.add_argument(
        "--reuse",
        action="store_true",
        help="keep the store already loaded at --database-url or in --home",
    )
    p.add_argument("--load-only", action="store_true", help="build the store, then stop")
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    with tempfile.TemporaryDirectory(prefix="kgmem-bench-search-") as tmp:
        where = Path(args.home) if args.home else Path(tmp)
        if args.home:
            where.mkdir(parents=True, exist_ok=True)
        server = None if args.database_url else start_embedded(where, owner=True)
        url = args.database_url or server.url  # type: ignore[union-attr]
        try:
            await run(args, url, Path(tmp))
        finally:
            if server is not None:
                server.stop()
    return 0


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def percentiles(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    return f"p50 {q[49]:7.2f}  p95 {q[94]:7.2f}  p99 {q[98]:7.2f} ms"


async def timed(work: Callable[[], Awaitable[Any]], count: int, warmup: int = 10) -> list[float]:
    for _ in range(warmup):
        await work()
    out = []
    for _ in range(count):
        start = time.perf_counter()
        await work()
        out.append((time.perf_counter() - start) * 1000)
    return out


class Queries:
    """Random but seeded queries over the generated store."""

    def __init__(self, store: bulkstore.Store) -> None:
        self.store = store
        self.rng = random.Random(3)
        self.vocab = bulkstore.vocabulary()

    def vector(self) -> list[float]:
        i = self.rng.randrange(self.store.n)
        v = self.store.graph.vectors[i] + np.random.default_rng(i).normal(0, 0.02, 384)
        return (v / np.linalg.norm(v)).astype(np.float32).tolist()

    def words(self) -> str:
        i = self.rng.randrange(self.store.n)
        return " ".join(self.store.summaries[i].split()[:2])

    def time(self) -> TimeQuery:
        return TimeQuery(valid_at=bulkstore.EPOCH + timedelta(days=self.rng.randrange(3650)))

    def place(self) -> PlaceQuery:
        i = self.rng.randrange(self.store.n)
        near = GeoPoint(float(self.store.lat[i]), float(self.store.lon[i]))
        return PlaceQuery(near=near, radius_km=200)

    def anchor(self) -> CausalQuery:
        i = int(self.rng.choice(self.store.events[:-10]))
        return CausalQuery(bulkstore.uid(i), depth=3)

    def seed(self) -> ExpansionQuery:
        return ExpansionQuery(
            seeds=(bulkstore.uid(self.rng.randrange(self.store.n)),), hops=2, from_text=False
        )


async def run(args: argparse.Namespace, url: str, home: Path) -> None:
    machine = describe()
    print(f"generating {args.entities:,} entities ...", flush=True)
    store = bulkstore.generate(args.entities)
    settings = Settings(
        home=home, database={"url": url}, embedding={"provider": "none", "dimension": 384}
    )
    memory = await Memory.open(settings)
    embedder = LocalEmbedder(EmbeddingSettings(provider="local"))
    await embedder.load()
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    try:
        start = time.perf_counter()
        async with memory.database.acquire() as conn:
            present = [ns.name for ns in await namespaces.list_all(conn, [NAMESPACE])]
        if not (args.reuse and present):
            if present:
                await memory.delete_namespace(NAMESPACE)
            await memory.create_namespace(NAMESPACE)
            async with memory.database.acquire() as conn:
                await bulkstore.load(conn, NAMESPACE, store)
            say(
                f"bulk load of {args.entities:,} entities and {2 * args.entities:,} facts "
                f"(COPY, indexes rebuilt): {time.perf_counter() - start:.1f} s "
                f"(load average {_load()})"
            )
        else:
            say(f"reusing the store loaded earlier ({args.entities:,} entities)")
        if args.load_only:
            return
        await in_process(memory, embedder, store, args, say)
        await hnsw_recall(memory, store, say)
        await traversal_paths(memory, store, say)
        await http(url, home, store, args, say)
    finally:
        await embedder.close()
        await memory.close()
    print(f"\n== search ({args.entities:,} entities, {2 * args.entities:,} facts) ==")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in machine.items()))
    for line in lines:
        print(line)


async def in_process(
    memory: Memory,
    embedder: LocalEmbedder,
    store: bulkstore.Store,
    args: argparse.Namespace,
    say: Callable[[str], None],
) -> None:
    q = Queries(store)
    axes: dict[str, Callable[[], SearchQuery]] = {
        "vector": lambda: SearchQuery(embedding=q.vector(), weights=_only("vector")),
        "keyword": lambda: SearchQuery(text=q.words(), weights=_only("keyword")),
        "temporal": lambda: SearchQuery(time=q.time(), types=("facts",)),
        "spatial": lambda: SearchQuery(place=q.place()),
        "causal": lambda: SearchQuery(causal=q.anchor()),
        "graph": lambda: SearchQuery(expansion=q.seed()),
    }
    for name, make in axes.items():
        latencies = await timed(lambda make=make: memory.search(NAMESPACE, make()), args.queries)
        say(f"in-process {name:<22} {percentiles(latencies)}")
    embed = await timed(lambda: embedder.embed([q.words() + " " + q.words()]), args.queries)
    say(f"query embedding (all-MiniLM-L6-v2)   {percentiles(embed)}")

    async def fused() -> None:
        text = q.words()
        vector = (await embedder.embed([text]))[0].tolist()
        await memory.search(
            NAMESPACE,
            SearchQuery(
                text=text, embedding=vector, time=q.time(), place=q.place(), causal=q.anchor()
            ),
        )

    latencies = await timed(fused, args.queries)
    say(f"in-process fused 4-axis + embedding  {percentiles(latencies)}")


def _only(axis: str) -> Any:
    from kgmem.model import AxisWeights

    zero = dict.fromkeys(("vector", "keyword", "temporal", "spatial", "causal", "graph"), 0.0)
    return AxisWeights(**{**zero, axis: 1.0})


async def hnsw_recall(memory: Memory, store: bulkstore.Store, say: Callable[[str], None]) -> None:
    q = Queries(store)
    recalls, fast, exact_ms = [], [], []
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, NAMESPACE)
        for _ in range(50):
            v = q.vector()
            await vs.tune(conn, 100)
            start = time.perf_counter()
            approx = await vs.nearest_vertices(conn, ns, v, limit=10, where=vs.VectorFilter())
            fast.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            exact = await vs.exact_vertices(conn, ns, v, limit=10)
            exact_ms.append((time.perf_counter() - start) * 1000)
            recalls.append(len({i for i, _ in approx} & set(exact)) / 10)
    say(f"HNSW recall@10 vs exact (ef_search 100): {statistics.fmean(recalls):.3f} over 50 queries")
    say(
        f"HNSW top-10 {percentiles(fast)}; exact scan {percentiles(exact_ms)} "
        f"(ratio {statistics.median(exact_ms) / statistics.median(fast):.0f}x at p50)"
    )


async def traversal_paths(
    memory: Memory, store: bulkstore.Store, say: Callable[[str], None]
) -> None:
    sql_ms, cypher_ms, same = [], [], 0
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, NAMESPACE)
        ids = [
            r["id"]
            for r in await conn.fetch(
                f'SELECT id FROM "{NAMESPACE}"._kg_vertex ORDER BY random() LIMIT 100'
            )
        ]
        for k in range(20):
            frontier = ids[k * 5 : k * 5 + 5]
            start = time.perf_counter()
            a = await traversal.step(conn, ns, frontier, exclude=("ASSERTS",))
            sql_ms.append((time.perf_counter() - start) * 1000)
            if k < CYPHER_SAMPLES:  # seconds each at 100k: sampled
                start = time.perf_counter()
                b = await traversal.step_cypher(conn, ns, frontier, exclude=("ASSERTS",))
                cypher_ms.append((time.perf_counter() - start) * 1000)
                same += a == b
    say(f"one hop from 5 vertices, SQL    {percentiles(sql_ms)}")
    say(
        f"one hop from 5 vertices, Cypher {percentiles(cypher_ms)} "
        f"(SQL {statistics.median(cypher_ms) / statistics.median(sql_ms):.0f}x faster at p50; "
        f"identical answers {same}/{CYPHER_SAMPLES})"
    )


async def http(
    url: str,
    home: Path,
    store: bulkstore.Store,
    args: argparse.Namespace,
    say: Callable[[str], None],
) -> None:
    env = {
        **os.environ,
        "KGMEM_DATABASE_URL": url,
        "KGMEM_HOME": str(home / "serve"),
        "KGMEM_EMBEDDING_PROVIDER": "none",
        "KGMEM_EMBEDDING_DIMENSION": "384",
        "KGMEM_SERVER_PORT": str(PORT),
        "KGMEM_LOG_LEVEL": "warning",
        "KGMEM_DATABASE_POOL_MAX_SIZE": "16",
    }
    proc = subprocess.Popen([sys.executable, "-m", "kgmem", "serve"], env=env)  # noqa: ASYNC220
    q = Queries(store)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            for _ in range(120):
                try:
                    if (await client.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)
            bodies = [_body(q) for _ in range(args.http_requests)]
            for clients in (1, 8):
                latencies: list[float] = []
                start = time.perf_counter()
                await asyncio.gather(
                    *(_worker(client, list(bodies[c::clients]), latencies) for c in range(clients))
                )
                rate = len(bodies) / (time.perf_counter() - start)
                figures = f"{percentiles(latencies)}  {rate:6.0f} searches/s"
                say(f"HTTP fused, {clients} client(s)   {figures}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def _worker(
    client: httpx.AsyncClient, bodies: list[dict[str, Any]], latencies: list[float]
) -> None:
    for body in bodies:
        start = time.perf_counter()
        r = await client.post(f"/v1/namespaces/{NAMESPACE}/search", json=body)
        r.raise_for_status()
        latencies.append((time.perf_counter() - start) * 1000)


def _body(q: Queries) -> dict[str, Any]:
    place = q.place()
    assert place.near is not None
    return {
        "text": q.words(),
        "embedding": q.vector(),
        "time": {"valid_at": q.time().valid_at.isoformat()},  # type: ignore[union-attr]
        "place": {"near": {"lat": place.near.lat, "lon": place.near.lon}, "radius_km": 200},
        "causal": {"anchor": q.anchor().anchor},
    }
