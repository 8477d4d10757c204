"""``python -m bench cypher``: what kgmem's Cypher path costs per query over raw AGE.

Both sides run the same queries, same run, same graph (``--entities`` people in a
chain of KNOWS edges), on one connection each, sequentially:

- kgmem: ``Memory.cypher`` in read mode, i.e. tokenizing, guard, column inference,
  reader-role check, READ ONLY transaction with SET LOCAL ROLE and timeout, typed
  decoding of every value;
- raw AGE: the query text in ``cypher()`` with a hand-written column list and the
  parameters as AGE's map, rows fetched as agtype text and not decoded.

Figures are queries per second for a point lookup by uid, a 1-hop expansion and a
1000-row scan; and for each query, the p95 of what kgmem adds before AGE sees it: its
planning (tokenizing, guard, column inference, every rewrite), uncached, as for a query
seen the first time (a repeated query's plan comes from a cache).
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import time

import asyncpg

from bench.machine import describe
from bench.report import Figure, Report
from bench.scratch import scratch
from kgmem import BatchWrite, EntityWrite, FactWrite, Memory, Settings
from kgmem.cypher import planner

NAMESPACE = "bench_cypher_ns"
QUERIES = {
    "point lookup by uid": ("MATCH (p:Person) WHERE p.uid = $uid RETURN p", ["p"]),
    "1-hop expansion": (
        "MATCH (p:Person)-[:KNOWS]->(q) WHERE p.uid = $uid RETURN q.name AS name, q",
        ["name", "q"],
    ),
    "scan of 1000 rows": (
        "MATCH (p:Person) RETURN p.name AS name, p.rank AS rank LIMIT 1000",
        ["name", "rank"],
    ),
    # a sort over every row: kgmem_cypher.sort_key per row (times and datetimes by instant)
    "top 10 of all rows by a property": (
        "MATCH (p:Person) RETURN p.name AS name ORDER BY p.rank DESC LIMIT 10",
        ["name"],
    ),
    # a sum of two stored values: kgmem_cypher.arith per row (stored temporal values)
    "sum of two properties, 1000 rows": (
        "MATCH (p:Person) RETURN p.rank + p.rank AS twice LIMIT 1000",
        ["twice"],
    ),
}


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench cypher")
    p.add_argument("--entities", type=int, default=5000)
    p.add_argument("--repeat", type=int, default=300)
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    with scratch(None, "kgmem-bench-", pgdata="pg") as space:
        settings = Settings(
            home=space.home,
            database={"url": space.url},
            embedding={"provider": "none", "dimension": 8},
        )
        memory = await Memory.open(settings)
        try:
            await run(args, memory, space.url)
        finally:
            await memory.close()
    return 0


async def load(memory: Memory, n: int) -> None:
    await memory.create_namespace(NAMESPACE)
    people = [
        EntityWrite(f"p{i}", "Person", {"name": f"person {i}", "rank": i % 100}) for i in range(n)
    ]
    knows = [FactWrite(f"p{i}", "KNOWS", f"p{(i + 1) % n}") for i in range(n)]
    await memory.write_batch(NAMESPACE, BatchWrite(entities=people, facts=knows))


async def run(args: argparse.Namespace, memory: Memory, url: str) -> None:
    await load(memory, args.entities)
    raw = await asyncpg.connect(url, server_settings={"search_path": "ag_catalog, public"})
    await raw.execute("LOAD 'age'")
    report = Report("cypher", describe(), {"entities": args.entities, "repeat": args.repeat})
    try:
        for name, (query, columns) in QUERIES.items():
            kgmem_qps = await _kgmem(memory, query, args)
            raw_qps = await _raw(raw, query, columns, args)
            report.add(
                Figure(
                    f"{name} (kgmem)", kgmem_qps, "queries/s", args.repeat, raw_qps, "of raw AGE"
                )
            )
            ours = _kgmem_planning(query, args.repeat)
            report.add(
                Figure(
                    f"{name}: kgmem's planning p95 (uncached)", ours, "us", args.repeat,
                )
            )  # fmt: skip
            child = await _planning_process(query, args.repeat)
            report.add(
                Figure(
                    f"{name}: planning p95 in the planning process (uncached)",
                    child, "us", args.repeat, ours, "of in-process planning",
                )
            )  # fmt: skip
    finally:
        await raw.close()
    report.notes.append("ratio < 1: kgmem's per-query overhead (role, read-only, decoding)")
    report.print_summary()
    print(f"saved {report.save()}")


async def _kgmem(memory: Memory, query: str, args: argparse.Namespace) -> float:
    await memory.cypher(NAMESPACE, query, {"uid": "p1"})  # warm: reader role, plan cache
    started = time.perf_counter()
    for i in range(args.repeat):
        await memory.cypher(NAMESPACE, query, {"uid": f"p{i % args.entities}"})
    return args.repeat / (time.perf_counter() - started)


async def _raw(
    conn: asyncpg.Connection, query: str, columns: list[str], args: argparse.Namespace
) -> float:
    cols = ", ".join(f"{c} agtype" for c in columns)
    sql = f"SELECT * FROM cypher('{NAMESPACE}', $q${query}$q$, $1) AS ({cols})"
    await conn.fetch(sql, json.dumps({"uid": "p1"}))
    started = time.perf_counter()
    for i in range(args.repeat):
        await conn.fetch(sql, json.dumps({"uid": f"p{i % args.entities}"}))
    return args.repeat / (time.perf_counter() - started)


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[94]


async def _planning_process(query: str, repeat: int) -> float:
    """p95 in microseconds of planning ``query`` as a server does a query it has not seen:
    in its planning process, through the pipe (``kgmem.cypher.planner``); a comment
    numbering each request makes every text new to both caches."""
    planning = planner.Planner(processes=1)
    try:
        await planning.prepare("RETURN 1 AS warm", "read", 60)  # the child started
        samples = []
        for i in range(repeat):
            started = time.perf_counter()
            await planning.prepare(f"{query} /* {i} */", "read", 30)
            samples.append((time.perf_counter() - started) * 1e6)
    finally:
        planning.close()
    return _p95(samples)


def _kgmem_planning(query: str, repeat: int) -> float:
    """p95 in microseconds of kgmem's planning of ``query`` with its cache bypassed."""
    # The function behind the plan's LRU cache (the package's ``plan`` is the function).
    prepare = importlib.import_module("kgmem.cypher.plan")._prepare.__wrapped__
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        prepare(query, "read")
        samples.append((time.perf_counter() - started) * 1e6)
    return _p95(samples)
