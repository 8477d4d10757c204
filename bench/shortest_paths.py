"""``python -m bench shortest-paths``: ``shortestPath`` and ``allShortestPaths`` on a
random graph of ``--nodes`` nodes with ``--degree`` outgoing relationships each.

The graph: nodes ``(:V {i})`` and relationships ``(:V)-[:E]->(:V)`` to uniformly drawn
targets (seeded), written through Cypher with a btree on ``V.i``. Measured, each over
``--pairs`` random pairs of distinct nodes (read mode, the median wall time of
``Memory.cypher``):

- ``shortestPath`` directed (``-[:E*]->``) and undirected (``-[*]-``);
- ``allShortestPaths`` undirected;
- for scale, AGE's own variable-length pattern for the same pairs up to 3 hops
  (``MATCH p = (a)-[:E*1..3]->(b) RETURN p LIMIT 1``), which lists paths instead of
  searching.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

from bench.machine import describe
from bench.report import Figure, Report
from bench.scratch import Scratch, scratch
from kgmem import Memory, Settings
from kgmem.errors import KgmemError

NAMESPACE = "bench_shortest"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench shortest-paths")
    p.add_argument("--nodes", type=int, default=10_000)
    p.add_argument("--degree", type=int, default=3, help="outgoing relationships per node")
    p.add_argument("--pairs", type=int, default=20, help="random pairs timed (median)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    args = p.parse_args(argv)
    if args.nodes < 2 or args.degree < 1 or args.pairs < 1:
        p.error("--nodes must be at least 2, --degree and --pairs at least 1")
    return args


async def main(argv: list[str]) -> int:
    args = parse(argv)
    with scratch(args.database_url, "kgmem-bench-shortest-", pgdata="pgdata") as place:
        report = await run(args, place)
    report.print_summary()
    print(f"saved {report.save()}")
    return 0


async def _graph(memory: Memory, nodes: int, degree: int, rng: random.Random) -> None:
    await memory.create_namespace(NAMESPACE)
    await memory.cypher(NAMESPACE, "CREATE INDEX v_i FOR (n:V) ON (n.i)", mode="write")
    await memory.cypher(
        NAMESPACE, "UNWIND range(0, $n - 1) AS i CREATE (:V {i: i})", {"n": nodes}, mode="write"
    )
    edges = [[i, rng.randrange(nodes)] for i in range(nodes) for _ in range(degree)]
    for at in range(0, len(edges), 2000):
        await memory.cypher(
            NAMESPACE,
            "UNWIND $edges AS e MATCH (a:V) WHERE a.i = e[0] MATCH (b:V) WHERE b.i = e[1] "
            "CREATE (a)-[:E]->(b)",
            {"edges": edges[at : at + 2000]},
            mode="write",
        )


async def _time(memory: Memory, query: str, pairs: list[tuple[int, int]]) -> tuple[float, int]:
    """The median milliseconds of ``query`` over ``pairs`` and how many answered rows."""
    timings, found = [], 0
    for a, b in pairs:
        started = time.perf_counter()
        try:
            answer = await memory.cypher(NAMESPACE, query, {"a": a, "b": b})
            found += bool(answer.rows)
        except KgmemError:  # a timeout or a limit: counted at its time
            pass
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), found


QUERIES = {
    "shortestPath directed": "MATCH p = shortestPath((a:V {i: $a})-[:E*]->(b:V {i: $b})) "
    "RETURN length(p)",
    "shortestPath undirected": "MATCH p = shortestPath((a:V {i: $a})-[*]-(b:V {i: $b})) "
    "RETURN length(p)",
    "allShortestPaths undirected": "MATCH p = allShortestPaths((a:V {i: $a})-[*]-(b:V {i: $b})) "
    "RETURN count(p)",
    "AGE variable length *1..3 directed (LIMIT 1)": "MATCH p = (a:V {i: $a})-[:E*1..3]->"
    "(b:V {i: $b}) RETURN length(p) LIMIT 1",
}


async def run(args: argparse.Namespace, place: Scratch) -> Report:
    """Measure at ``place``; the report is returned unprinted."""
    machine = describe()
    rng = random.Random(args.seed)
    settings = Settings(
        home=place.home,
        database={"url": place.url},
        embedding={"provider": "none", "dimension": 384},
    )
    memory = await Memory.open(settings)
    report = Report(
        "shortest-paths",
        machine,
        {"nodes": args.nodes, "degree": args.degree, "pairs": args.pairs, "seed": args.seed},
    )
    try:
        started = time.perf_counter()
        await _graph(memory, args.nodes, args.degree, rng)
        report.notes.append(f"graph written in {time.perf_counter() - started:.1f} s")
        pairs = [tuple(rng.sample(range(args.nodes), 2)) for _ in range(args.pairs)]
        for name, query in QUERIES.items():
            median, found = await _time(memory, query, pairs)  # type: ignore[arg-type]
            report.add(Figure(f"{name} wall", median, "ms", args.pairs))
            report.notes.append(f"{name}: {found} of {args.pairs} pairs answered a path")
    finally:
        await memory.delete_namespace(NAMESPACE)
        await memory.close()
    report.notes.append(f"load average at the end {os.getloadavg()[0]:.2f}")
    return report
