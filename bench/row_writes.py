"""``python -m bench row-writes``: batch writes as the Neo4j libraries send them, with and
without the rewrites that make rows see each other's writes (``kgmem.cypher.fresh_sets``,
``kgmem.cypher.eager.merges``, ``kgmem.cypher.fresh_reads``) and find each row's node by
an equality (``kgmem.cypher.property_maps``).

Same run, same graph (``--rows`` nodes of label ``L`` with an index on ``id``), each
statement as kgmem plans it and, as the baseline, as kgmem planned it without that
rewrite (the answers differ only where rows share an entity), both sent to AGE's
``cypher()`` on one connection as kgmem sends a statement (``kgmem.storage.graph.cypher.run``,
with the settings the plan asks for), so the figures are the database's work alone:

- a batch of property writes, ``UNWIND $rows AS row MATCH (n:L {id: row.id}) SET n.x =
  row.x``, against no re-read of the node before the SET, and against AGE's
  containment test of the map (every row against every node of the label);
- a relationship import that MERGEs both ends, as LangChain's and LlamaIndex's are
  written (every row passes the first MERGE before any reaches the second);
- a batch of property writes whose RETURN reads another node of the row, or a node a
  MATCH after the write finds, against no barrier and no re-read of that node (every
  row writes before any reads);
- a batch of property writes followed by a MATCH of another node of the row, against
  the inner join AGE makes of it (``kgmem.cypher.written_matches`` makes it a left
  join, so the write runs on every row whatever the MATCH finds);
- a node import, one MERGE by key a row (``UNWIND $rows AS row MERGE (n:L {id: row.id})
  SET n.x = row.x``), against AGE's containment test of the MERGE's map
  (``kgmem.cypher.merge_keys``);
- LangChain's node import, one ``apoc.merge.node`` a row, of the nodes there (each row
  updates its node; rows shuffled, as in the table's order each containment scan would
  pass only nodes earlier rows updated, which it skips unread) and of as many new ids
  (each row makes its node), against the function as it was before migrations 0058 and
  0059, which looked the node up by containment and updated it through every label
  table (put back in the run's transaction, which is rolled back).

Reported: the median milliseconds of ``--runs`` runs of each (the statement runs in a
transaction that is rolled back, so every run starts from the same graph).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import time
from collections.abc import Iterator
from typing import Any

import asyncpg

from bench.machine import describe
from bench.report import Figure, Report
from bench.scratch import Scratch, at_least, measured, open_memory, parser
from kgmem.cypher import apoc_writes, in_lists, rewrite
from kgmem.cypher.plan import prepare
from kgmem.storage.engine.migration_texts import earlier
from kgmem.storage.graph import cypher as cypher_store
from kgmem.storage.graph.cypher import CypherCall

NAMESPACE = "bench_row_writes"
_BATCH_SET = "UNWIND $rows AS row MATCH (n:L {id: row.id}) SET n.x = row.x"
# name: (query, the rewrite it measures)
QUERIES = {
    "property writes, one row a node, against no re-read": (_BATCH_SET, "fresh_sets"),
    "property writes, one row a node, against the map as containment": (
        _BATCH_SET,
        "property_maps",
    ),
    "relationship import merging both ends": (
        "UNWIND $pairs AS p MERGE (s:L {id: p.s}) MERGE (t:L {id: p.t}) MERGE (s)-[:R]->(t)",
        "merge_barriers",
    ),
    "property writes read through another variable, against no re-read": (
        "UNWIND $pairs AS p MATCH (s:L {id: p.s}), (t:L {id: p.t}) SET s.x = p.t RETURN t.x",
        "fresh_reads",
    ),
    "a MATCH after each row's write, reading what it finds, against no re-read": (
        "UNWIND $pairs AS p MATCH (n:L {id: p.s}) SET n.x = p.t "
        "WITH n, p MATCH (m:L {id: p.t}) RETURN sum(m.x)",
        "fresh_reads",
    ),
    "a MATCH after each row's write, against the inner join AGE made of it": (
        "UNWIND $pairs AS p MATCH (n:L {id: p.s}) SET n.x = p.t "
        "WITH n, p MATCH (m:L {id: p.t}) RETURN count(m)",
        "written_matches",
    ),
    "node import, one MERGE by key a row, against the map as containment": (
        "UNWIND $rows AS row MERGE (n:L {id: row.id}) SET n.x = row.x",
        "merge_keys",
    ),
}
APOC_IMPORT = (
    "UNWIND $rows AS row CALL apoc.merge.node(['L'], {id: row.id}, {}, {x: row.x}) "
    "YIELD node RETURN count(*)"
)
# the ids of the nodes there (shuffled), then as many new ones; against apoc.merge.node
# as it was before migrations 0058 and 0059
APOC_ROWS = (
    "apoc.merge.node import, each row finding its node, against containment",
    "apoc.merge.node import, each row making its node, against containment",
)


def parse(argv: list[str]) -> argparse.Namespace:
    p = parser("row-writes")
    p.add_argument("--rows", type=at_least(10), default=2000)
    p.add_argument("--runs", type=at_least(1), default=5)
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    return await measured(parse(argv), "kgmem-bench-row-writes-", run)


async def run(args: argparse.Namespace, place: Scratch) -> Report:
    """Measure at ``place``; the report is returned unprinted."""
    memory = await open_memory(place)
    report = Report("row-writes", describe(), {"rows": args.rows, "runs": args.runs})
    params = {
        "rows": [{"id": i, "x": i * 2} for i in range(args.rows)],
        "pairs": [{"s": i, "t": (i + 1) % args.rows} for i in range(args.rows)],
    }
    try:
        await memory.create_namespace(NAMESPACE)
        await memory.cypher(NAMESPACE, "UNWIND $rows AS row CREATE (:L {id: row.id})", params,
                            mode="write")  # fmt: skip
        await memory.cypher(NAMESPACE, "CREATE INDEX FOR (n:L) ON (n.id)", mode="write")
        # no statement cache: a statement and its baseline share their text, and AGE reads
        # its settings when it parses one
        raw = await asyncpg.connect(place.url, statement_cache_size=0)
        try:
            await raw.execute("LOAD 'age'; SET search_path = ag_catalog, public")
            for name, (query, reshape) in QUERIES.items():
                ours = await _median(raw, _planned(query, params), args.runs)
                with _without(reshape):
                    before = _planned(query, params, containment=reshape == "merge_keys")
                theirs = await _median(raw, before, args.runs)
                report.add(Figure(name, ours, "ms", args.runs, theirs, f"without {reshape}"))
            there = list(range(args.rows))
            random.Random(0).shuffle(there)
            new = range(args.rows, 2 * args.rows)
            for name, ids in zip(APOC_ROWS, (there, new), strict=True):
                rows = [{"id": key, "x": at} for at, key in enumerate(ids)]
                call = _planned(apoc_writes.rewrite(APOC_IMPORT, "write"), {"rows": rows})
                ours = await _median(raw, call, args.runs)
                theirs = await _median(raw, call, args.runs, before=_containment_merge())
                report.add(Figure(name, ours, "ms", args.runs, theirs, "before 0058-0059"))
        finally:
            await raw.close()
    finally:
        await memory.delete_namespace(NAMESPACE)
        await memory.close()
    report.notes.append(f"load average at the end {os.getloadavg()[0]:.2f}")
    return report


def _planned(query: str, params: dict[str, Any], *, containment: bool = False) -> CypherCall:
    """The call kgmem makes for ``query`` (planned uncached, in this process); with
    ``containment``, MERGE maps left to AGE's containment test."""
    planned, _ = prepare(query, "write", in_lists.shape(query, params))
    return CypherCall(
        graph=NAMESPACE,
        text=planned.text,
        tag=planned.tag,
        columns=len(planned.columns),
        params_json=json.dumps(params),
        max_rows=None,
        lookups=planned.lookups,
        merges=() if containment else planned.merges,
    )


async def _median(
    raw: asyncpg.Connection, call: CypherCall, runs: int, *, before: str = ""
) -> float:
    """The median milliseconds of ``call``, each run in a transaction rolled back after
    it; ``before``: SQL run (untimed) first in that transaction."""
    taken = []
    for _ in range(runs):
        transaction = raw.transaction()
        await transaction.start()
        try:
            await raw.execute("SELECT set_config('kgmem.cypher_graph', $1, true)", NAMESPACE)
            if before:
                await raw.execute(before)
            began = time.perf_counter()
            await cypher_store.run(raw, call)
            taken.append((time.perf_counter() - began) * 1000)
        finally:
            await transaction.rollback()  # the next run starts from the same graph
    return statistics.median(taken)


@contextlib.contextmanager
def _without(reshape: str) -> Iterator[None]:
    """kgmem's rewrites without ``reshape``, planned in this process."""
    saved = rewrite._RESHAPES
    rewrite._RESHAPES = tuple(item for item in saved if item[0] != reshape)
    try:
        yield
    finally:
        rewrite._RESHAPES = saved


def _containment_merge() -> str:
    """The ``CREATE OR REPLACE`` of ``apoc_merge_node`` as it was before migration 0058."""
    return str(earlier("0058_apoc_merge_equality").before("kgmem_neo4j.apoc_merge_node"))
