"""``python -m bench import``: bulk-load throughput (statements/s) and peak memory of
``kgmem import`` on WN18RR (86,835 triples) and on a generated N-Triples file of
1,000,000 statements, against plain AGE Cypher in the same run.

Baseline, same run, same statements: AGE Cypher through ``cypher()`` with UNWIND
batches (1,000 rows): ``MERGE`` of the distinct vertices by uid (with the same unique
uid index kgmem has), then ``MATCH`` both ends by uid and ``CREATE`` the edge. Cypher is
slow here, so it runs on a sample (the first ``--baseline-triples`` statements of
WN18RR), which is large enough that its rate is stable. Both sides start from the
N-Triples text already on disk; the baseline's rows are parsed before its clock starts
(kgmem's parsing is inside its figure). kgmem writes no embeddings (``--no-embed``).

Peak memory is the largest resident set of this process during the load minus the
resident set before it (sampled every 20 ms), so the import's own working memory.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from bench.machine import describe
from bench.report import Figure, Report, Timer
from kgmem import Memory, Settings
from kgmem.io.loader import ImportOptions
from kgmem.io.ntriples import parse_line
from kgmem.storage.embedded import start_embedded

WN18RR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "wn18rr" / "train.txt"
BASELINE_GRAPH = "bench_cypher_import"
EX = "http://kgmem.example/"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench import")
    p.add_argument("--triples", type=int, default=1_000_000, help="size of the generated file")
    p.add_argument("--baseline-triples", type=int, default=10_000)
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


class PeakMemory:
    """Largest resident set while active, above the resident set at the start (bytes)."""

    def __enter__(self) -> PeakMemory:
        self.start = self.peak = _rss()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, _rss())
            time.sleep(0.02)

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.thread.join()
        self.grew = self.peak - self.start


def _rss() -> int:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096


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
            await run(args, url, Path(tmp))
        finally:
            if server is not None:
                server.stop()
    return 0


async def run(args: argparse.Namespace, url: str, tmp: Path) -> None:
    wn = tmp / "wn18rr.nt"
    gen = tmp / "generated.nt"
    wn_count = wn18rr_ntriples(wn)
    gen_count = generated_ntriples(gen, args.triples)
    report = Report(
        "import",
        describe(),
        {"wn18rr_triples": wn_count, "generated_triples": gen_count, "batch": args.batch,
         "baseline_sample": args.baseline_triples,
         "generated_mb": round(gen.stat().st_size / 2**20)},
    )  # fmt: skip
    settings = Settings(
        home=tmp, database={"url": url}, embedding={"provider": "none", "dimension": 384}
    )
    memory = await Memory.open(settings)
    conn = await asyncpg.connect(
        url, server_settings={"search_path": "ag_catalog, public", "jit": "off"}
    )
    await conn.execute("LOAD 'age'")
    try:
        baseline = await cypher_baseline(conn, wn, args.baseline_triples)
        print(
            f"AGE Cypher baseline: {baseline:,.0f} triples/s "
            f"on {args.baseline_triples:,} statements"
        )
        for name, path, count in (("wn18rr", wn, wn_count), ("generated", gen, gen_count)):
            await conn.execute("CHECKPOINT")
            await memory.create_namespace(f"bench_{name}")
            with PeakMemory() as peak, Timer() as t:
                result = await memory.import_file(
                    f"bench_{name}", path, ImportOptions(batch_size=args.batch, write_report=False)
                )
            assert result.records_rejected == 0
            assert result.records_read == count
            rate = count / t.seconds
            report.add(
                Figure(
                    f"kgmem import {name} (triples/s)",
                    rate,
                    "triples/s",
                    count,
                    baseline,
                    "AGE Cypher UNWIND",
                )
            )
            report.add(
                Figure(f"kgmem import {name} peak memory (MiB)", peak.grew / 2**20, "MiB", count)
            )
            report.notes.append(
                f"{name}: {count:,} triples in {t.seconds:.1f} s, "
                f"{result.vertices_created:,} vertices, "
                f"{result.edges_created:,} edges"
            )
        report.add(
            Figure(
                "AGE Cypher UNWIND MERGE/CREATE (triples/s)",
                baseline,
                "triples/s",
                args.baseline_triples,
            )
        )
    finally:
        await conn.close()
        await memory.close()
    report.print_summary()
    print(f"saved {report.save()}")


def _batches(items: list[object], size: int) -> Iterator[list[object]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


async def cypher_baseline(conn: asyncpg.Connection, path: Path, sample: int) -> float:
    """Triples/s of plain AGE Cypher loading the first ``sample`` statements of ``path``."""
    triples = []
    with path.open() as f:
        for n, line in enumerate(f, 1):
            q = parse_line(line.rstrip("\n"), n, quads=False)
            if q is not None:
                triples.append({"s": q.s, "p": q.p, "o": q.o})
            if len(triples) >= sample:
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
    sql = "SELECT * FROM cypher('" + BASELINE_GRAPH + "', $$ {q} $$, $1) AS (v agtype)"
    with Timer() as t:
        for chunk in _batches(list(uids), 1000):
            await conn.execute(
                sql.format(q="UNWIND $rows AS u MERGE (:Resource {uid: u})"),
                json.dumps({"rows": chunk}),
            )
        for chunk in _batches(list(triples), 1000):
            await conn.execute(
                sql.format(
                    q="UNWIND $rows AS r MATCH (a:Resource) WHERE a.uid = r.s "
                    "MATCH (b:Resource) WHERE b.uid = r.o CREATE (a)-[:REL {iri: r.p}]->(b)"
                ),
                json.dumps({"rows": chunk}),
            )
    return len(triples) / t.seconds
