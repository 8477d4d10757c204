"""``python -m bench replicas``: searches/s served by the primary alone against the same
searches with one streaming replica (``KGMEM_REPLICA_URLS``), on loopback.

An embedded primary is loaded with a generated store (``bench.bulkstore``); a hot
standby is made of it with ``pg_basebackup -R`` (``bench.standby``) and started on a
loopback port. Three ways of serving the same vector searches (a caller's vector, the
vector axis alone), each from a ``Memory`` in this process with ``--clients`` concurrent searches:

- ``primary``: no replica configured; the primary serves every search;
- ``replica``: the standby as the one replica; it serves every search;
- ``both``: the standby and the primary's own URL as replicas, taken in turn, so each
  server serves half of the searches.

The three alternate for ``--rounds`` rounds (the median is reported), so load from
other work on the machine falls on each alike. Reported per way: searches/s, and the CPU
per search of this process (the client), of the primary's and of the standby's whole
PostgreSQL server (from /proc). The CPU per search is what sizes separate machines; the
searches/s of two servers sharing one machine's cores is bounded by those cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import backend_cpu, bulkstore
from bench.machine import describe
from bench.report import Figure, Report
from bench.search import Queries, _only
from bench.standby import Standby, standby
from kgmem import Memory, Settings
from kgmem.model import SearchQuery
from kgmem.storage.engine.embedded import EmbeddedPostgres, start_embedded

NAMESPACE = "bench_replicas"
WAYS = ("primary", "replica", "both")


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench replicas")
    p.add_argument("--entities", type=int, default=20_000)
    p.add_argument("--clients", type=int, default=8, help="concurrent searches")
    p.add_argument("--searches", type=int, default=2000, help="searches per way and round")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    if min(args.entities, args.clients, args.searches, args.rounds) < 1:
        p.error("every count must be at least 1")
    return args


async def main(argv: list[str]) -> int:
    args = parse(argv)
    with tempfile.TemporaryDirectory(prefix="kgmem-bench-replicas-") as tmp:
        home = reachable(Path(tmp))
        primary = start_embedded(home / "primary", owner=True)
        try:
            report = await run(args, primary, home)
        finally:
            primary.stop()
    report.print_summary()
    print(f"saved {report.save()}")
    return 0


def reachable(home: Path) -> Path:
    """``home``, opened so that the server's own OS user reaches its data directories."""
    home.chmod(0o755)
    return home


@dataclass(frozen=True)
class Served:
    """One way's round: searches/s and CPU milliseconds per search."""

    rate: float
    client_ms: float
    primary_ms: float | None
    standby_ms: float | None


async def run(args: argparse.Namespace, primary: EmbeddedPostgres, home: Path) -> Report:
    """Load the primary, make the standby, measure; the report is returned unprinted."""
    machine = describe()
    store = bulkstore.generate(args.entities)
    memory = await Memory.open(_settings(home, primary.url, []))
    try:
        await memory.create_namespace(NAMESPACE)
        async with memory.database.acquire() as conn:
            await bulkstore.load(conn, NAMESPACE, store)
    finally:
        await memory.close()
    postmaster = int((primary.pgdata / "postmaster.pid").read_text().split()[0])
    with standby(primary.url, home / "standby") as replica:
        urls = {"primary": [], "replica": [replica.url], "both": [replica.url, primary.url]}
        results: dict[str, list[Served]] = {way: [] for way in WAYS}
        for _ in range(args.rounds):
            for way in WAYS:
                settings = _settings(home, primary.url, urls[way])
                results[way].append(await _serve(args, settings, store, (postmaster, replica)))
    report = Report(
        "replicas",
        machine,
        {
            "entities": args.entities,
            "facts": 2 * args.entities,
            "clients": args.clients,
            "searches": args.searches,
            "rounds": args.rounds,
        },
    )
    _figures(report, results, args.searches * args.rounds)
    report.notes.append(f"load average at the end {os.getloadavg()[0]:.2f}")
    return report


def _settings(home: Path, primary: str, replicas: list[str]) -> Settings:
    return Settings(
        home=home,
        database={"url": primary},
        replica={"urls": replicas},
        embedding={"provider": "none", "dimension": 384},
    )


async def _serve(
    args: argparse.Namespace,
    settings: Settings,
    store: bulkstore.Store,
    servers: tuple[int, Standby],
) -> Served:
    postmaster, replica = servers
    queries = Queries(store)
    vectors = [queries.vector() for _ in range(args.searches)]
    memory = await Memory.open(settings)
    try:

        async def client(mine: list[list[float]]) -> None:
            for vector in mine:
                query = SearchQuery(embedding=vector, weights=_only("vector"), k=10)
                await memory.search(NAMESPACE, query)

        warm = vectors[: max(args.clients, args.searches // 10)]
        await asyncio.gather(*(client(warm[i :: args.clients]) for i in range(args.clients)))
        before = _cpu(postmaster, replica.pid)
        start = time.perf_counter()
        await asyncio.gather(*(client(vectors[i :: args.clients]) for i in range(args.clients)))
        wall = time.perf_counter() - start
        await asyncio.sleep(0.2)  # the postmasters reap what ended
        after = _cpu(postmaster, replica.pid)
    finally:
        await memory.close()
    per = [_per_search(a, b, args.searches) for a, b in zip(before, after, strict=True)]
    assert per[0] is not None
    return Served(args.searches / wall, per[0], per[1], per[2])


def _cpu(postmaster: int, standby_pid: int) -> tuple[float | None, ...]:
    return (
        time.process_time() * 1000,
        backend_cpu.server_ms(postmaster),
        backend_cpu.server_ms(standby_pid),
    )


def _per_search(before: float | None, after: float | None, n: int) -> float | None:
    return None if before is None or after is None else (after - before) / n


def _figures(report: Report, results: dict[str, list[Served]], count: int) -> None:
    base = _median(results["primary"])
    for way in WAYS:
        served = _median(results[way])
        baseline = None if way == "primary" else base
        _add(report, f"{way}: searches/s", served.rate, baseline and baseline.rate, "/s", count)
        for part in ("client_ms", "primary_ms", "standby_ms"):
            value = getattr(served, part)
            if value is not None:
                name = f"{way}: {part.removesuffix('_ms')} cpu per search"
                report.add(Figure(name, value * 1000, "us", count))


def _add(report: Report, name: str, value: float, base: float | None, unit: str, n: int) -> None:
    report.add(Figure(name, value, unit, n, base, "primary alone" if base else ""))


def _median(rounds: list[Served]) -> Served:
    def mid(values: list[Any]) -> Any:
        known = [v for v in values if v is not None]
        return statistics.median(known) if len(known) == len(values) else None

    return Served(
        mid([r.rate for r in rounds]),
        mid([r.client_ms for r in rounds]),
        mid([r.primary_ms for r in rounds]),
        mid([r.standby_ms for r in rounds]),
    )
