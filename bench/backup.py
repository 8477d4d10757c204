"""``python -m bench backup``: ``kgmem backup`` and ``kgmem restore`` of a whole store
against plain ``pg_dump``/``pg_restore`` of the same database, in the same run.

The store is generated (``bench.bulkstore``: ``--entities`` per namespace, two facts
each, vectors, texts, places, times) in ``--namespaces`` namespaces. Each of ``--runs``
rounds takes a kgmem backup and a plain ``pg_dump -Fc`` of the database, restores each
into a new empty database of the same server, and drops those. Reported (medians):
wall time, the CPU of this process and the programs it ran (pg_dump, pg_restore, psql;
"client"), the CPU of the whole PostgreSQL server ("postgres"; only for the embedded
server, read from /proc), and the file sizes. Every kgmem restore verifies the backup's
checksum (it fails otherwise) and the bench checks it again, and runs a Cypher count on
both restored databases: the plain restore's graphs are expected to be broken
(apache/age#2503); it leaves out the indexes of ``id(n)``, whose expression names the
graph's oid, so that it completes at all. The checksum alone is timed too: backup and
restore each compute it once, which is most of what they cost beyond the dump and
restore themselves.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench import backend_cpu, bulkstore
from bench.machine import describe
from bench.report import Figure, Report
from bench.scratch import Scratch, measured
from kgmem import Memory, Settings
from kgmem.storage.backups import backup, checksum

PREFIX = "bench_backup_"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench backup")
    p.add_argument("--entities", type=int, default=20_000, help="entities per namespace")
    p.add_argument("--namespaces", type=int, default=1)
    p.add_argument("--runs", type=int, default=3, help="backup and restore rounds (median)")
    p.add_argument(
        "--database-url",
        default=None,
        help="measure this database (its server needs CREATEDB for the restore targets; "
        "no PostgreSQL CPU is reported); default: a fresh embedded server",
    )
    args = p.parse_args(argv)
    if args.entities < 10 or args.namespaces < 1 or args.runs < 1:
        p.error("--entities must be at least 10, --namespaces and --runs at least 1")
    return args


async def main(argv: list[str]) -> int:
    return await measured(parse(argv), "kgmem-bench-backup-", run, pgdata="pgdata")


@dataclass(frozen=True)
class Cost:
    """What one operation took: wall, client and PostgreSQL CPU in milliseconds."""

    wall_ms: float
    client_ms: float
    server_ms: float | None


class Meter:
    """Times operations: wall clock, this process and its children, the server's tree."""

    def __init__(self, postmaster: int | None) -> None:
        self.postmaster = postmaster

    def _server(self) -> float | None:
        return None if self.postmaster is None else backend_cpu.server_ms(self.postmaster)

    def measure(self, work: Callable[[], object]) -> Cost:
        server0, client0, start = self._server(), _client_ms(), time.perf_counter()
        work()
        wall = (time.perf_counter() - start) * 1000
        time.sleep(0.2)  # the postmaster reaps the backends that just ended
        server1 = self._server()
        server = None if server0 is None or server1 is None else server1 - server0
        return Cost(wall, _client_ms() - client0, server)


def _client_ms() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += (usage.ru_utime + usage.ru_stime) * 1000
    return total


async def fill(url: str, home: Path, args: argparse.Namespace) -> list[str]:
    """The generated namespaces, loaded into the store at ``url``."""
    settings = Settings(
        home=home, database={"url": url}, embedding={"provider": "none", "dimension": 384}
    )
    memory = await Memory.open(settings)
    names = [f"{PREFIX}{i}" for i in range(args.namespaces)]
    try:
        for name in names:
            await memory.create_namespace(name)
            async with memory.database.acquire() as conn:
                await bulkstore.load(conn, name, bulkstore.generate(args.entities))
    finally:
        await memory.close()
    return names


async def run(args: argparse.Namespace, place: Scratch) -> Report:
    """Fill the store at ``place``, then measure; the report is returned unprinted."""
    machine = describe()
    start = time.perf_counter()
    names = await fill(place.url, place.home, args)
    load_s = time.perf_counter() - start
    meter = Meter(place.server_pid())
    rounds: dict[str, list[Cost]] = {}
    with tempfile.TemporaryDirectory(prefix="kgmem-bench-backup-files-") as tmp:
        files = Path(tmp)
        for _ in range(args.runs):
            for name, cost in _round(place.url, files, meter, names).items():
                rounds.setdefault(name, []).append(cost)
        sizes = _sizes_kb(files)
        manifest = backup.read_manifest(files / "store.kgb")
    summed = meter.measure(lambda: checksum.summary(place.url, None))
    report = Report(
        "backup",
        machine,
        {
            "entities": args.entities * args.namespaces,
            "facts": 2 * args.entities * args.namespaces,
            "namespaces": args.namespaces,
            "vertices": manifest.vertices,
            "edges": manifest.edges,
            "runs": args.runs,
            "store load s": round(load_s, 1),
        },
    )
    _figures(report, rounds, sizes, args.runs)
    _add(report, "checksum of the store", summed, None, "", 1)
    report.notes.append(
        f"checksum {manifest.digest[:16]} verified after every kgmem restore; "
        f"load average at the end {os.getloadavg()[0]:.2f}"
    )
    return report


def _round(url: str, files: Path, meter: Meter, names: list[str]) -> dict[str, Cost]:
    kgb, plain = files / "store.kgb", files / "plain.dump"
    costs = {
        "kgmem backup": meter.measure(lambda: backup.backup(url, kgb)),
        "pg_dump": meter.measure(
            lambda: backup.run_tool([backup.pg_tool("pg_dump"), "-Fc", "-f", str(plain), "-d", url])
        ),
    }
    digest = backup.read_manifest(kgb).digest
    with _new_database(url) as target:
        costs["kgmem restore"] = meter.measure(lambda: backup.restore(target, kgb))
        with psycopg.connect(target) as conn:
            assert checksum.store_checksum(conn).digest() == digest, "restored checksum differs"
        _cypher_counts(target, names, expect_working=True)
    with _new_database(url) as target:
        # Less the id(n) indexes, which name the graph's old oid and would stop it at once.
        listed = plain.with_name(plain.name + ".list")
        listed.write_text(backup.without_id_indexes(plain))
        restore = [backup.pg_tool("pg_restore"), "--no-owner", "--no-privileges", "-L", str(listed)]
        costs["pg_restore"] = meter.measure(
            lambda: backup.run_tool([*restore, "--single-transaction", "-d", target, str(plain)])
        )
        _cypher_counts(target, names, expect_working=False)
    return costs


def _sizes_kb(files: Path) -> dict[str, float]:
    return {f.name: f.stat().st_size / 1024 for f in files.iterdir()}


@contextmanager
def _new_database(url: str) -> Iterator[str]:
    """An empty database on ``url``'s server, dropped afterwards."""
    name = f"{PREFIX}restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _cypher_counts(url: str, names: list[str], *, expect_working: bool) -> None:
    """Count each restored graph's vertices with Cypher; after a plain restore AGE is
    expected to have lost the graphs (their oids are the source database's)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("LOAD 'age'")
        conn.execute('SET search_path = ag_catalog, "$user", public')
        for name in names:
            query = sql.SQL(
                "SELECT * FROM cypher({}, $$ MATCH (n) RETURN count(n) $$) AS (n agtype)"
            ).format(sql.Literal(name))
            try:
                row = conn.execute(query).fetchone()
                works = row is not None and int(str(row[0])) > 0
            except psycopg.Error:
                works = False
            if works != expect_working:
                state = "works" if works else "fails"
                raise AssertionError(f"Cypher on restored graph {name} {state}")


def _figures(
    report: Report, rounds: dict[str, list[Cost]], sizes: dict[str, float], runs: int
) -> None:
    for ours, plain in (("kgmem backup", "pg_dump"), ("kgmem restore", "pg_restore")):
        _add(report, ours, _median(rounds[ours]), _median(rounds[plain]), f"plain {plain}", runs)
    report.add(
        Figure("backup file kB", sizes["store.kgb"], "kB", runs, sizes["plain.dump"], "pg_dump -Fc")
    )


def _median(costs: list[Cost]) -> Cost:
    servers = [c.server_ms for c in costs if c.server_ms is not None]
    return Cost(
        statistics.median(c.wall_ms for c in costs),
        statistics.median(c.client_ms for c in costs),
        statistics.median(servers) if len(servers) == len(costs) else None,
    )


def _add(report: Report, name: str, cost: Cost, base: Cost | None, base_name: str, n: int) -> None:
    parts: list[tuple[str, float | None, float | None]] = [
        ("wall", cost.wall_ms, base.wall_ms if base else None),
        ("client cpu", cost.client_ms, base.client_ms if base else None),
        ("postgres cpu", cost.server_ms, base.server_ms if base else None),
    ]
    for part, value, baseline in parts:
        if value is not None:
            report.add(Figure(f"{name} {part}", value, "ms", n, baseline, base_name))
