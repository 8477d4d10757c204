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
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench import backend_cpu, bulkstore, search_http
from bench.machine import describe
from bench.roundtrips import RoundTrips
from kgmem import Memory, Settings
from kgmem.embedding.local import LocalEmbedder
from kgmem.errors import QueryTimeout
from kgmem.model import (
    AxisWeights,
    CausalQuery,
    ExpansionQuery,
    GeoPoint,
    PlaceQuery,
    SearchQuery,
    TimeQuery,
)
from kgmem.settings.config import EmbeddingSettings
from kgmem.storage.engine.embedded import start_embedded
from kgmem.storage.graph import namespaces, traversal
from kgmem.storage.indexes import vector_search as vs

NAMESPACE = "bench_search"
RRF_WEIGHTS = AxisWeights(vector=0.5, keyword=1.0, graph=0.5)
# Every weight, the nearby ones too (an axis alone ranks without them anyway).
AXIS_WEIGHTS = (
    "vector",
    "keyword",
    "temporal",
    "spatial",
    "causal",
    "graph",
    "nearby_keyword",
    "nearby_vector",
)
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
    p.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="KGMEM_SERVER_WORKERS of the HTTP server (default: one per CPU)",
    )
    p.add_argument("--recall-queries", type=int, default=50, help="queries for HNSW recall")
    p.add_argument(
        "--ef-search",
        type=int,
        default=None,
        help="KGMEM_DATABASE_HNSW_EF_SEARCH for the searches (default: the setting's default)",
    )
    # A denser HNSW graph than pgvector's defaults (m 16, ef_construction 64): on these
    # clustered vectors the defaults reach recall@10 0.80-0.92 at 1M (ef_search 100-800).
    p.add_argument(
        "--hnsw-m",
        type=int,
        default=24,
        help="KGMEM_DATABASE_HNSW_M of the store's namespace (applies when it is built)",
    )
    p.add_argument(
        "--hnsw-ef-construction",
        type=int,
        default=128,
        help="KGMEM_DATABASE_HNSW_EF_CONSTRUCTION of the store's namespace (when it is built)",
    )
    p.add_argument(
        "--ef-sweep",
        default="40,64,100,200",
        help="hnsw.ef_search values whose recall@10 and latency the recall part reports",
    )
    p.add_argument(
        "--parts",
        default="in-process,recall,traversal,http",
        help="comma-separated parts to run (default: all four)",
    )
    p.add_argument(
        "--cypher-samples",
        type=int,
        default=CYPHER_SAMPLES,
        help="Cypher hops timed against SQL (seconds each at 100k, more at 1M)",
    )
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
    database: dict[str, Any] = {
        "url": url,
        "hnsw_m": args.hnsw_m,
        "hnsw_ef_construction": args.hnsw_ef_construction,
    }
    if args.ef_search:
        database["hnsw_ef_search"] = args.ef_search
    settings = Settings(
        home=home, database=database, embedding={"provider": "none", "dimension": 384}
    )
    memory = await Memory.open(settings)
    # The default backend (ONNX Runtime when installed); torch is measured beside it.
    embedder = LocalEmbedder(EmbeddingSettings(provider="local"))
    await embedder.load()
    say_first = f"query embedding backend: {embedder.backend}"
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    say(say_first)
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
        await _parts(args, (url, home), memory, embedder, store, say)
    finally:
        await embedder.close()
        await memory.close()
    print(f"\n== search ({args.entities:,} entities, {2 * args.entities:,} facts) ==")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in machine.items()))
    for line in lines:
        print(line)


async def _parts(
    args: argparse.Namespace,
    server: tuple[str, Path],
    memory: Memory,
    embedder: LocalEmbedder,
    store: bulkstore.Store,
    say: Callable[[str], None],
) -> None:
    parts = set(args.parts.split(","))
    if "in-process" in parts or "recall" in parts:
        # What a restarted server does in the background (KGMEM_DATABASE_PREWARM).
        start = time.perf_counter()
        await memory.prewarm()
        took = time.perf_counter() - start
        say(f"prewarm (vector indexes, side and keyword tables): {took:.1f} s (load {_load()})")
    if "in-process" in parts:
        await in_process(memory, embedder, store, args, say)
    if "recall" in parts:
        sweep = [int(x) for x in args.ef_sweep.split(",") if x]
        await hnsw_recall(memory, store, args.recall_queries, say, sweep)
    if "traversal" in parts:
        await traversal_paths(memory, store, args.cypher_samples, say)
    if "http" in parts:
        await http(*server, store, args, say)


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
        latencies, cpu = await timed_cpu(
            lambda make=make: memory.search(NAMESPACE, make()), args, memory
        )
        say(f"in-process {name:<26} {percentiles(latencies)}  {cpu}")
    embed, cpu = await timed_cpu(lambda: embedder.embed([q.words() + " " + q.words()]), args)
    say(f"query embedding ({embedder.backend}, 1 thread)       {percentiles(embed)}  {cpu}")
    if embedder.backend != "torch":  # the baseline: the same model run by torch
        baseline = LocalEmbedder(EmbeddingSettings(provider="local", backend="torch"))
        await baseline.load()
        embed, cpu = await timed_cpu(lambda: baseline.embed([q.words() + " " + q.words()]), args)
        say(f"query embedding (torch, baseline)        {percentiles(embed)}  {cpu}")
        await baseline.close()

    def fused_query(text: str) -> SearchQuery:
        return SearchQuery(text=text, time=q.time(), place=q.place(), causal=q.anchor())

    # The store's own path: search embeds the text (overlapping the other axes).
    # Distinct texts and the cache off: every query pays for the model.
    settings = memory.settings
    uncached = settings.model_copy(
        update={"embedding": settings.embedding.model_copy(update={"query_cache_size": 0})}
    )
    embedding_memory = await Memory.open(uncached, embedder=embedder)
    try:
        latencies, cpu = await timed_cpu(
            lambda: embedding_memory.search(NAMESPACE, fused_query(q.words())),
            args,
            embedding_memory,
        )
        say(f"in-process fused 4-axis + embedding      {percentiles(latencies)}  {cpu}")
    finally:
        await embedding_memory.close()
    cached_memory = await Memory.open(settings, embedder=embedder)
    try:
        texts = [q.words() for _ in range(20)]
        for text in texts:
            await cached_memory.search(NAMESPACE, fused_query(text))
        latencies, cpu = await timed_cpu(
            lambda: cached_memory.search(NAMESPACE, fused_query(q.rng.choice(texts))),
            args,
            cached_memory,
        )
        say(f"in-process fused 4-axis, text cached     {percentiles(latencies)}  {cpu}")
        # The same queries fused as before convex fusion was the default: reciprocal
        # ranks with the former weights (a baseline for the fusion's own cost).
        latencies, cpu = await timed_cpu(
            lambda: cached_memory.search(
                NAMESPACE,
                replace(fused_query(q.rng.choice(texts)), fusion="rrf", weights=RRF_WEIGHTS),
            ),
            args,
            cached_memory,
        )
        say(f"  same, rank fusion (former default)     {percentiles(latencies)}  {cpu}")
    finally:
        await cached_memory.close()


async def timed_cpu(
    work: Callable[[], Awaitable[Any]], args: argparse.Namespace, memory: Memory | None = None
) -> tuple[list[float], str]:
    """Latencies, and this process's CPU time per call with the load average; with
    ``memory``, also the CPU time its PostgreSQL backends spent per call (read from
    /proc, so only for a server on this machine): figures the other processes on a
    busy machine do not distort, unlike the latencies."""
    for _ in range(10):
        await work()
    with RoundTrips() as trips:  # statements one call sends (load-insensitive)
        await work()
    pids = await backend_cpu.backends(memory) if memory is not None else []
    backend_start = backend_cpu.cpu_ms(pids)
    start = time.process_time()
    latencies = await timed(work, args.queries, warmup=0)
    cpu = (time.process_time() - start) * 1000 / args.queries
    backend = ""
    if pids and backend_start is not None and (end := backend_cpu.cpu_ms(pids)) is not None:
        backend = f"PG backend CPU {(end - backend_start) / args.queries:5.1f} ms/q, "
    rounds = f"{trips.total} round trips, " if memory is not None else ""
    return latencies, f"(client CPU {cpu:5.1f} ms/q, {backend}{rounds}load {_load()})"


def _only_json(axis: str) -> dict[str, float]:
    zero = dict.fromkeys(AXIS_WEIGHTS, 0.0)
    return {**zero, axis: 1.0}


def _only(axis: str) -> Any:
    from kgmem.model import AxisWeights

    zero = dict.fromkeys(AXIS_WEIGHTS, 0.0)
    return AxisWeights(**{**zero, axis: 1.0})


async def hnsw_recall(
    memory: Memory,
    store: bulkstore.Store,
    count: int,
    say: Callable[[str], None],
    sweep: list[int],
) -> None:
    """Recall@10 against an exact scan of the same queries, per ef_search value."""
    q = Queries(store)
    vectors = [q.vector() for _ in range(count)]
    exact: list[list[int]] = []
    exact_ms: list[float] = []
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, NAMESPACE)
        index = await conn.fetchval(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 "
            "AND indexname = '_kg_vertex_embedding'",
            NAMESPACE,
        )
        say(f"HNSW index: {index}")
        # The pool turns parallel query off (short statements); the full-scan baseline
        # gets PostgreSQL's default two workers back, as a plain session would have.
        await conn.execute("SET LOCAL max_parallel_workers_per_gather = 2")
        for v in vectors:
            start = time.perf_counter()
            exact.append(await vs.exact_vertices(conn, ns, v, limit=10))
            exact_ms.append((time.perf_counter() - start) * 1000)
        say(f"exact top-10 (full scan)      {percentiles(exact_ms)}  (load {_load()})")
        for ef in sweep:
            await vs.tune(conn, ef)
            for v in vectors[:10]:  # warm the pages this breadth visits
                await vs.nearest_vertices(conn, ns, v, limit=10, where=vs.VectorFilter())
            recalls, fast = [], []
            for v, truth in zip(vectors, exact, strict=True):
                start = time.perf_counter()
                approx = await vs.nearest_vertices(conn, ns, v, limit=10, where=vs.VectorFilter())
                fast.append((time.perf_counter() - start) * 1000)
                recalls.append(len({i for i, _ in approx} & set(truth)) / 10)
            say(
                f"HNSW ef_search {ef:>4}: recall@10 {statistics.fmean(recalls):.3f} over "
                f"{count} queries; top-10 {percentiles(fast)} "
                f"({statistics.median(exact_ms) / statistics.median(fast):.0f}x faster than "
                f"exact at p50; load {_load()})"
            )


async def traversal_paths(
    memory: Memory, store: bulkstore.Store, samples: int, say: Callable[[str], None]
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
            if k < samples:  # seconds each at 100k: sampled
                start = time.perf_counter()
                try:
                    async with conn.transaction():  # a timeout must not end the outer one
                        b = await traversal.step_cypher(conn, ns, frontier, exclude=("ASSERTS",))
                except QueryTimeout:
                    say("one hop from 5 vertices, Cypher: over the statement timeout")
                    break
                cypher_ms.append((time.perf_counter() - start) * 1000)
                same += a == b
    say(f"one hop from 5 vertices, SQL    {percentiles(sql_ms)}")
    if not cypher_ms:
        return
    spread = percentiles(cypher_ms) if len(cypher_ms) > 1 else f"{cypher_ms[0]:.0f} ms (1 sample)"
    say(
        f"one hop from 5 vertices, Cypher {spread} "
        f"(SQL {statistics.median(cypher_ms) / statistics.median(sql_ms):.0f}x faster at p50; "
        f"identical answers {same}/{samples})"
    )


async def http(
    url: str,
    home: Path,
    store: bulkstore.Store,
    args: argparse.Namespace,
    say: Callable[[str], None],
) -> None:
    """Searches/s through ``kgmem serve`` beside the stack's floor (``bench.search_http``)."""
    q = Queries(store)
    kinds: dict[str, Callable[[], dict[str, Any]]] = {
        "vector": lambda: {"embedding": q.vector(), "weights": _only_json("vector")},
        "keyword": lambda: {"text": q.words(), "weights": _only_json("keyword")},
        "fused 4-axis": lambda: _body(q),
    }
    options = search_http.Options(args.workers, args.http_requests, args.ef_search)
    await search_http.run(url, home, kinds, options, say)


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
