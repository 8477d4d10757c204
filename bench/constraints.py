"""``python -m bench constraints``: the cost of a uniqueness constraint on a Cypher
``UNWIND range(1, N) AS i MERGE (:L {k: i})``, beside the same run without it.

Three namespaces of one store, each with the label ``L`` made by one seed node:

- ``floor``: no index and no constraint on ``L.k`` (each MERGE's match scans the label);
- ``index``: a plain btree on ``L.k``, the index a ``CREATE INDEX`` would build;
- ``unique``: ``REQUIRE n.k IS UNIQUE`` (``kgmem.neo4j_schema.constraints``): the same
  btree, owned by the constraint, and the CHECK whose function locks the value and
  looks for another node holding it on every write.

Each of ``--runs`` rounds empties the three labels and times the statement in each
(write mode, one transaction). Reported: the median wall time per variant, with the
constrained run's ratio to each of the two others.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench.machine import describe
from bench.report import Figure, Report
from bench.scratch import Scratch, at_least, measured, open_memory, parser
from kgmem import Memory
from kgmem.neo4j_schema.constraints import ConstraintHandler
from kgmem.neo4j_schema.model import Constraint
from kgmem.storage.graph.labels import property_index_sql
from kgmem.storage.neo4j_schema.constraint_sql import label_tables
from kgmem.storage.refs import NamespaceRef

VARIANTS = ("floor", "index", "unique")
CONSTRAINT = Constraint(
    name="bench_l_k", type="UNIQUENESS", entity="NODE", label="L", properties=("k",)
)


def parse(argv: list[str]) -> argparse.Namespace:
    p = parser("constraints")
    p.add_argument("--nodes", type=at_least(1), default=10_000)
    p.add_argument("--runs", type=at_least(1), default=3, help="rounds (median)")
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    return await measured(parse(argv), "kgmem-bench-constraints-", run, pgdata="pgdata")


async def _prepare(memory: Memory, namespace: str, variant: str) -> None:
    """Make ``namespace`` with label ``L`` and the variant's index or constraint."""
    await memory.create_namespace(namespace)
    await memory.cypher(namespace, "CREATE (:L {seed: true})", mode="write")
    async with memory.database.transaction() as conn:
        oid = await conn.fetchval(
            "SELECT graphid FROM ag_catalog.ag_graph WHERE name = $1", namespace
        )
        ns = NamespaceRef(namespace, int(oid))
        if variant == "index":
            await conn.execute(property_index_sql(ns, "L", "k", unique=False))
        elif variant == "unique":
            tables = await label_tables(conn, ns, "L")
            await ConstraintHandler().create(conn, ns, CONSTRAINT, tables)
        await conn.execute(f'ANALYZE "{namespace}"."L"')


async def _round(memory: Memory, namespace: str, nodes: int) -> float:
    """Empty ``L`` (but its seed), then the timed MERGE: its wall seconds."""
    await memory.cypher(namespace, "MATCH (n:L) WHERE n.k IS NOT NULL DELETE n", mode="write")
    query = f"UNWIND range(1, {int(nodes)}) AS i MERGE (:L {{k: i}})"
    start = time.perf_counter()
    await memory.cypher(namespace, query, mode="write")
    elapsed = time.perf_counter() - start
    count = await memory.cypher(namespace, "MATCH (n:L) WHERE n.k IS NOT NULL RETURN count(n)")
    if count.rows != [[nodes]]:
        raise RuntimeError(f"{namespace}: {count.rows} nodes instead of {nodes}")
    return elapsed


async def run(args: argparse.Namespace, place: Scratch) -> Report:
    """Measure at ``place``; the report is returned unprinted."""
    machine = describe()
    memory = await open_memory(place)
    spaces = {v: f"bench_constraints_{v}" for v in VARIANTS}
    timings: dict[str, list[float]] = {v: [] for v in VARIANTS}
    try:
        for variant, namespace in spaces.items():
            await _prepare(memory, namespace, variant)
        for _ in range(args.runs):
            for variant, namespace in spaces.items():
                timings[variant].append(await _round(memory, namespace, args.nodes))
    finally:
        for namespace in spaces.values():
            await memory.delete_namespace(namespace)
        await memory.close()
    medians = {v: statistics.median(t) * 1000 for v, t in timings.items()}
    report = Report("constraints", machine, {"nodes": args.nodes, "runs": args.runs})
    report.add(Figure("MERGE, no index (floor) wall", medians["floor"], "ms", args.runs))
    report.add(Figure("MERGE, btree on L.k wall", medians["index"], "ms", args.runs))
    report.add(
        Figure(
            "MERGE, uniqueness constraint wall",
            medians["unique"],
            "ms",
            args.runs,
            baseline=medians["floor"],
            baseline_name="the floor",
        )
    )
    report.add(
        Figure(
            "MERGE, uniqueness constraint vs btree",
            medians["unique"],
            "ms",
            args.runs,
            baseline=medians["index"],
            baseline_name="the btree alone",
        )
    )
    report.notes.append(f"load average at the end {os.getloadavg()[0]:.2f}")
    return report
