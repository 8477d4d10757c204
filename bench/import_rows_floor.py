"""The server's floor under ``python -m bench import``: what PostgreSQL alone spends to
store the rows and indexes a kgmem import leaves, with no importer work at all.

After the WN18RR import, every table of that namespace that holds rows (AGE's label
tables and kgmem's side tables) is read back with ``COPY ... TO STDOUT`` (text). In a
scratch schema the same tables are created without indexes (``LIKE``), and then, timed
with the server's CPU (embedded server only):

- **COPY**: each table's rows sent back as they were read, one text ``COPY`` per table
  (the client only forwards bytes it already holds);
- **indexes**: each of the namespace's index definitions on those tables built once over
  the loaded rows (a bulk build, the cheapest way to get a b-tree or BM25 index);
- **ANALYZE**: the namespace's own tables analysed again exactly as a load ends
  (``bulk.analyze_table``: same columns and statistics targets).

Their sum is the CPU the server needs per statement to hold what the import must leave
(the graph in AGE's tables, the side rows kgmem's search and API read, and their
indexes), without kgmem's per-batch look-ups, journal rows or locks. On a machine
with ``cores`` cores, no load of those rows can pass ``cores / sum`` statements per
second, whatever the importer costs; that ceiling is printed with the figures.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from bench.import_floor import payload_chunks
from kgmem.storage import bulk
from kgmem.storage.graph import namespaces
from kgmem.storage.sql import ident, table

SCRATCH = "bench_rows_floor"


@dataclass(frozen=True, slots=True)
class RowsFloor:
    """Server CPU seconds of each part, for ``triples`` statements in ``tables`` tables
    holding ``rows`` rows and ``indexes`` indexes."""

    triples: int
    tables: int
    rows: int
    indexes: int
    copy_cpu: float
    index_cpu: float
    analyze_cpu: float
    copy_seconds: float
    builds: dict[str, float]

    @property
    def total(self) -> float:
        """Server CPU seconds of all three parts."""
        return self.copy_cpu + self.index_cpu + self.analyze_cpu

    def per_triple(self, seconds: float) -> float:
        """``seconds`` in microseconds per statement."""
        return seconds / self.triples * 1e6

    def ceiling(self, cores: int) -> float:
        """Statements per second the server could not pass with ``cores`` busy on it."""
        return self.triples * cores / self.total if self.total else 0.0

    def describe(self, cores: int) -> str:
        """One line with every figure, per statement, and the costliest index builds."""
        top = sorted(self.builds.items(), key=lambda kv: -kv[1])[:4]
        return (
            f"server floor (kgmem's rows and indexes, no importer work): "
            f"{self.per_triple(self.total):.1f} us of server CPU per triple: COPY of "
            f"{self.rows:,} rows into {self.tables} tables {self.per_triple(self.copy_cpu):.1f}, "
            f"{self.indexes} index builds {self.per_triple(self.index_cpu):.1f} ("
            + ", ".join(f"{name} {self.per_triple(cpu):.1f}" for name, cpu in top)
            + f", ...), ANALYZE {self.per_triple(self.analyze_cpu):.1f}; so at most "
            f"{self.ceiling(cores):,.0f} triples/s with {cores} cores on the server alone"
        )


async def measure_rows_floor(
    conn: asyncpg.Connection, namespace: str, triples: int, server_cpu: Callable[[], float]
) -> RowsFloor:
    """Measure the floor on the rows of ``namespace`` (just loaded with ``triples``
    statements); see the module docstring. Leaves no scratch schema behind."""
    ns = await namespaces.resolve(conn, namespace)
    tables = [
        r["relname"]
        for r in await conn.fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = $1 AND c.relkind = 'r' AND pg_relation_size(c.oid) > 0 "
            "ORDER BY c.relname",
            namespace,
        )
    ]
    defs = [
        r["indexdef"]
        for r in await conn.fetch(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = ANY($2::text[])",
            namespace,
            tables,
        )
    ]
    payloads: dict[str, bytes] = {}
    for name in tables:
        chunks: list[bytes] = []

        async def take(data: bytes, chunks: list[bytes] = chunks) -> None:
            chunks.append(data)

        await conn.copy_from_query(f"SELECT * FROM ONLY {table(namespace, name)}", output=take)
        payloads[name] = b"".join(chunks)
    rows = sum(p.count(b"\n") for p in payloads.values())

    await conn.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")
    await conn.execute(f"CREATE SCHEMA {SCRATCH}")
    try:
        for name in tables:
            await conn.execute(
                f"CREATE TABLE {table(SCRATCH, name)} (LIKE {table(namespace, name)})"
            )
        await conn.execute("CHECKPOINT")
        cpu0, wall0 = server_cpu(), time.perf_counter()
        for name, payload in payloads.items():
            await conn.copy_to_table(
                name, schema_name=SCRATCH, source=payload_chunks(payload), format="text"
            )
        copy_seconds = time.perf_counter() - wall0
        cpu1 = server_cpu()
        quoted = re.escape(ident(namespace))
        own = re.compile(rf" ON (?:ONLY )?(?:{quoted}|{re.escape(namespace)})\.")
        builds: dict[str, float] = {}
        for definition in defs:
            scratch, found = own.subn(f" ON {SCRATCH}.", definition, count=1)
            if not found:  # never build a second index on the namespace's own table
                raise RuntimeError(f"cannot place index in the scratch schema: {definition}")
            before = server_cpu()
            await conn.execute(scratch)
            builds[definition.split(" ON ", 1)[0].rsplit(" ", 1)[-1]] = server_cpu() - before
        cpu2 = server_cpu()
        async with conn.transaction():
            for name in ("_ag_label_vertex", "_ag_label_edge", *tables):
                await bulk.analyze_table(conn, ns, name)
        cpu3 = server_cpu()
    finally:
        await conn.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")
    return RowsFloor(
        triples=triples,
        tables=len(tables),
        rows=rows,
        indexes=len(defs),
        copy_cpu=cpu1 - cpu0,
        index_cpu=cpu2 - cpu1,
        analyze_cpu=cpu3 - cpu2,
        copy_seconds=copy_seconds,
        builds=builds,
    )
