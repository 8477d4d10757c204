"""The HTTP part of ``bench search``: searches/s through a ``kgmem serve`` subprocess,
next to the floor of the same stack measured in the same run.

Rows, each with 1 and 8 concurrent clients (``bench.loadgen`` in its own process):

- floor: ``GET /livez`` (uvicorn, FastAPI and the middleware, no database);
- floor: a search answered from the response cache (request parsing, the API-key
  check, the cache key, no search);
- floor: a vector search in an empty namespace (every statement of a vector search,
  nothing to find or load);
- the real searches: vector only, keyword only, fused four axes (text, time, place and
  a causal anchor; the caller sends the query vector, so no model runs).

Each row reports latency percentiles, searches/s, the rate as a fraction of the
``/livez`` floor, and CPU milliseconds per request split between the server processes,
the PostgreSQL processes and the load generator, read from ``/proc`` before and after
the row (so other work on the machine does not enter them). ``2000 / total`` is the
most requests per second two fully used cores could serve at that cost.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

NAMESPACE = "bench_search"
EMPTY_NAMESPACE = "bench_search_empty"
PORT = 7491
# Concurrent clients of each row; the warm-up uses as many as the busiest.
CLIENTS = (1, 8)

Say = Callable[[str], None]
BodyMaker = Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class Options:
    """What the HTTP part needs from the command line."""

    workers: int
    requests: int
    ef_search: int | None = None


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _stats() -> dict[int, tuple[int, float, float]]:
    """Every process's parent, own CPU seconds and its reaped children's CPU seconds."""
    out: dict[int, tuple[int, float, float]] = {}
    for proc in psutil.process_iter(["ppid", "cpu_times"]):
        times = proc.info["cpu_times"]
        if times is None:  # exited meanwhile, or not ours to read
            continue
        own = times.user + times.system
        reaped = times.children_user + times.children_system
        out[proc.pid] = (proc.info["ppid"], own, reaped)
    return out


def tree_cpu(root: int, stats: dict[int, tuple[int, float, float]]) -> float:
    """CPU seconds of ``root`` and its descendants so far, the exited ones included
    (their time is in their parent's reaped counters once waited for)."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1] + stats[pid][2]
            todo.extend(children.get(pid, ()))
    return total


async def postmaster_pid(url: str) -> int | None:
    """The local PostgreSQL server's main process (the parent of our backend), or None
    when the server is not on this machine."""
    conn = await asyncpg.connect(url)
    try:  # read while the backend lives
        parent = _stats().get(int(await conn.fetchval("SELECT pg_backend_pid()")))
    finally:
        await conn.close()
    return parent[0] if parent else None


@dataclass
class Meter:
    """CPU per request of the server's and PostgreSQL's process trees over one row."""

    server: int
    postgres: int | None

    def snapshot(self) -> tuple[float, float]:
        stats = _stats()
        pg = tree_cpu(self.postgres, stats) if self.postgres else 0.0
        return tree_cpu(self.server, stats), pg


async def run(
    url: str,
    home: Path,
    kinds: dict[str, BodyMaker],
    options: Options,
    say: Say,
) -> None:
    """Start ``kgmem serve`` on the store at ``url``, then measure the floor rows and
    the ``kinds`` of search (name -> a maker of random request bodies)."""
    proc = subprocess.Popen(  # noqa: ASYNC220 (started once, waited for at the end)
        [sys.executable, "-m", "kgmem", "serve"], env=_environment(url, home, options)
    )
    try:
        await _wait_ready(options)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=60) as client:
            await client.post("/v1/namespaces", json={"name": EMPTY_NAMESPACE})
        meter = Meter(proc.pid, await postmaster_pid(url))
        say(
            f"HTTP: kgmem serve with {options.workers} worker(s), load generator in its own "
            f"process; CPU from /proc ({'server, postgres' if meter.postgres else 'server'}"
            ", load generator)"
        )
        bench = _Rows(home, options, meter, say)
        await bench.floor(kinds["vector"])
        for kind, make in kinds.items():
            await bench.searches(kind, NAMESPACE, make)
        say(bench.summary())
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _environment(url: str, home: Path, options: Options) -> dict[str, str]:
    return {
        **os.environ,
        "KGMEM_DATABASE_URL": url,
        "KGMEM_HOME": str(home / "serve"),
        "KGMEM_EMBEDDING_PROVIDER": "none",
        "KGMEM_EMBEDDING_DIMENSION": "384",
        "KGMEM_SERVER_PORT": str(PORT),
        "KGMEM_SERVER_WORKERS": str(options.workers),
        "KGMEM_BOLT_PORT": "0",
        "KGMEM_LOG_LEVEL": "warning",
        "KGMEM_DATABASE_POOL_MAX_SIZE": "16",
        # The in-process parts have warmed the index; a background walk would compete.
        "KGMEM_DATABASE_PREWARM": "false",
        **({"KGMEM_DATABASE_HNSW_EF_SEARCH": str(options.ef_search)} if options.ef_search else {}),
    }


async def _wait_ready(options: Options) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
        for _ in range(240):
            try:
                if (await client.get("/health")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
        else:
            raise RuntimeError("kgmem serve did not answer /health within 2 minutes")
    await asyncio.sleep(2.0 if options.workers > 1 else 0.0)  # the other workers attach


@dataclass
class _Figures:
    rate: float
    cpu_ms: tuple[float, float, float]

    @property
    def total(self) -> float:
        return sum(self.cpu_ms)


class _Rows:
    def __init__(self, home: Path, options: Options, meter: Meter, say: Say) -> None:
        self.home = home
        self.options = options
        self.meter = meter
        self.say = say
        self.livez: _Figures | None = None
        self.best: dict[str, _Figures] = {}

    async def floor(self, vector: BodyMaker) -> None:
        """The stack alone, a cached answer, and a search with nothing to find."""
        await _loadgen("/livez", ["--get", "400"], 8)  # warm every worker
        for clients in CLIENTS:
            self.livez = await self._row(
                "floor: GET /livez (no database)",
                "/livez",
                ["--get", str(self.options.requests)],
                clients,
            )
        body = vector()
        same = self._bodies("cached", lambda: body, self.options.requests)
        path = f"/v1/namespaces/{NAMESPACE}/search"
        for clients in CLIENTS:
            await self._row("floor: search, cached answer", path, [str(same)], clients)
        await self.searches("floor: vector, empty ns", EMPTY_NAMESPACE, vector)

    async def searches(self, kind: str, namespace: str, make: BodyMaker) -> None:
        path = f"/v1/namespaces/{namespace}/search"
        # Steady state: every pooled connection the rows will use has run this search
        # before (a new PostgreSQL backend first fills its catalog, relation and plan
        # caches), as in a server that has been up a while: as many clients as the
        # busiest row, several searches each.
        warm = self._bodies("warm", make, 32 * max(CLIENTS))
        await _loadgen(path, [str(warm)], max(CLIENTS))
        for clients in CLIENTS:
            # New bodies per row: a body sent before would be answered from the cache.
            bodies = self._bodies("bodies", make, self.options.requests)
            self.best[kind] = await self._row(kind, path, [str(bodies)], clients)

    def _bodies(self, name: str, make: BodyMaker, count: int) -> Path:
        file = self.home / f"{name}.jsonl"
        file.write_text("\n".join(json.dumps(make()) for _ in range(count)))
        return file

    async def _row(self, label: str, path: str, what: list[str], clients: int) -> _Figures:
        before = self.meter.snapshot()
        out = await _loadgen(path, what, clients)
        after = self.meter.snapshot()
        if out["errors"]:
            raise RuntimeError(f"HTTP {label}: answers {sorted(set(out['errors']))}")
        n = len(out["latencies_ms"])
        cpu = (
            (after[0] - before[0]) * 1000 / n,
            (after[1] - before[1]) * 1000 / n,
            out["cpu_s"] * 1000 / n,
        )
        figures = _Figures(n / out["wall_s"], cpu)
        ratio = f"{figures.rate / self.livez.rate:4.2f}x floor" if self.livez else "  floor  "
        self.say(
            f"HTTP {label:<32} {clients} cl  {_percentiles(out['latencies_ms'])}  "
            f"{figures.rate:6.0f}/s ({ratio})  CPU ms/req server {cpu[0]:5.2f} "
            f"postgres {cpu[1]:5.2f} loadgen {cpu[2]:4.2f} = {figures.total:5.2f} "
            f"(2 cores: <= {2000 / figures.total:5.0f}/s; load {_load()})"
        )
        return figures

    def summary(self) -> str:
        need = 2000 / 500
        parts = ", ".join(
            f"{kind} {f.total:.2f} ms ({f.cpu_ms[0]:.2f} server + {f.cpu_ms[1]:.2f} postgres)"
            for kind, f in self.best.items()
        )
        return (
            f"HTTP: 500 searches/s on 2 cores needs <= {need:.1f} ms of CPU per search in "
            f"all processes together; measured with 8 clients: {parts}"
        )


def _percentiles(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    return f"p50 {q[49]:6.2f} p95 {q[94]:6.2f} p99 {q[98]:6.2f} ms"


async def _loadgen(path: str, what: list[str], clients: int) -> dict[str, Any]:
    """The load generator in its own process (its CPU is not the server's)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.loadgen",
        "127.0.0.1",
        str(PORT),
        path,
        *what,
        str(clients),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"load generator failed ({child.returncode})")
    result: dict[str, Any] = json.loads(out)
    return result
