"""``python -m bench fulltext``: Neo4j's ``db.index.fulltext.queryNodes`` on kgmem
beside kgmem's own keyword search, on the same texts (``bench.bulkstore``: a name and
a three-word summary per entity, over five labels).

Figures (milliseconds p50/p95/p99 over ``--queries`` two-word queries, after a warm-up):
- the full-text index build (``FOR (n:Person|...|Event) ON EACH [n.name, n.summary]``);
- ``fulltext_query.query``: the procedure's body (index lookup in the catalogue, Lucene
  parse, one SQL statement as the namespace's reader), top 10;
- the same through Cypher, ``CALL db.index.fulltext.queryNodes(...) YIELD node, score``;
- the keyword axis of ``Memory.search`` (entities only, k 10);
- the floor: kgmem's keyword SQL alone (``keyword_search.search_vertices``) on an open
  connection;
- what N and the average length cost: the whole tables read against the page sample
  the query uses.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from bench import bulkstore
from bench.machine import describe
from bench.search import percentiles, timed
from kgmem import Memory, Settings
from kgmem.model import AxisWeights, SearchQuery
from kgmem.neo4j_schema import fulltext, fulltext_query
from kgmem.neo4j_schema.model import Index
from kgmem.storage.engine.embedded import start_embedded
from kgmem.storage.filters import ElementFilter
from kgmem.storage.graph import namespaces
from kgmem.storage.indexes import keyword_search
from kgmem.storage.neo4j_schema import fulltext_sql
from kgmem.storage.sql import table

NAMESPACE = "bench_fulltext"
INDEX = Index("entities", "FULLTEXT", "NODE", bulkstore.LABELS, ("name", "summary"))


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench fulltext")
    p.add_argument("--entities", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--database-url", help="a server of your own (default: embedded)")
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    with tempfile.TemporaryDirectory(prefix="kgmem-bench-fulltext-") as tmp:
        server = None if args.database_url else start_embedded(Path(tmp), owner=True)
        url = args.database_url or server.url  # type: ignore[union-attr]
        try:
            await run(args, url, Path(tmp))
        finally:
            if server is not None:
                server.stop()
    return 0


class _Reader:
    """A procedure body's reader on the bench namespace."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    @property
    def namespace(self) -> str:
        return NAMESPACE

    async def cypher(self, query: str, params: Any = None) -> Any:
        return await self.memory.cypher(NAMESPACE, query, params)

    async def stats(self) -> Any:
        return await self.memory.namespace_stats(NAMESPACE)

    async def sql(self, query: str, *args: Any) -> Any:
        return await self.memory.read_sql(NAMESPACE, query, args)


async def run(args: argparse.Namespace, url: str, home: Path) -> None:
    machine = describe()
    store = bulkstore.generate(args.entities)
    settings = Settings(
        home=home, database={"url": url}, embedding={"provider": "none", "dimension": 384}
    )
    memory = await Memory.open(settings)
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    try:
        async with memory.database.acquire() as conn:
            if await namespaces.list_all(conn, [NAMESPACE]):
                await memory.delete_namespace(NAMESPACE)
        await memory.create_namespace(NAMESPACE)
        async with memory.database.acquire() as conn:
            await bulkstore.load(conn, NAMESPACE, store)
            say(f"index build: {await _build(conn):.1f} s")
            await _measure(memory, conn, store, args.queries, say)
    finally:
        await memory.close()
    print(f"\n== fulltext ({args.entities:,} entities) ==")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in machine.items()))
    for line in lines:
        print(line)


async def _build(conn: asyncpg.Connection) -> float:
    ns = await namespaces.resolve(conn, NAMESPACE)
    await conn.execute("SET statement_timeout = 0")
    start = time.perf_counter()
    await fulltext.create(conn, ns, INDEX, bulkstore.LABELS)
    took = time.perf_counter() - start
    for label in bulkstore.LABELS:
        await conn.execute(f"ANALYZE {table(NAMESPACE, label)}")
    return took


async def _measure(
    memory: Memory,
    conn: asyncpg.Connection,
    store: bulkstore.Store,
    count: int,
    say: Any,
) -> None:
    rng = random.Random(3)

    def words() -> str:
        return " ".join(store.summaries[rng.randrange(store.n)].split()[:2])

    reader = _Reader(memory)
    statistics = fulltext_query.Statistics()
    ns = await namespaces.resolve(conn, NAMESPACE)
    keyword_only = AxisWeights(
        vector=0.0, keyword=1.0, temporal=0.0, spatial=0.0, causal=0.0, graph=0.0
    )
    call = (
        "CALL db.index.fulltext.queryNodes('entities', $q, {limit: 10}) "
        "YIELD node, score RETURN node.name, score"
    )
    parts = {
        "fulltext_query.query (procedure body), top 10": lambda: fulltext_query.query(
            reader, "entities", words(), {"limit": 10}, entity="NODE", statistics=statistics
        ),
        "CALL db.index.fulltext.queryNodes via Cypher, top 10": lambda: memory.cypher(
            NAMESPACE, call, {"q": words()}
        ),
        "Memory.search keyword axis, entities, k 10": lambda: memory.search(
            NAMESPACE,
            SearchQuery(text=words(), weights=keyword_only, types=("entities",), k=10),
        ),
        "floor: keyword_search.search_vertices SQL, 10": lambda: keyword_search.search_vertices(
            conn, ns, words(), limit=10, where=ElementFilter()
        ),
    }
    for name, work in parts.items():
        try:
            say(f"{name:55s} {percentiles(await timed(work, count))}")
        except Exception as exc:  # a part that cannot run yet is reported, not fatal
            say(f"{name:55s} failed: {type(exc).__name__}: {str(exc)[:120]}")
    await _statistics_cost(conn, count, say)


async def _statistics_cost(conn: asyncpg.Connection, count: int, say: Any) -> None:
    """N and the average document length read exactly against the page sample."""
    doc = fulltext_sql.document_sql(INDEX.properties, "simple")
    pages = await conn.fetchval(
        "SELECT sum(pg_relation_size(t) / current_setting('block_size')::float8) "
        "FROM unnest($1::regclass[]) AS t",
        [table(NAMESPACE, t) for t in bulkstore.LABELS],
    )
    sample = min(100.0 * fulltext_query.Statistics.SAMPLE_PAGES / max(pages, 1), 100.0)
    for name, pct in (("exact (every row)", 100.0), (f"page sample {sample:.2f}%", sample)):
        union = " UNION ALL ".join(
            f"SELECT length({doc}) AS len "
            f"FROM ONLY {table(NAMESPACE, t)} TABLESAMPLE SYSTEM ({pct})"
            for t in bulkstore.LABELS
        )
        statement = f"SELECT count(*), avg(len) FROM ({union}) AS s"
        times = await timed(lambda s=statement: conn.fetchrow(s), 5, warmup=1)
        say(f"{'N and average length, ' + name:55s} {percentiles(times)}")
