"""``python -m bench write``: entity upserts/s and facts/s, single and batched, at 100k
entities with caller-supplied 384-dimension vectors, plus the default model's embedding
throughput. Baseline, same run, same data: plain AGE Cypher CREATE statements (one per
row for the single figures, UNWIND batches of the same size for the batched ones),
with the vector stored as a list property, the way Cypher alone would hold it (and
therefore without any vector index: kgmem also maintains HNSW, BM25 and B-tree indexes).
Phases are separated by VACUUM ANALYZE and CHECKPOINT, outside the timings.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import asyncpg

from bench.generate import Graph
from bench.machine import describe
from bench.report import Figure, Report, Timer
from kgmem import BatchWrite, Memory, Settings
from kgmem.storage.embedded import start_embedded

BASELINE_GRAPH = "bench_cypher"


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
    p.add_argument("--embed-texts", type=int, default=2_000)
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    with tempfile.TemporaryDirectory(prefix="kgmem-bench-") as tmp:
        server = None
        url = args.database_url
        if url is None:
            server = start_embedded(Path(tmp), owner=True)
            url = server.url
        try:
            await run(args, url, Path(tmp))
        finally:
            if server is not None:
                server.stop()
    return 0


async def run(args: argparse.Namespace, url: str, home: Path) -> None:
    n, batch = args.entities, args.batch
    graph = Graph(n)
    report = Report(
        "write", describe(), {"entities": n, "facts": n, "batch": batch, "vector_dimension": 384}
    )
    settings = Settings(
        home=home, database={"url": url}, embedding={"provider": "none", "dimension": 384}
    )
    memory = await Memory.open(settings)
    report.data["postgres"] = memory.database.server_version
    report.data["age"] = memory.database.extensions.get("age", "?")
    conn = await asyncpg.connect(
        url, server_settings={"search_path": "ag_catalog, public", "jit": "off"}
    )
    await conn.execute("LOAD 'age'")
    try:
        await memory.create_namespace("bench_kgmem")
        await prepare_baseline(conn)
        print(f"writing {n:,} entities and {n:,} facts (batches of {batch:,}) ...", flush=True)
        await entities_batched(memory, conn, graph, report, batch)
        await settle(conn)
        await entities_without_vectors(memory, graph, report, batch)
        await settle(conn)
        await facts_batched(memory, conn, graph, report, batch)
        await settle(conn)
        await singles(memory, conn, graph, report, args)
        await embedding_throughput(report, args.embed_texts)
    finally:
        await conn.close()
        await memory.close()
    report.print_summary()
    print(f"saved {report.save()}")


async def prepare_baseline(conn: asyncpg.Connection) -> None:
    if await conn.fetchval("SELECT count(*) FROM ag_graph WHERE name = $1", BASELINE_GRAPH):
        await conn.execute("SELECT drop_graph($1, true)", BASELINE_GRAPH)
    await conn.execute("SELECT create_graph($1)", BASELINE_GRAPH)
    for label in ("Person", "Organization", "Place", "Concept"):
        await conn.execute(f"SELECT create_vlabel('{BASELINE_GRAPH}', '{label}')")
        # The same uid index kgmem has, so MATCH by uid is an index probe in both.
        await conn.execute(
            f'CREATE UNIQUE INDEX ON {BASELINE_GRAPH}."{label}" (ag_catalog.agtype_access_'
            "operator(VARIADIC ARRAY[properties, '\"uid\"'::agtype]))"
        )


async def settle(conn: asyncpg.Connection) -> None:
    """Between phases, outside the timings: vacuum, analyse and checkpoint, so that one
    phase's autovacuum and dirty pages do not land in the next phase's figure."""
    await conn.execute("VACUUM ANALYZE")
    await conn.execute("CHECKPOINT")


async def entities_without_vectors(
    memory: Memory, graph: Graph, report: Report, batch: int
) -> None:
    """The same entities without vectors: what the write path costs besides HNSW upkeep."""
    from dataclasses import replace

    count = min(graph.n, 20_000)
    with Timer() as t:
        for start in range(0, count, batch):
            ents = [
                replace(e, uid=f"n{e.uid}", embedding=None)
                for e in graph.entities(start, min(start + batch, count))
            ]
            await memory.write_batch("bench_kgmem", BatchWrite(entities=ents))
    report.add(
        Figure(
            "entities/s, batched, no vectors (no HNSW upkeep)",
            count / t.seconds,
            "entities/s",
            count,
        )
    )


def cypher(query: str, columns: str = "v agtype") -> str:
    return f"SELECT * FROM cypher('{BASELINE_GRAPH}', $$ {query} $$, $1) AS ({columns})"


def entity_row(e) -> dict:
    return {"uid": e.uid, "label": e.label, **e.properties, "embedding": list(e.embedding)}


async def entities_batched(
    memory: Memory, conn: asyncpg.Connection, graph: Graph, report: Report, batch: int
) -> None:
    with Timer() as t:
        for start in range(0, graph.n, batch):
            ents = list(graph.entities(start, min(start + batch, graph.n)))
            await memory.write_batch("bench_kgmem", BatchWrite(entities=ents))
    ours = graph.n / t.seconds
    with Timer() as b:
        for start in range(0, graph.n, batch):
            rows = [entity_row(e) for e in graph.entities(start, min(start + batch, graph.n))]
            for label in {r["label"] for r in rows}:
                await conn.execute(
                    cypher(f"UNWIND $rows AS r CREATE (n:{label}) SET n = r"),
                    json.dumps({"rows": [r for r in rows if r["label"] == label]}),
                )
    report.add(
        Figure(
            "entities/s, batched",
            ours,
            "entities/s",
            graph.n,
            graph.n / b.seconds,
            "Cypher UNWIND CREATE",
        )
    )


async def facts_batched(
    memory: Memory, conn: asyncpg.Connection, graph: Graph, report: Report, batch: int
) -> None:
    for with_vector, name in (
        (False, "facts/s, batched"),
        (True, "facts/s, batched, with vectors"),
    ):
        offset = 0 if not with_vector else graph.n
        count = graph.n if not with_vector else min(graph.n, 20_000)
        with Timer() as t:
            for start in range(offset, offset + count, batch):
                stop = min(start + batch, offset + count)
                facts = [
                    _shift(graph.fact(k - offset, with_vector=with_vector), k)
                    for k in range(start, stop)
                ]
                await memory.write_batch("bench_kgmem", BatchWrite(facts=facts))
        ours = count / t.seconds
        sample = min(count, 20_000)
        with Timer() as b:
            for start in range(0, sample, batch):
                rows = [
                    {
                        "s": f.subject,
                        "o": f.object,
                        "uid": f.uid,
                        "valid_from": f.valid_from.isoformat(),
                        "confidence": f.confidence,
                        **f.properties,
                        **({"embedding": list(f.embedding)} if f.embedding else {}),
                    }
                    for f in graph.facts(start, min(start + batch, sample), with_vector=with_vector)
                ]
                await conn.execute(
                    cypher(
                        "UNWIND $rows AS r MATCH (a) WHERE a.uid = r.s "
                        "MATCH (b) WHERE b.uid = r.o CREATE (a)-[e:REL]->(b) SET e = r"
                    ),
                    json.dumps({"rows": rows}),
                )
        report.add(
            Figure(name, ours, "facts/s", count, sample / b.seconds, "Cypher UNWIND MATCH/CREATE")
        )


def _shift(fact, k: int):
    from dataclasses import replace

    return replace(fact, uid=f"f{k:08d}")


async def singles(
    memory: Memory, conn: asyncpg.Connection, graph: Graph, report: Report, args: argparse.Namespace
) -> None:
    from kgmem import EntityWrite

    count = args.singles
    with Timer() as t:
        for i in range(count):
            e = graph.entity(i)
            await memory.upsert_entity(
                "bench_kgmem",
                EntityWrite(
                    uid=f"s{i}", label=e.label, properties=e.properties, embedding=e.embedding
                ),
            )
    with Timer() as b:
        for i in range(count):
            row = entity_row(graph.entity(i)) | {"uid": f"s{i}"}
            label = row.pop("label")
            props = ", ".join(f"{k}: ${k}" for k in row)
            await conn.execute(cypher(f"CREATE (n:{label} {{{props}}})"), json.dumps(row))
    report.add(
        Figure(
            "entity upserts/s, single",
            count / t.seconds,
            "entities/s",
            count,
            count / b.seconds,
            "Cypher CREATE per statement",
        )
    )
    sample = args.baseline_facts
    with Timer() as t:
        for k in range(count):
            await memory.add_fact(
                "bench_kgmem", _shift(graph.fact(k, with_vector=False), 10_000_000 + k)
            )
    with Timer() as b:
        for k in range(sample):
            f = graph.fact(k, with_vector=False)
            await conn.execute(
                cypher(
                    "MATCH (a) WHERE a.uid = $s MATCH (b) WHERE b.uid = $o "
                    "CREATE (a)-[e:REL {uid: $uid}]->(b)"
                ),
                json.dumps({"s": f.subject, "o": f.object, "uid": f"x{k}"}),
            )
    report.add(
        Figure(
            "facts/s, single (written and read back)",
            count / t.seconds,
            "facts/s",
            count,
            sample / b.seconds,
            "Cypher MATCH/CREATE per statement",
        )
    )


async def embedding_throughput(report: Report, count: int) -> None:
    from kgmem.config import EmbeddingSettings
    from kgmem.embedding.local import LocalEmbedder

    embedder = LocalEmbedder(EmbeddingSettings(provider="local"))
    started = time.perf_counter()
    await embedder.load()
    load = time.perf_counter() - started
    graph = Graph(count)
    texts = [
        f"{e.properties['name']}, {e.label.lower()} number {i}"
        for i, e in enumerate(graph.entities())
    ]
    await embedder.embed(texts[:64])  # warm-up
    with Timer() as t:
        await embedder.embed(texts)
    report.add(
        Figure("embedding texts/s (all-MiniLM-L6-v2, CPU)", count / t.seconds, "texts/s", count)
    )
    report.notes.append(f"embedding model load: {load:.1f} s (once per process, lazily)")
    await embedder.close()
