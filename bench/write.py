"""``python -m bench write``: entity upserts/s and facts/s, single and batched, at 100k
entities with caller-supplied 384-dimension vectors, plus the default model's embedding
throughput.

Baseline, same run, same data: plain AGE Cypher CREATE statements (one per row for the
single figures, UNWIND batches of the same size for the batched ones), with the vector
stored as a list property, the way Cypher alone would hold it, and therefore without any
vector index (kgmem also maintains HNSW, BM25 and B-tree indexes). Both sides get their
inputs prepared before the clock starts (kgmem's write objects, the baseline's row
maps); each side's own encoding and database work is timed. Phases are separated by
VACUUM ANALYZE and CHECKPOINT, outside the timings.

The batched facts are also written by ``--writers`` (default 2 and 4) concurrent writers
sharing the Memory, the baseline's batches going over as many connections; ``--only
facts`` runs just those phases. Every phase notes CPU per item of the client and of
the server and the cores each kept busy, which the machine's load distorts far less
than wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg

from bench.generate import Graph
from bench.imports import server_cpu
from bench.machine import describe
from bench.report import Figure, Report, Timer
from bench.scratch import scratch
from kgmem import BatchWrite, EntityWrite, FactWrite, Memory, Settings

BASELINE_GRAPH = "bench_cypher"
NAMESPACE = "bench_kgmem"
LABELS = ("Person", "Organization", "Place", "Concept")


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench write")
    p.add_argument("--entities", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=1_000)
    p.add_argument("--singles", type=int, default=2_000, help="single writes to time")
    p.add_argument(
        "--baseline-facts",
        type=int,
        default=2_000,
        help="facts written one Cypher statement each (slow, so sampled)",
    )
    p.add_argument("--vector-facts", type=int, default=20_000)
    p.add_argument("--embed-texts", type=int, default=2_000)
    p.add_argument(
        "--writers",
        default="2,4",
        help="concurrent writers of the extra batched-facts phases (comma-separated; '' none)",
    )
    p.add_argument(
        "--only",
        choices=("facts",),
        default=None,
        help="facts: only the batched-facts phases (entities written first, untimed, "
        "without vectors); about 2 minutes instead of 9",
    )
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    args = p.parse_args(argv)
    args.writers = [int(w) for w in args.writers.split(",") if w.strip()]
    if any(w < 1 for w in args.writers):
        p.error("--writers: each count must be at least 1")
    return args


async def main(argv: list[str]) -> int:
    args = parse(argv)
    with scratch(args.database_url, "kgmem-bench-") as space:
        report = await run(args, space.url, space.home, space.pgdata)
    report.print_summary()
    print(f"saved {report.save()}")
    return 0


async def run(args: argparse.Namespace, url: str, home: Path, pgdata: Path | None) -> Report:
    graph = Graph(args.entities)
    report = Report(
        "write",
        describe(),
        {"entities": graph.n, "facts": graph.n, "batch": args.batch, "vector_dimension": 384},
    )
    settings = Settings(
        home=home, database={"url": url}, embedding={"provider": "none", "dimension": 384}
    )
    memory = await Memory.open(settings)
    report.data["postgres"] = memory.database.server_version
    report.data["age"] = memory.database.extensions.get("age", "?")
    conn = await baseline_connection(url)
    try:
        await memory.create_namespace(NAMESPACE)
        await prepare_baseline(conn)
        print(f"writing {graph.n:,} entities and facts (batches of {args.batch:,}) ...")
        args.database_url = url
        bench = Bench(memory, conn, graph, report, args, pgdata)
        concurrent = [bench.facts_concurrent(w) for w in args.writers]
        if args.only == "facts":
            await bench.entities_untimed()
            await settle(conn)
            phases = [bench.facts_batched, *concurrent]
        else:
            phases = [
                bench.entities_batched,
                bench.entities_without_vectors,
                bench.facts_batched,
                *concurrent,
                bench.facts_with_vectors,
                bench.single_entities,
                bench.single_facts,
            ]
        for phase in phases:
            await phase()
            await settle(conn)
        if args.only is None:
            await embedding_throughput(report, args.embed_texts)
    finally:
        await conn.close()
        await memory.close()
    return report


async def prepare_baseline(conn: asyncpg.Connection) -> None:
    if await conn.fetchval("SELECT count(*) FROM ag_graph WHERE name = $1", BASELINE_GRAPH):
        await conn.execute("SELECT drop_graph($1, true)", BASELINE_GRAPH)
    await conn.execute("SELECT create_graph($1)", BASELINE_GRAPH)
    for label in LABELS:
        await conn.execute(f"SELECT create_vlabel('{BASELINE_GRAPH}', '{label}')")
        # The same uid index kgmem has, so MATCH by uid is an index probe in both.
        await conn.execute(
            f'CREATE UNIQUE INDEX ON {BASELINE_GRAPH}."{label}" (ag_catalog.agtype_access_'
            "operator(VARIADIC ARRAY[properties, '\"uid\"'::agtype]))"
        )


async def baseline_connection(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(
        url, server_settings={"search_path": "ag_catalog, public", "jit": "off"}
    )
    await conn.execute("LOAD 'age'")
    return conn


async def settle(conn: asyncpg.Connection) -> None:
    """Between phases, outside the timings: vacuum, analyse and checkpoint, so that one
    phase's autovacuum and dirty pages do not land in the next phase's figure."""
    await conn.execute("VACUUM ANALYZE")
    await conn.execute("CHECKPOINT")


def cypher(query: str, columns: str = "v agtype") -> str:
    return f"SELECT * FROM cypher('{BASELINE_GRAPH}', $$ {query} $$, $1) AS ({columns})"


def entity_row(e: EntityWrite) -> dict[str, Any]:
    return {"uid": e.uid, "label": e.label, **e.properties, "embedding": list(e.embedding or [])}


def fact_row(f: FactWrite) -> dict[str, Any]:
    row = {
        "s": f.subject,
        "o": f.object,
        "uid": f.uid,
        "valid_from": f.valid_from.isoformat() if f.valid_from else None,
        "confidence": f.confidence,
        **f.properties,
    }
    if f.embedding is not None:
        row["embedding"] = list(f.embedding)
    return row


def batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def dealt(items: list[Any], writers: int) -> list[list[Any]]:
    """``items`` (batches) dealt round-robin to ``writers``, so that every writer gets
    batches from the whole run and they finish together."""
    return [items[w::writers] for w in range(writers)]


async def together(jobs: list[Any]) -> None:
    """Run the writers' coroutines at once; the first failure stops the others."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class Bench:
    """The phases, sharing the store, the baseline connection and the data."""

    def __init__(
        self,
        memory: Memory,
        conn: asyncpg.Connection,
        graph: Graph,
        report: Report,
        args: argparse.Namespace,
        pgdata: Path | None = None,
    ) -> None:
        self.memory, self.conn, self.graph, self.report, self.args = (
            memory,
            conn,
            graph,
            report,
            args,
        )
        self.pgdata = pgdata

    async def write(
        self,
        entities: list[EntityWrite],
        facts: list[FactWrite],
        name: str = "",
        writers: int = 1,
    ) -> float:
        """Seconds to write these in batches through kgmem; with ``name``, also notes
        the CPU time per item of this process and of the PostgreSQL server (which the
        machine's load does not inflate the way it inflates wall time). ``writers`` > 1:
        the batches are dealt to that many writers sharing the Memory (as a server's
        requests share it), each sending its batches one after another, all at once."""
        size = self.args.batch

        async def writer(work: list[BatchWrite]) -> None:
            for batch in work:
                await self.memory.write_batch(NAMESPACE, batch)

        work = [BatchWrite(entities=chunk) for chunk in batches(entities, size)]
        work += [BatchWrite(facts=chunk) for chunk in batches(facts, size)]
        # As `kgmem serve` freezes its start-up heap, the inputs prepared here (a server
        # holds no such thing) stay out of the collector's full passes.
        gc.collect()
        gc.freeze()
        client, server = time.process_time(), server_cpu(self.pgdata)
        with Timer() as t:
            if writers == 1 or not facts or entities:
                await writer(work)
            else:
                await together([writer(share) for share in dealt(work, writers)])
        client, server = time.process_time() - client, server_cpu(self.pgdata) - server
        gc.unfreeze()
        count = len(entities) + len(facts)
        if name and count:
            per = 1e6 / count
            split = f"PostgreSQL {server * per:.0f} us" if self.pgdata else "server not measured"
            # Cores kept busy on average: the client's one Python thread cannot pass 1.0
            # (the GIL); client and server together cannot pass the machine's cores.
            busy = f"client {client / t.seconds:.2f}" + (
                f", PostgreSQL {server / t.seconds:.2f}" if self.pgdata else ""
            )
            self.report.notes.append(
                f"{name}: per item {t.seconds * per:.0f} us wall; CPU: client {client * per:.0f} "
                f"us, {split}; cores busy: {busy} (load average {os.getloadavg()[0]:.1f})"
            )
            print(f"    {self.report.notes[-1]}", flush=True)
        return t.seconds

    async def entities_untimed(self) -> None:
        """The entities, without vectors and untimed, on both sides: what the facts
        phases need (``--only facts``)."""
        entities = [replace(e, embedding=None) for e in self.graph.entities()]
        await self.write(entities, [])
        rows = [entity_row(e) for e in entities]
        for chunk in batches(rows, self.args.batch):
            for label in LABELS:
                mine = [
                    {k: v for k, v in r.items() if k != "embedding"}
                    for r in chunk
                    if r["label"] == label
                ]
                await self.conn.execute(
                    cypher(f"UNWIND $rows AS r CREATE (n:{label}) SET n = r"),
                    json.dumps({"rows": mine}),
                )
        print(f"  (entities written untimed: {self.graph.n:,})", flush=True)

    async def entities_batched(self) -> None:
        entities = list(self.graph.entities())
        ours = self.graph.n / await self.write(entities, [], "entities/s, batched")
        rows = [entity_row(e) for e in entities]
        by_label = [
            (label, [r for r in chunk if r["label"] == label])
            for chunk in batches(rows, self.args.batch)
            for label in LABELS
        ]
        with Timer() as b:
            for label, chunk in by_label:
                await self.conn.execute(
                    cypher(f"UNWIND $rows AS r CREATE (n:{label}) SET n = r"),
                    json.dumps({"rows": chunk}),
                )
        self.report.add(
            Figure(
                "entities/s, batched",
                ours,
                "entities/s",
                self.graph.n,
                self.graph.n / b.seconds,
                "Cypher UNWIND CREATE",
            )
        )

    async def entities_without_vectors(self) -> None:
        """The same kind of entities without vectors: the cost besides HNSW upkeep."""
        count = min(self.graph.n, 20_000)
        entities = [
            replace(e, uid=f"n{e.uid}", embedding=None) for e in self.graph.entities(0, count)
        ]
        ours = count / await self.write(entities, [])
        self.report.add(
            Figure("entities/s, batched, no vectors (no HNSW upkeep)", ours, "entities/s", count)
        )

    async def facts_batched(self) -> None:
        facts = list(self.graph.facts(0, self.graph.n, with_vector=False))
        await self._facts("facts/s, batched", facts)

    def facts_concurrent(self, writers: int) -> Any:
        """The batched facts phase again (new fact uids, the same endpoints) with the
        batches dealt to ``writers`` concurrent writers; the baseline's UNWIND batches
        go over as many connections at once."""

        async def phase() -> None:
            facts = [
                replace(f, uid=f"w{writers}{f.uid}")
                for f in self.graph.facts(0, self.graph.n, with_vector=False)
            ]
            await self._facts(f"facts/s, batched, {writers} writers", facts, writers)

        phase.__name__ = f"facts_concurrent_{writers}"
        return phase

    async def facts_with_vectors(self) -> None:
        count = min(self.graph.n, self.args.vector_facts)
        facts = [replace(f, uid=f"v{f.uid}") for f in self.graph.facts(0, count, with_vector=True)]
        await self._facts("facts/s, batched, with vectors", facts)

    async def _facts(self, name: str, facts: list[FactWrite], writers: int = 1) -> None:
        ours = len(facts) / await self.write([], facts, name, writers)
        sample = facts[:20_000]
        chunks = [
            json.dumps({"rows": [fact_row(f) for f in chunk]})
            for chunk in batches(sample, self.args.batch)
        ]
        sql = cypher(
            "UNWIND $rows AS r MATCH (a) WHERE a.uid = r.s "
            "MATCH (b) WHERE b.uid = r.o CREATE (a)-[e:REL]->(b) SET e = r"
        )
        conns = [self.conn]
        try:
            conns += [await baseline_connection(self.args.database_url) for _ in range(writers - 1)]

            async def writer(conn: asyncpg.Connection, work: list[str]) -> None:
                for params in work:
                    await conn.execute(sql, params)

            with Timer() as b:
                await together(
                    [writer(c, w) for c, w in zip(conns, dealt(chunks, writers), strict=True)]
                )
        finally:
            for extra in conns[1:]:
                await extra.close()
        self.report.add(
            Figure(
                name,
                ours,
                "facts/s",
                len(facts),
                len(sample) / b.seconds,
                "Cypher UNWIND MATCH/CREATE"
                + (f" on {writers} connections" if writers > 1 else ""),
            )
        )

    async def single_entities(self) -> None:
        count = self.args.singles
        entities = [replace(e, uid=f"s{e.uid}") for e in self.graph.entities(0, count)]
        with Timer() as t:
            for e in entities:
                await self.memory.upsert_entity(NAMESPACE, e)
        statements = []
        for e in entities:
            row = entity_row(e)
            label = row.pop("label")
            props = ", ".join(f"{k}: ${k}" for k in row)
            statements.append((cypher(f"CREATE (n:{label} {{{props}}})"), json.dumps(row)))
        with Timer() as b:
            for sql, params in statements:
                await self.conn.execute(sql, params)
        self.report.add(
            Figure(
                "entity upserts/s, single",
                count / t.seconds,
                "entities/s",
                count,
                count / b.seconds,
                "Cypher CREATE per statement",
            )
        )

    async def single_facts(self) -> None:
        count, sample = self.args.singles, self.args.baseline_facts
        facts = [replace(f, uid=f"s{f.uid}") for f in self.graph.facts(0, count, with_vector=False)]
        with Timer() as t:
            for f in facts:
                await self.memory.add_fact(NAMESPACE, f)
        sql = cypher(
            "MATCH (a) WHERE a.uid = $s MATCH (b) WHERE b.uid = $o "
            "CREATE (a)-[e:REL {uid: $uid}]->(b)"
        )
        params = [
            json.dumps({"s": f.subject, "o": f.object, "uid": f"x{f.uid}"}) for f in facts[:sample]
        ]
        with Timer() as b:
            for p in params:
                await self.conn.execute(sql, p)
        self.report.add(
            Figure(
                "facts/s, single (written and read back)",
                count / t.seconds,
                "facts/s",
                count,
                len(params) / b.seconds,
                "Cypher MATCH/CREATE per statement",
            )
        )


async def embedding_throughput(report: Report, count: int) -> None:
    from kgmem.embedding.local import LocalEmbedder
    from kgmem.settings.config import EmbeddingSettings

    embedder = LocalEmbedder(EmbeddingSettings(provider="local"))
    started = time.perf_counter()
    await embedder.load()
    load = time.perf_counter() - started
    texts = [
        f"{e.properties['name']}, {e.label.lower()} number {i}"
        for i, e in enumerate(Graph(count).entities())
    ]
    await embedder.embed(texts[:64])  # warm-up
    with Timer() as t:
        await embedder.embed(texts)
    report.add(
        Figure("embedding texts/s (all-MiniLM-L6-v2, CPU)", count / t.seconds, "texts/s", count)
    )
    report.notes.append(f"embedding model load: {load:.1f} s (once per process, lazily)")
    await embedder.close()
