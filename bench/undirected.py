"""``python -m bench undirected``: undirected relationship patterns and ``IN`` over a
list parameter on a large graph, through kgmem and as raw AGE, same run, same graph.

The graph is ``bench.bulkstore``'s (``--entities`` entities of five labels, two facts
each). Each query starts from one node found by its uid, as the Neo4j libraries ask
(Graphiti's ``-[:RELATES_TO]-``, LlamaIndex's relation maps):

- kgmem: ``Memory.cypher`` in read mode, with the conditions ``kgmem.cypher.undirected``
  adds so PostgreSQL starts from the bound node;
- raw AGE: the query text as written in ``cypher()``, which joins the relationship on
  ``start_id = n.id AND end_id = m.id OR end_id = n.id AND start_id = m.id`` and crosses
  the node with every candidate far end first.

The ``IN`` queries look up three nodes by ``n.uid IN $us``, as Graphiti reads nodes and
edges by ``uuid IN $uuids``: kgmem writes comparisons an index answers
(``kgmem.cypher.in_lists``); raw AGE gets the list as a parameter, as the libraries send
it, and tests it against every node it reads (a list written in the text it answers by
the index).

Reported per query: kgmem's median wall milliseconds over ``--runs`` start nodes, and
raw AGE's for the first of them (it takes seconds), checked to answer the same rows. A
raw AGE query cut off by ``--timeout`` counts as the timeout (a floor of its time), and
a note says so.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time

import asyncpg

from bench import bulkstore
from bench.machine import describe
from bench.report import Figure, Report
from bench.scratch import Scratch, at_least, measured, open_memory, parser
from kgmem import Memory

NAMESPACE = "bench_undirected"
# name: query ($u: the start node's uid; raw AGE gets it written in the text)
QUERIES = {
    "a node's relationships": "MATCH (n:Person {uid: $u})-[r]-(m) RETURN count(m)",
    "typed, far label": (
        "MATCH (n:Person {uid: $u})-[r:WORKS_AT]-(m:Organization) RETURN count(m)"
    ),
    "bound end on the right": "MATCH (m)-[r]-(n:Person {uid: $u}) RETURN count(m)",
    "two hops": "MATCH (n:Person {uid: $u})-[r]-(x)-[s]-(y) RETURN count(y)",
    "after a MATCH": "MATCH (n:Person {uid: $u}) MATCH (n)-[r]-(m) RETURN count(m)",
    "uid IN a list": "MATCH (n:Person) WHERE n.uid IN $us RETURN count(n)",
    "uid IN a list, any label": "MATCH (n) WHERE n.uid IN $us RETURN count(n)",
    "uid IN a list, undirected": "MATCH (n:Person)-[r]-(m) WHERE n.uid IN $us RETURN count(m)",
}
# $us: the start node's uid and the next two starts' (a list of three)


def parse(argv: list[str]) -> argparse.Namespace:
    p = parser("undirected")
    p.add_argument("--entities", type=at_least(1000), default=50_000)
    p.add_argument(
        "--runs", type=at_least(1), default=5, help="start nodes per query (kgmem's median)"
    )
    p.add_argument("--timeout", type=at_least(1), default=60, help="raw AGE cut-off, s")
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    return await measured(parse(argv), "kgmem-bench-undirected-", run, pgdata="pgdata")


async def run(args: argparse.Namespace, place: Scratch) -> Report:
    """Measure at ``place``; the report is returned unprinted."""
    machine = describe()
    memory = await open_memory(place)
    report = Report("undirected", machine, {"entities": args.entities, "runs": args.runs})
    try:
        await memory.create_namespace(NAMESPACE)
        async with memory.database.acquire() as conn:
            await bulkstore.load(conn, NAMESPACE, bulkstore.generate(args.entities))
            await conn.execute("ANALYZE")  # the statistics autovacuum would gather
        starts = await _starts(memory, args.runs)
        raw = await asyncpg.connect(place.url)
        try:
            await raw.execute(
                "LOAD 'age'; SET search_path = ag_catalog, public; "
                f"SET statement_timeout = '{int(args.timeout)}s'"
            )
            for name, query in QUERIES.items():
                ours, theirs, cut = await _timed(memory, raw, query, starts, args.timeout * 1000.0)
                report.add(Figure(name, ours, "ms", len(starts), theirs, "raw AGE as written"))
                if cut:
                    report.notes.append(f"{name}: raw AGE cut off at {args.timeout} s")
        finally:
            await raw.close()
    finally:
        await memory.delete_namespace(NAMESPACE)
        await memory.close()
    report.notes.append(f"load average at the end {os.getloadavg()[0]:.2f}")
    return report


async def _starts(memory: Memory, runs: int) -> list[str]:
    """The uids of ``runs`` Person nodes spread over the graph."""
    found = await memory.cypher(NAMESPACE, "MATCH (n:Person) RETURN n.uid ORDER BY n.uid")
    uids = [row[0] for row in found.rows]
    step = max(len(uids) // runs, 1)
    return uids[::step][:runs]


async def _timed(
    memory: Memory, raw: asyncpg.Connection, query: str, starts: list[str], cut_ms: float
) -> tuple[float, float, bool]:
    """Median milliseconds through kgmem over ``starts``, and raw AGE's for the first of
    them (it takes seconds), with whether it was cut off."""
    ours, answers = [], []
    for at, uid in enumerate(starts):
        began = time.perf_counter()
        params = {"u": uid, "us": _three(starts, at)}
        answers.append((await memory.cypher(NAMESPACE, query, params)).rows)
        ours.append((time.perf_counter() - began) * 1000)
    # the uid written in the text (bulkstore's uids are letters and digits); a list as
    # the parameter the libraries send (AGE reads a list written in the text by index)
    written = re.sub(r"\$u\b", f"'{starts[0]}'", query)
    sql = f"SELECT c::text FROM cypher('{NAMESPACE}', $q${written}$q$, $1) AS (c agtype)"
    began = time.perf_counter()
    try:
        rows = await raw.fetch(sql, json.dumps({"us": _three(starts, 0)}))
    except asyncpg.QueryCanceledError:
        return statistics.median(ours), cut_ms, True
    theirs = (time.perf_counter() - began) * 1000
    if [[json.loads(r[0])] for r in rows] != answers[0]:
        raise RuntimeError(f"{query}: kgmem {answers[0]}, raw AGE {rows}")
    return statistics.median(ours), theirs, False


def _three(starts: list[str], at: int) -> list[str]:
    """The uid of start ``at`` and of the two after it (round the list)."""
    return [starts[(at + k) % len(starts)] for k in range(3)]
