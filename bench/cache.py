"""``python -m bench cache``: the read cache and the event stream on a generated store.

A repeated-query workload over ``--entities`` bulk-loaded entities (``bench.bulkstore``):
``--distinct`` different requests (searches with text and a query vector, and entity
reads, ``--search-share`` of them searches), drawn ``--requests`` times from a Zipf
distribution of exponent ``--zipf`` (a few hot requests, a long tail), sent through the
HTTP stack (in-process ASGI) in three modes on the same data and the same request
sequence: no cache (the baseline), the in-process cache, and Redis. Each mode reports
hit rate, latency p50/p95, requests/s, and this process's CPU time per request (less
distorted by other load on the machine than wall-clock figures).

Then event delivery: ``--events`` writes one after another, each followed by waiting
for its event on a server-sent-event stream served by uvicorn on loopback; the
latency is from the event's commit-side timestamp to its arrival at the client,
p50/p95, with PostgreSQL LISTEN/NOTIFY and with Redis Streams.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
import uvicorn

from bench import bulkstore
from bench.machine import describe
from bench.redis_process import RedisProcess
from bench.report import Figure, Report
from bench.scratch import scratch
from kgmem import EntityWrite, Memory, Settings
from kgmem.server.app import create_app

NAMESPACE = "bench_cache"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench cache")
    p.add_argument("--entities", type=int, default=100_000)
    p.add_argument("--requests", type=int, default=4000, help="requests per mode")
    p.add_argument("--distinct", type=int, default=2000, help="different requests")
    p.add_argument("--search-share", type=float, default=0.7)
    p.add_argument("--zipf", type=float, default=1.1, help="Zipf exponent of request ranks")
    p.add_argument("--events", type=int, default=300, help="events per event backend")
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    p.add_argument("--reuse", action="store_true", help="keep the store at --database-url")
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    with scratch(args.database_url, "kgmem-bench-cache-") as space, RedisProcess() as rurl:
        report = await run(args, space.url, rurl, space.home)
    report.print_summary()
    print(f"saved {report.save()}")
    return 0


def settings_for(url: str, home: Path, redis_url: str | None, *, cache: bool) -> Settings:
    return Settings(
        home=home,
        database={"url": url},
        embedding={"provider": "none", "dimension": 384},
        redis={"url": redis_url},
        cache={"enabled": cache, "max_entries": 100_000},
    )


def workload(store: bulkstore.Store, args: argparse.Namespace) -> list[tuple[str, Any]]:
    """The request sequence: Zipf-ranked draws from ``args.distinct`` distinct requests."""
    rng = np.random.default_rng(8)
    vocab_rng = np.random.default_rng(9)
    pool: list[tuple[str, Any]] = []
    for _ in range(args.distinct):
        i = int(vocab_rng.integers(store.n))
        if vocab_rng.random() < args.search_share:
            v = store.graph.vectors[i] + vocab_rng.normal(0, 0.02, 384)
            vector = (v / np.linalg.norm(v)).astype(np.float32).tolist()
            words = " ".join(store.summaries[i].split()[:2])
            pool.append(("search", {"text": words, "embedding": vector, "k": 10}))
        else:
            pool.append(("entity", bulkstore.uid(i)))
    ranks = np.arange(1, args.distinct + 1, dtype=float)
    weights = ranks**-args.zipf
    draws = rng.choice(args.distinct, size=args.requests, p=weights / weights.sum())
    return [pool[int(d)] for d in draws]


async def replay(
    memory: Memory, requests: list[tuple[str, Any]]
) -> tuple[list[float], dict[str, int], float]:
    """Latencies (ms), cache-header counts and CPU seconds of this process."""
    app = create_app(memory=memory)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    latencies: list[float] = []
    headers: dict[str, int] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://kgmem") as client:
        cpu = time.process_time()
        for kind, arg in requests:
            start = time.perf_counter()
            if kind == "search":
                r = await client.post(f"/v1/namespaces/{NAMESPACE}/search", json=arg)
            else:
                r = await client.get(f"/v1/namespaces/{NAMESPACE}/entities/{arg}?facts_limit=10")
            latencies.append((time.perf_counter() - start) * 1000)
            r.raise_for_status()
            state = r.headers.get("x-kgmem-cache", "none")
            headers[state] = headers.get(state, 0) + 1
        cpu = time.process_time() - cpu
    return latencies, headers, cpu


def q(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100)[pct - 1]


async def run(args: argparse.Namespace, url: str, redis_url: str, home: Path) -> Report:
    report = Report(
        "cache",
        describe(),
        {
            "entities": args.entities,
            "facts": 2 * args.entities,
            "requests_per_mode": args.requests,
            "distinct_requests": args.distinct,
            "zipf": args.zipf,
            "search_share": args.search_share,
            "events": args.events,
        },
    )
    store = bulkstore.generate(args.entities)
    memory = await Memory.open(settings_for(url, home / "load", None, cache=False))
    try:
        if not args.reuse:
            start = time.perf_counter()
            await memory.create_namespace(NAMESPACE)
            async with memory.database.acquire() as conn:
                await bulkstore.load(conn, NAMESPACE, store)
            report.notes.append(f"bulk load: {time.perf_counter() - start:.1f} s")
    finally:
        await memory.close()
    await cache_modes(args, url, redis_url, home, store, report)
    await event_latency(args, url, redis_url, home, report)
    return report


async def cache_modes(
    args: argparse.Namespace,
    url: str,
    redis_url: str,
    home: Path,
    store: bulkstore.Store,
    report: Report,
) -> None:
    requests = workload(store, args)
    baseline: dict[str, float] = {}
    for mode, redis, cache in (
        ("no cache", None, False),
        ("memory", None, True),
        ("redis", redis_url, True),
    ):
        memory = await Memory.open(
            settings_for(url, home / mode.replace(" ", "_"), redis, cache=cache)
        )
        try:
            print(f"{mode}: {len(requests):,} requests ...", flush=True)
            latencies, headers, cpu = await replay(memory, requests)
        finally:
            await memory.close()
        rate = len(requests) / (sum(latencies) / 1000)
        figures = {
            "p50 ms": q(latencies, 50),
            "p95 ms": q(latencies, 95),
            "requests/s": rate,
            "CPU ms/request": cpu * 1000 / len(requests),
        }
        hit_rate = headers.get("hit", 0) / len(requests)
        load = os.getloadavg()[0]
        print(
            f"  {mode:<9} hit rate {hit_rate:6.1%}  p50 {figures['p50 ms']:7.2f} ms  "
            f"p95 {figures['p95 ms']:7.2f} ms  {rate:8.0f} req/s  "
            f"CPU {figures['CPU ms/request']:.2f} ms/req  load {load:.2f}  {headers}",
            flush=True,
        )
        if mode == "no cache":
            baseline = figures
            continue
        n = len(requests)
        report.add(Figure(f"{mode} cache: hit rate", hit_rate * 100, "%", n))
        report.add(
            Figure(
                f"{mode} cache: requests/s", rate, "req/s", n, baseline["requests/s"], "vs no cache"
            )
        )
        for name in ("p50 ms", "p95 ms", "CPU ms/request"):
            # In microseconds, so that the report's whole numbers keep the precision.
            label = name.replace("ms", "us")
            report.add(
                Figure(
                    f"{mode} cache: {label}",
                    figures[name] * 1000,
                    "us",
                    n,
                    baseline[name] * 1000,
                    "of no cache",
                )
            )
    report.notes.append(f"load average after the cache runs: {os.getloadavg()}")


async def event_latency(
    args: argparse.Namespace, url: str, redis_url: str, home: Path, report: Report
) -> None:
    for backend, redis in (("postgres", None), ("redis", redis_url)):
        memory = await Memory.open(settings_for(url, home / f"ev_{backend}", redis, cache=True))
        try:
            latencies = await _deliveries(memory, args.events)
        finally:
            await memory.close()
        load = os.getloadavg()[0]
        print(
            f"  events via {backend:<8} p50 {q(latencies, 50):6.2f} ms  "
            f"p95 {q(latencies, 95):6.2f} ms  load {load:.2f}",
            flush=True,
        )
        for pct in (50, 95):
            name = f"event delivery p{pct} ({backend})"
            report.add(Figure(name, q(latencies, pct) * 1000, "us", len(latencies)))


async def _deliveries(memory: Memory, count: int) -> list[float]:
    """Commit-to-client latencies (ms) of ``count`` entity writes, one at a time."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(memory=memory),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await _started(server)
    try:
        return await _receive(memory, port, count)
    finally:
        server.should_exit = True
        await task


async def _started(server: uvicorn.Server) -> None:
    for _ in range(500):
        if server.started:
            return
        await asyncio.sleep(0.02)
    raise RuntimeError("uvicorn did not start")


async def _receive(memory: Memory, port: int, count: int) -> list[float]:
    latencies: list[float] = []
    base = f"http://127.0.0.1:{port}"
    async with (
        httpx.AsyncClient(base_url=base, timeout=30) as client,
        client.stream("GET", f"/v1/namespaces/{NAMESPACE}/events") as response,
    ):
        lines = response.aiter_lines()
        await anext(lines)  # "retry: ..." comes once the subscription is in place
        for i in range(count):
            entity = EntityWrite(uid=f"ev{i}", properties={"name": f"ev {i}"})
            await memory.upsert_entity(NAMESPACE, entity)
            async for line in lines:
                if line.startswith("data:"):
                    sent = datetime.fromisoformat(orjson.loads(line[5:])["time"]).timestamp()
                    latencies.append((time.time() - sent) * 1000)
                    break
    return latencies
