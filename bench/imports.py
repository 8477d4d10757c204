"""``python -m bench import``: bulk-load throughput (statements/s) and peak memory of
``kgmem import`` on WN18RR (86,835 triples) and on a generated N-Triples file of
1,000,000 statements, against plain AGE Cypher and against a bare-AGE floor, all in the
same run.

Floor (``bench.import_floor``): the cheapest load of WN18RR into a bare AGE graph, text
COPY straight into AGE's label tables with ids from the label sequences, and, timed
apart, Python alone parsing the file and encoding the COPY rows. It shows how much of
the time per statement AGE and Python themselves take here, whatever kgmem does.

Baselines, same run, same statements (the first ``--baseline-triples`` of WN18RR,
by default all of them, the statements kgmem's WN18RR figure loads), AGE Cypher
through ``cypher()`` with UNWIND batches of 1,000 rows, both printed: ``CREATE`` of the
distinct vertices (deduplicated in Python first, as kgmem deduplicates a batch; unique
uid index), then ``MATCH`` both ends by uid and ``CREATE`` the edge (the flattering
baseline); and ``MERGE`` of the vertices (with a GIN index on ``properties`` that AGE's
MERGE uses, without pending list) and of the edges after the same MATCHes (the
like-for-like one: kgmem's import is an idempotent upsert by uid). The edge CREATE and
the edge MERGE cost more per row as the graph grows (AGE checks each new edge's
endpoints with a sequential scan of the vertices; MERGE also scans the edges), so both
rates fall with the sample's size: measured on this machine, CREATE went from 4,326
statements/s on 2,500 statements to 1,970 on 10,000 (the former default) and about
1,130 on 40,000 and on all 86,835. The CREATE baseline is therefore also run on the
first half of its sample, which shows how much its rate still depends on the size.
Both sides start from the N-Triples text already on disk; the baselines' rows are
parsed before their clock starts (kgmem's parsing is inside its figure). kgmem writes
no embeddings (``--no-embed``).

A **server floor** (``bench.import_rows_floor``) follows the WN18RR import: the rows
and indexes that load left, copied back into index-less tables and indexed and analysed
again, with only PostgreSQL's CPU counted. Its sum per statement bounds every load of
those rows on this machine (cores / sum statements per second), whatever the importer
does.

Each import runs in a fresh child process, which reports its peak resident set
(``ru_maxrss``, absolute) and how much it grew during the load: the generated file is
about 12 times WN18RR's size, so similar peaks mean memory flat in file size. Because
the machine may be shared, every figure comes with the load average and with CPU time
per triple, of the importing process and (embedded server only) of PostgreSQL's
processes: those do not stretch with other processes' load the way wall time does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import resource
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from bench.import_floor import Floor, measure_floor
from bench.import_rows_floor import measure_rows_floor
from bench.machine import describe
from bench.report import Figure, Report, Timer
from kgmem import Memory, Settings
from kgmem.io.loader import ImportOptions
from kgmem.io.ntriples import parse_line
from kgmem.storage.engine.embedded import start_embedded

WN18RR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "wn18rr" / "train.txt"
BASELINE_GRAPH = "bench_cypher_import"
EX = "http://kgmem.example/"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench import")
    p.add_argument("--triples", type=int, default=1_000_000, help="size of the generated file")
    p.add_argument("--baseline-triples", type=int, default=0, help="0: all of WN18RR")
    p.add_argument("--batch", type=int, default=20_000, help="kgmem statements per batch")
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    return p.parse_args(argv)


def wn18rr_ntriples(target: Path) -> int:
    """WN18RR's training triples as N-Triples (synsets and relations as IRIs)."""
    count = 0
    with WN18RR.open() as src, target.open("w") as out:
        for line in src:
            head, rel, tail = line.split()
            out.write(f"<{EX}synset/{head}> <{EX}wn/{rel.lstrip('_')}> <{EX}synset/{tail}> .\n")
            count += 1
    return count


def generated_ntriples(target: Path, triples: int) -> int:
    """A typed graph: per entity a type, a name, a number and two edges (5 statements)."""
    rng = random.Random(7)
    entities = triples // 5
    kinds = ("Person", "Organization", "Place", "Concept")
    rels = ("knows", "worksAt", "locatedIn", "relatedTo", "partOf")
    xsd = "http://www.w3.org/2001/XMLSchema#integer"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    with target.open("w") as out:
        for i in range(entities):
            s = f"<{EX}e/{i}>"
            out.write(f"{s} <{rdf_type}> <{EX}{kinds[i % 4]}> .\n")
            out.write(f'{s} <{EX}name> "Entity number {i}" .\n')
            out.write(f'{s} <{EX}rank> "{rng.randrange(10_000)}"^^<{xsd}> .\n')
            for _ in range(2):
                out.write(f"{s} <{EX}{rng.choice(rels)}> <{EX}e/{rng.randrange(entities)}> .\n")
    return entities * 5


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


def server_cpu(pgdata: Path | None) -> float:
    """CPU seconds used so far by the PostgreSQL server of ``pgdata``: the postmaster,
    its live children and its exited (reaped) children. 0 when unknown."""
    if pgdata is None or not (pgdata / "postmaster.pid").exists():
        return 0.0
    try:
        server = psutil.Process(int((pgdata / "postmaster.pid").read_text().split()[0]))
        times = server.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        children = server.children()
    except psutil.Error:
        return 0.0
    for child in children:
        try:
            child_times = child.cpu_times()
        except psutil.Error:  # exited meanwhile: counted among the reaped
            continue
        total += child_times.user + child_times.system
    return total


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (the importer's reading
    process)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _child_import(url: str, home: str, namespace: str, path: str, batch: int) -> dict[str, Any]:
    """Import ``path`` in this (child) process; its timings and memory."""
    return asyncio.run(_child(url, Path(home), namespace, Path(path), batch))


async def _child(url: str, home: Path, namespace: str, path: Path, batch: int) -> dict[str, Any]:
    settings = Settings(
        home=home, database={"url": url}, embedding={"provider": "none", "dimension": 384}
    )
    memory = await Memory.open(settings)
    try:
        await memory.create_namespace(namespace)
        before = _rss()
        cpu = _cpu()
        with Timer() as t:
            result = await memory.import_file(
                namespace, path, ImportOptions(batch_size=batch, write_report=False)
            )
        return {
            "seconds": t.seconds,
            "cpu": _cpu() - cpu,  # with the reading process's
            "rss_before": before,
            "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "read": result.records_read,
            "rejected": result.records_rejected,
            "vertices": result.vertices_created,
            "edges": result.edges_created,
        }
    finally:
        await memory.close()


async def main(argv: list[str]) -> int:
    args = parse(argv)
    if not WN18RR.exists():
        print(f"missing {WN18RR}: the WN18RR figures need ../shared/data")
        return 1
    with tempfile.TemporaryDirectory(prefix="kgmem-bench-import-") as tmp:
        server = None
        url = args.database_url
        if url is None:
            server = start_embedded(Path(tmp) / "pg", owner=True)
            url = server.url
        try:
            pgdata = server.pgdata if server is not None else None
            await run(args, url, Path(tmp), pgdata)
        finally:
            if server is not None:
                server.stop()
    return 0


async def run(args: argparse.Namespace, url: str, tmp: Path, pgdata: Path | None) -> None:
    wn = tmp / "wn18rr.nt"
    gen = tmp / "generated.nt"
    wn_count = wn18rr_ntriples(wn)
    gen_count = generated_ntriples(gen, args.triples)
    report = Report(
        "import",
        describe(),
        {"wn18rr_triples": wn_count, "generated_triples": gen_count, "batch": args.batch,
         "baseline_sample": args.baseline_triples,
         "wn18rr_mb": round(wn.stat().st_size / 2**20, 1),
         "generated_mb": round(gen.stat().st_size / 2**20)},
    )  # fmt: skip
    conn = await asyncpg.connect(
        url, server_settings={"search_path": "ag_catalog, public", "jit": "off"}
    )
    await conn.execute("LOAD 'age'")
    # kgmem's schema first (the child processes then open a migrated store).
    memory = await Memory.open(
        Settings(home=tmp, database={"url": url}, embedding={"provider": "none", "dimension": 384})
    )
    await memory.close()
    spawn = multiprocessing.get_context("spawn")
    try:
        floor = await _floor(conn, wn, pgdata, report)
        baselines = await _baselines(conn, wn, args.baseline_triples, pgdata, report)
        for name, path, count in (("wn18rr", wn, wn_count), ("generated", gen, gen_count)):
            await conn.execute("CHECKPOINT")
            load = os.getloadavg()[0]
            cpu0 = server_cpu(pgdata)
            with ProcessPoolExecutor(1, mp_context=spawn) as pool:
                r = await asyncio.get_running_loop().run_in_executor(
                    pool, _child_import, url, str(tmp), f"bench_{name}", str(path), args.batch
                )
            server = server_cpu(pgdata) - cpu0
            assert r["rejected"] == 0, r
            assert r["read"] == count, r
            rate = count / r["seconds"]
            report.add(Figure(f"kgmem import {name} (triples/s)", rate, "triples/s", count,
                              baselines["create"].rate, "AGE Cypher UNWIND CREATE"))  # fmt: skip
            merge = baselines["merge"].rate
            report.add(Figure(f"kgmem import {name} vs MERGE (triples/s)", rate, "triples/s",
                              count, merge, "AGE Cypher UNWIND MERGE"))  # fmt: skip
            if name == "wn18rr":
                report.add(Figure("kgmem import wn18rr vs floor (triples/s)", rate, "triples/s",
                                  count, floor.rate, "bare AGE COPY floor"))  # fmt: skip
            report.add(
                Figure(f"kgmem import {name} peak RSS (MiB)", r["peak_rss"] / 2**20, "MiB", count)
            )
            grew = (r["peak_rss"] - r["rss_before"]) / 2**20
            note = (
                f"{name}: {count:,} triples in {r['seconds']:.1f} s, {r['vertices']:,} vertices, "
                f"{r['edges']:,} edges; CPU per triple: importer {r['cpu'] / count * 1e6:.1f} us, "
                f"server {server / count * 1e6:.1f} us; peak RSS {r['peak_rss'] / 2**20:.0f} MiB "
                f"({grew:+.0f} MiB during the load); load average {load:.1f} -> "
                f"{os.getloadavg()[0]:.1f}"
            )
            print("  " + note, flush=True)
            report.notes.append(note)
            if name == "wn18rr" and pgdata is not None:
                await _rows_floor(conn, f"bench_{name}", count, pgdata, report)
        for verb, b in baselines.items():
            report.add(Figure(f"AGE Cypher UNWIND {verb.upper()} (triples/s)", b.rate,
                              "triples/s", b.statements))  # fmt: skip
    finally:
        await conn.close()
    report.print_summary()
    print(f"saved {report.save()}")


async def _floor(conn: asyncpg.Connection, wn: Path, pgdata: Path | None, report: Report) -> Floor:
    """The bare-AGE floor on WN18RR (``bench.import_floor``), printed and noted."""
    load = os.getloadavg()[0]
    floor = await measure_floor(conn, wn, lambda: server_cpu(pgdata))
    note = f"{floor.describe()}; load average {load:.1f} -> {os.getloadavg()[0]:.1f}"
    print("  WN18RR " + note, flush=True)
    report.notes.append("WN18RR " + note)
    report.add(Figure("floor: bare AGE COPY, WN18RR (triples/s)", floor.rate, "triples/s",
                      floor.triples))  # fmt: skip
    return floor


async def _rows_floor(
    conn: asyncpg.Connection, namespace: str, count: int, pgdata: Path, report: Report
) -> None:
    """The server's floor under kgmem's load (``bench.import_rows_floor``): what
    PostgreSQL alone spends on the rows and indexes of the load just made."""
    rows = await measure_rows_floor(conn, namespace, count, lambda: server_cpu(pgdata))
    cores = os.cpu_count() or 1
    note = "WN18RR " + rows.describe(cores)
    print("  " + note, flush=True)
    report.notes.append(note)
    report.add(Figure("server floor: kgmem's rows, WN18RR (server CPU us/triple)",
                      rows.per_triple(rows.total), "us/triple", count))  # fmt: skip
    report.add(Figure(f"server floor: ceiling on {cores} cores (triples/s)",
                      rows.ceiling(cores), "triples/s", count))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Baseline:
    """One Cypher baseline: statements, distinct vertices and wall seconds of its load."""

    statements: int
    vertices: int
    seconds: float

    @property
    def rate(self) -> float:
        """Statements per second, vertices and edges together."""
        return self.statements / self.seconds


async def _baselines(
    conn: asyncpg.Connection, wn: Path, sample: int, pgdata: Path | None, report: Report
) -> dict[str, Baseline]:
    """Both Cypher baselines on the first ``sample`` WN18RR statements (0: all), printed
    and noted. Their cost per edge grows with the vertices loaded before the edges (see
    ``cypher_baseline``), so a small sample flatters them; the CREATE baseline is also
    run on the first half of the sample, which shows whether the sample is large enough
    for a stable rate."""
    baselines: dict[str, Baseline] = {}
    for verb in ("create", "merge"):
        load = os.getloadavg()[0]
        base_cpu = server_cpu(pgdata)
        b = baselines[verb] = await cypher_baseline(conn, wn, sample, verb)
        base_server = server_cpu(pgdata) - base_cpu
        half = None
        if verb == "create":
            half = await cypher_baseline(conn, wn, max(1, b.statements // 2), verb)
        note = (
            f"AGE Cypher {verb.upper()} baseline: {b.rate:,.0f} triples/s on "
            f"{b.statements:,} statements ({b.vertices:,} vertices) in {b.seconds:.0f} s "
            f"(server CPU {base_server / b.statements * 1e6:,.0f} us/triple; load "
            f"{load:.1f} -> {os.getloadavg()[0]:.1f})"
        )
        if half is not None:
            note += (
                f"; on the first {half.statements:,} statements ({half.vertices:,} vertices): "
                f"{half.rate:,.0f} triples/s"
            )
        print("  " + note, flush=True)
        report.notes.append(note)
    return baselines


def _batches(items: list[object], size: int) -> Iterator[list[object]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


async def cypher_baseline(
    conn: asyncpg.Connection, path: Path, sample: int, verb: str = "create"
) -> Baseline:
    """Plain AGE Cypher loading the first ``sample`` statements of ``path`` (all of them
    when ``sample`` is 0 or more than the file has).

    ``create``: ``CREATE`` of the deduplicated vertices, then ``MATCH`` both ends by uid
    (unique expression index on ``uid``) and ``CREATE`` the edge. ``merge`` (the like-for-
    like baseline: kgmem's import is an idempotent upsert by uid): ``MERGE`` of the
    vertices, then ``MATCH`` both ends and ``MERGE`` the edge. AGE plans the pattern
    ``{uid: u}`` of a MERGE as ``properties @> {"uid": u}``, which a GIN index on
    ``properties`` answers; it is built with ``fastupdate = off``, because with the
    default pending list every lookup also scans the list of recent insertions, which
    makes each MERGE cost more as the load goes on (measured: 45 s for the 13,833
    vertices of 10,000 statements with it, 1.6 s without). The edge MERGE has no index
    to use: AGE checks each row against the edge label table (measured 166 buffer hits
    per row at 10,000 edges), so its cost per row grows with the sample. The edge CREATE
    grows too: AGE 1.7 checks that both endpoints exist with a sequential scan of the
    vertex table (measured: 163 buffer hits per created edge with 13,833 vertices, about
    the pages of that table; apache/age#2351 replaces the scan with an index scan), so
    each edge costs in proportion to the vertices of the sample."""
    triples = []
    with path.open() as f:
        for n, line in enumerate(f, 1):
            q = parse_line(line.rstrip("\n"), n, quads=False)
            if q is not None:
                triples.append({"s": q.s, "p": q.p, "o": q.o})
            if sample and len(triples) >= sample:
                break
    uids = sorted({t["s"] for t in triples} | {t["o"] for t in triples})
    if await conn.fetchval("SELECT count(*) FROM ag_graph WHERE name = $1", BASELINE_GRAPH):
        await conn.execute("SELECT drop_graph($1, true)", BASELINE_GRAPH)
    await conn.execute("SELECT create_graph($1)", BASELINE_GRAPH)
    await conn.execute(f"SELECT create_vlabel('{BASELINE_GRAPH}', 'Resource')")
    await conn.execute(f"SELECT create_elabel('{BASELINE_GRAPH}', 'REL')")
    await conn.execute(
        f'CREATE UNIQUE INDEX ON {BASELINE_GRAPH}."Resource" (ag_catalog.agtype_access_'
        "operator(VARIADIC ARRAY[properties, '\"uid\"'::agtype]))"
    )
    if verb == "merge":
        await conn.execute(
            f'CREATE INDEX ON {BASELINE_GRAPH}."Resource" USING gin (properties) '
            "WITH (fastupdate = off)"
        )
    word = "MERGE" if verb == "merge" else "CREATE"
    sql = "SELECT * FROM cypher('" + BASELINE_GRAPH + "', $$ {q} $$, $1) AS (v agtype)"
    with Timer() as t:
        for chunk in _batches(list(uids), 1000):
            await conn.execute(
                sql.format(q=f"UNWIND $rows AS u {word} (:Resource {{uid: u}})"),
                json.dumps({"rows": chunk}),
            )
        # Statistics, so the planner takes the uid index for the MATCHes below.
        await conn.execute(f'ANALYZE {BASELINE_GRAPH}."Resource"')
        for chunk in _batches(list(triples), 1000):
            await conn.execute(
                sql.format(
                    q="UNWIND $rows AS r MATCH (a:Resource) WHERE a.uid = r.s "
                    f"MATCH (b:Resource) WHERE b.uid = r.o {word} (a)-[:REL {{iri: r.p}}]->(b)"
                ),
                json.dumps({"rows": chunk}),
            )
    await conn.execute("SELECT drop_graph($1, true)", BASELINE_GRAPH)
    return Baseline(len(triples), len(uids), t.seconds)
