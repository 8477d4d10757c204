"""``python -m bench namespaces``: creating and deleting an empty namespace, beside the
same run with every label of the graph schema made at creation.

A namespace is an AGE graph with kgmem's side tables and the labels kgmem's own
statements read (``kgmem.storage.graph.namespaces.STANDING_VERTICES``); the schema's
other labels are made on their first use. The baseline makes them all at creation, in
the same transaction, each with its indexes, as a namespace once did. Each of
``--runs`` rounds creates and deletes one namespace of each kind; reported: the median
wall time of each step.
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
from kgmem.storage.graph import namespaces as ns_store


def parse(argv: list[str]) -> argparse.Namespace:
    p = parser("namespaces")
    p.add_argument("--runs", type=at_least(1), default=30, help="rounds (median)")
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    return await measured(parse(argv), "kgmem-bench-namespaces-", run, pgdata="pgdata")


async def _create(memory: Memory, name: str, *, every_label: bool) -> float:
    """Create namespace ``name`` (with every declared label when ``every_label``): its
    wall seconds."""
    start = time.perf_counter()
    if not every_label:
        await memory.create_namespace(name)
        return time.perf_counter() - start
    db, schema = memory.database, memory.schema
    await memory.create_namespace(name)
    async with db.transaction() as conn:
        ref = await ns_store.resolve(conn, name)
        await db.labels.ensure(conn, ref, schema.vertices, "vertex", schema)
        await db.labels.ensure(conn, ref, schema.edges, "edge", schema)
    return time.perf_counter() - start


async def _delete(memory: Memory, name: str) -> float:
    start = time.perf_counter()
    await memory.delete_namespace(name)
    return time.perf_counter() - start


async def run(args: argparse.Namespace, place: Scratch) -> Report:
    """Measure at ``place``; the report is returned unprinted."""
    machine = describe()
    memory = await open_memory(place)
    steps: dict[str, list[float]] = {
        k: [] for k in ("create", "delete", "create all", "delete all")
    }
    try:
        for i in range(args.runs):
            for every, suffix in ((False, ""), (True, " all")):
                name = f"bench_ns_{'all' if every else 'standing'}_{i}"
                steps["create" + suffix].append(await _create(memory, name, every_label=every))
                steps["delete" + suffix].append(await _delete(memory, name))
    finally:
        await memory.close()
    ms = {k: statistics.median(v) * 1000 for k, v in steps.items()}
    report = Report("namespaces", machine, {"runs": args.runs})
    for step in ("create", "delete"):
        report.add(
            Figure(
                f"{step} a namespace wall",
                ms[step],
                "ms",
                args.runs,
                baseline=ms[step + " all"],
                baseline_name="with every declared label",
            )
        )
    report.notes.append(f"load average at the end {os.getloadavg()[0]:.2f}")
    return report
