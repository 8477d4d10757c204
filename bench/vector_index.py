"""``python -m bench vector-index``: Neo4j's ``db.index.vector.queryNodes`` on kgmem
beside the same pgvector query in raw SQL (the floor), same run, same data.

``--vectors`` (100,000) nodes of label ``Chunk`` carry a ``--dimensions`` (384)
embedding drawn like real ones (``--clusters`` random centres plus noise, normalised),
inserted by SQL into the label table in batches; then ``CREATE VECTOR INDEX`` (cosine)
builds the HNSW indexes through ``Memory.cypher``, timed. Figures:

- queryNodes top-10 p95 through ``Memory.cypher`` (``CALL ... YIELD node, score RETURN
  node.i, score``: the procedure's SQL, then the yielded ids matched back to nodes);
- the floor: the same ``ORDER BY <indexed expression> <=> $1 LIMIT 10`` on a plain
  connection, with the same ``hnsw.ef_search``;
- recall@10 of both against exact search (numpy), over ``--queries`` queries drawn from
  the same distribution;
- the yield-and-match step alone (the rewritten Cypher with 10 ids), with nested-loop
  lookups as kgmem plans it and with PostgreSQL's own choice (a hash join).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import asyncpg
import numpy as np

from bench.machine import describe
from bench.report import Figure, Report
from bench.scratch import scratch
from kgmem import Memory, Settings
from kgmem.neo4j_schema import vector
from kgmem.neo4j_schema.model import Index
from kgmem.storage.neo4j_schema import vector_sql

NAMESPACE = "bench_vectors"
INDEX = "chunks"
QUERY = (
    "CALL db.index.vector.queryNodes('chunks', 10, $q) YIELD node, score RETURN node.i AS i, score"
)


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench vector-index")
    p.add_argument("--vectors", type=int, default=100_000)
    p.add_argument("--dimensions", type=int, default=384)
    p.add_argument("--clusters", type=int, default=200)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--database-url", default=None)
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    with scratch(args.database_url, "kgmem-bench-", pgdata="pg") as space:
        settings = Settings(
            home=space.home,
            database={"url": space.url},
            embedding={"provider": "none", "dimension": 8},
            cypher={"statement_timeout_ms": 900_000},
        )
        memory = await Memory.open(settings)
        try:
            await run(args, memory, space.url)
        finally:
            await memory.close()
    return 0


def embeddings(count: int, dims: int, clusters: int, seed: int) -> np.ndarray:
    """Unit vectors around ``clusters`` random centres (as sentence embeddings bunch by
    topic), never uniform noise, whose near-ties say nothing about recall."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dims))
    spread = rng.uniform(0.3, 0.8, size=clusters)
    picks = rng.integers(0, clusters, size=count)
    points = centres[picks] + spread[picks, None] * rng.normal(size=(count, dims))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


async def load(memory: Memory, raw: asyncpg.Connection, matrix: np.ndarray) -> float:
    """Insert the vectors by SQL into the label table; seconds taken."""
    await memory.create_namespace(NAMESPACE)
    await memory.cypher(NAMESPACE, "CREATE (:Chunk {i: -1})", mode="write")
    await memory.cypher(NAMESPACE, "MATCH (c:Chunk) DELETE c", mode="write")
    started = time.perf_counter()
    sql = (
        f'INSERT INTO "{NAMESPACE}"."Chunk" (properties) '
        "SELECT ag_catalog.agtype_in(p::cstring) FROM unnest($1::text[]) AS p"
    )
    for start in range(0, len(matrix), 5000):
        rows = [
            json.dumps({"i": start + n, "embedding": [round(float(x), 6) for x in row]})
            for n, row in enumerate(matrix[start : start + 5000])
        ]
        await raw.execute(sql, rows)
    await raw.execute(f'ANALYZE "{NAMESPACE}"."Chunk"')
    return time.perf_counter() - started


async def id_indexes(raw: asyncpg.Connection) -> None:
    """The index ``id(n) = x`` needs on every vertex label table (kgmem's label tables
    get it once the core change lands; made here if missing)."""
    oid = await raw.fetchval("SELECT graphid FROM ag_catalog.ag_graph WHERE name = $1", NAMESPACE)
    labels = await raw.fetch(
        "SELECT name FROM ag_catalog.ag_label WHERE graph = $1 AND kind = 'v'", oid
    )
    for (label,) in labels:
        await raw.execute(
            f'CREATE INDEX IF NOT EXISTS "{label}_bench_id" ON "{NAMESPACE}"."{label}" '
            f"(ag_catalog.age_id(ag_catalog._agtype_build_vertex(id, "
            f"ag_catalog._label_name({int(oid)}::oid, id), properties)))"
        )


async def build(memory: Memory, dims: int) -> float:
    started = time.perf_counter()
    await memory.cypher(
        NAMESPACE,
        f"CREATE VECTOR INDEX {INDEX} FOR (c:Chunk) ON c.embedding OPTIONS {{indexConfig: "
        f"{{`vector.dimensions`: {dims}, `vector.similarity_function`: 'cosine'}}}}",
        mode="write",
    )
    return time.perf_counter() - started


def exact(matrix: np.ndarray, query: np.ndarray) -> set[int]:
    return set(np.argsort(-(matrix @ query))[:10].tolist())


async def run(args: argparse.Namespace, memory: Memory, url: str) -> None:
    matrix = embeddings(args.vectors, args.dimensions, args.clusters, seed=1)
    queries = _near(matrix, args.queries, seed=3)
    raw = await asyncpg.connect(url, server_settings={"search_path": "ag_catalog, public"})
    await raw.execute("LOAD 'age'")
    report = Report("vector-index", describe(), vars(args))
    try:
        loaded = await load(memory, raw, matrix)
        built = await build(memory, args.dimensions)
        await id_indexes(raw)
        report.add(Figure("SQL insert of the vectors", args.vectors / loaded, "vectors/s", 1))
        report.add(Figure("CREATE VECTOR INDEX (HNSW build)", built, "s", 1))
        ours, ours_recall = await _kgmem(memory, matrix, queries)
        floor, floor_recall = await _floor(raw, matrix, queries, args.dimensions)
        report.add(Figure("queryNodes top-10 p95 (kgmem)", ours, "ms", len(queries), floor,
                          "of the raw SQL floor"))  # fmt: skip
        report.add(Figure("raw pgvector top-10 p95 (floor)", floor, "ms", len(queries)))
        report.add(Figure("recall@10 (kgmem)", ours_recall, "", len(queries)))
        report.add(Figure("recall@10 (floor)", floor_recall, "", len(queries)))
        for ef in (40, 200, 400):
            p95, recall = await _floor(raw, matrix, queries, args.dimensions, ef)
            report.add(Figure(f"raw pgvector top-10 p95 at ef_search {ef}", p95, "ms",
                              len(queries)))  # fmt: skip
            report.add(Figure(f"recall@10 at ef_search {ef}", recall, "", len(queries)))
        for joins, figure, plan in await _matching(raw, memory):
            report.add(Figure(f"match 10 yielded ids p95 ({joins})", figure, "ms", len(queries)))
            report.notes.append(f"{joins}: {plan}")
    finally:
        await raw.close()
    report.print_summary()
    print(f"saved {report.save()}")


def _near(matrix: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Queries near stored points (a paraphrase of a stored text), normalised."""
    rng = np.random.default_rng(seed)
    picked = matrix[rng.integers(0, len(matrix), size=count)]
    noisy = picked + 0.05 * rng.normal(size=picked.shape)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[94]


async def _kgmem(memory: Memory, matrix: np.ndarray, queries: np.ndarray) -> tuple[float, float]:
    await memory.cypher(NAMESPACE, QUERY, {"q": queries[0].tolist()})  # warm
    samples, hits = [], 0
    for query in queries:
        started = time.perf_counter()
        result = await memory.cypher(NAMESPACE, QUERY, {"q": query.tolist()})
        samples.append((time.perf_counter() - started) * 1000)
        hits += len({row[0] for row in result.rows} & exact(matrix, query))
    return _p95(samples), hits / (10 * len(queries))


async def _floor(
    raw: asyncpg.Connection,
    matrix: np.ndarray,
    queries: np.ndarray,
    dims: int,
    ef: int | None = None,
) -> tuple[float, float]:
    read = vector.vectors(
        Index(INDEX, "VECTOR", "NODE", ("Chunk",), ("embedding",),
              {"indexConfig": {"vector.dimensions": dims}})
    )  # fmt: skip
    expression = vector_sql.expression(read)
    sql = (
        f"SELECT (properties OPERATOR(ag_catalog.->) 'i'::text)::text::int FROM "
        f'"{NAMESPACE}"."Chunk" ORDER BY {expression} OPERATOR(public.<=>) '
        f"$1::text::public.vector({dims}) LIMIT 10"
    )
    samples, hits = [], 0
    async with raw.transaction():
        await raw.execute(f"SET LOCAL hnsw.ef_search = {ef or vector_sql.ef_search(10)}")
        await raw.fetch(sql, _text(queries[0]))
        for query in queries:
            started = time.perf_counter()
            rows = await raw.fetch(sql, _text(query))
            samples.append((time.perf_counter() - started) * 1000)
            hits += len({r[0] for r in rows} & exact(matrix, query))
    return _p95(samples), hits / (10 * len(queries))


def _text(query: np.ndarray) -> str:
    return "[" + ",".join(repr(float(x)) for x in query) + "]"


async def _matching(raw: asyncpg.Connection, memory: Memory) -> list[tuple[str, float, str]]:
    """The rewritten yield-and-match Cypher with 10 ids, as raw AGE, with and without
    hash and merge joins."""
    found = await memory.cypher(NAMESPACE, "MATCH (c:Chunk) RETURN id(c) LIMIT 1000")
    ids = [row[0] for row in found.rows]
    text = (
        "UNWIND $rows AS r MATCH (node) WHERE id(node) = r.node "
        "WITH node, r.o AS o ORDER BY o RETURN node.i"
    )
    sql = f"SELECT * FROM cypher('{NAMESPACE}', $q${text}$q$, $1) AS (i agtype)"
    out = []
    for joins, setting in (("nested-loop lookups, as kgmem plans it", "off"),
                           ("PostgreSQL's choice", "on")):  # fmt: skip
        samples: list[float] = []
        async with raw.transaction():
            await raw.execute(f"SET LOCAL enable_hashjoin = {setting}")
            await raw.execute(f"SET LOCAL enable_mergejoin = {setting}")
            plan = await raw.fetch(
                "EXPLAIN " + sql, json.dumps({"rows": [{"node": ids[0], "o": 0}]})
            )
            joins_used = [r[0].strip() for r in plan if "Join" in r[0] or "Nested Loop" in r[0]]
            for n in range(50):
                rows = [{"node": ids[(n * 10 + k) % len(ids)], "o": k} for k in range(10)]
                started = time.perf_counter()
                await raw.fetch(sql, json.dumps({"rows": rows}))
                samples.append((time.perf_counter() - started) * 1000)
        out.append((joins, _p95(samples), "; ".join(joins_used)[:200]))
    return out
