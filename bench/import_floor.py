"""The floor under ``python -m bench import``: what the cheapest load of the same
N-Triples into a bare AGE graph costs on this machine, measured in the same run.

Two parts, each timed on its own:

- **Python alone**: reading the file, parsing each line with kgmem's own N-Triples
  parser (``kgmem.io.ntriples.parse_line``), collecting the distinct vertex uids, and
  encoding COPY text rows for AGE's label tables (``id\\tproperties`` for vertices,
  ``id\\tstart_id\\tend_id\\tproperties`` for edges; graph ids computed from the
  reserved sequence values as ``label_id << 48 | entry``). CPU time of this process
  (``time.process_time``), so other processes' load does not stretch it.
- **AGE alone**: in a fresh graph, one vertex label and one edge label per predicate
  (local name, as kgmem labels them), graph ids taken from each label's own sequence
  in one statement (``nextval`` over ``generate_series``), then one text ``COPY`` of
  the vertices into their label table and one per edge label: AGE's tables and
  indexes only (no uid index, no kgmem side tables, no text index, no journal), each
  vertex's properties ``{"uid": IRI}`` and each edge's ``{"iri": predicate IRI}``
  (the least a graph that keeps the statements needs). Wall time and the server's
  CPU time (embedded server only), then ANALYZE of the graph's tables on its own.

The floor rate is the statements over the sum of the Python CPU time and the load's
wall time: a single process doing the least possible work, with nothing overlapped.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import orjson

from kgmem.io.ntriples import parse_line

FLOOR_GRAPH = "bench_import_floor"
_ENTRY_BITS = 48


@dataclass(frozen=True, slots=True)
class Floor:
    """The floor's measurements; seconds, and CPU seconds where named so."""

    triples: int
    vertices: int
    parse_cpu: float
    encode_cpu: float
    copy_seconds: float
    copy_server_cpu: float
    analyze_seconds: float

    @property
    def rate(self) -> float:
        """Statements per second: Python's CPU time plus the COPYs' wall time."""
        return self.triples / (self.parse_cpu + self.encode_cpu + self.copy_seconds)

    @property
    def python_rate(self) -> float:
        """Statements per second of Python alone (parse and encode)."""
        return self.triples / (self.parse_cpu + self.encode_cpu)

    def per_triple(self, seconds: float) -> float:
        """``seconds`` in microseconds per statement."""
        return seconds / self.triples * 1e6

    def describe(self) -> str:
        """One line with every figure, per statement."""
        return (
            f"floor (bare AGE, text COPY into label tables): {self.rate:,.0f} triples/s; "
            f"Python parse {self.per_triple(self.parse_cpu):.1f} us + encode "
            f"{self.per_triple(self.encode_cpu):.1f} us CPU per triple "
            f"({self.python_rate:,.0f} triples/s alone); COPY {self.copy_seconds:.2f} s wall, "
            f"server CPU {self.per_triple(self.copy_server_cpu):.1f} us per triple; "
            f"ANALYZE {self.analyze_seconds:.2f} s; {self.vertices:,} vertices"
        )


def _local(iri: str) -> str:
    name = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return "".join(c if c.isalnum() else "_" for c in name) or "rel"


def _field(text: str) -> str:
    return text.replace("\\", "\\\\") if "\\" in text else text


async def measure_floor(
    conn: asyncpg.Connection, path: Path, server_cpu: Callable[[], float]
) -> Floor:
    """Load ``path`` (N-Triples, IRIs only) into a fresh bare AGE graph; see the module
    docstring. ``conn`` has ``ag_catalog`` on its search path and AGE loaded."""
    started = time.process_time()
    uids, edges = _parse(path)
    parse_cpu = time.process_time() - started
    triples = sum(len(rows) for rows in edges.values())

    if await conn.fetchval("SELECT count(*) FROM ag_graph WHERE name = $1", FLOOR_GRAPH):
        await conn.execute("SELECT drop_graph($1, true)", FLOOR_GRAPH)
    await conn.execute("SELECT create_graph($1)", FLOOR_GRAPH)
    labels = {"Resource": "v", **dict.fromkeys({_local(p) for p in edges}, "e")}
    for name, kind in labels.items():
        create = "create_vlabel" if kind == "v" else "create_elabel"
        await conn.execute(f"SELECT {create}($1, $2)", FLOOR_GRAPH, name)
    catalog = {
        r["name"]: (r["id"], r["seq_name"])
        for r in await conn.fetch(
            "SELECT l.name::text AS name, l.id, l.seq_name::text AS seq_name "
            "FROM ag_label l JOIN ag_graph g ON g.graphid = l.graph WHERE g.name = $1",
            FLOOR_GRAPH,
        )
    }
    by_label: dict[str, list[tuple[str, str, str]]] = {}
    for p, rows in edges.items():
        by_label.setdefault(_local(p), []).extend((s, o, p) for s, o in rows)

    cpu0 = server_cpu()
    wall0 = time.perf_counter()
    reserved = {}
    for name, count in (("Resource", len(uids)), *((k, len(v)) for k, v in by_label.items())):
        label_id, seq = catalog[name]
        entries = await conn.fetchval(
            "SELECT array_agg(nextval($1::regclass)) FROM generate_series(1, $2)",
            f'"{FLOOR_GRAPH}"."{seq}"',
            count,
        )
        reserved[name] = [label_id << _ENTRY_BITS | e for e in entries]
    wall_reserve = time.perf_counter() - wall0

    encode0 = time.process_time()
    vertex_rows, edge_rows = _encode(uids, by_label, reserved)
    encode_cpu = time.process_time() - encode0

    wall1 = time.perf_counter()
    await _copy(conn, "Resource", ("id", "properties"), vertex_rows)
    for name, payload in edge_rows.items():
        await _copy(conn, name, ("id", "start_id", "end_id", "properties"), payload)
    copy_seconds = wall_reserve + time.perf_counter() - wall1
    copy_cpu = server_cpu() - cpu0

    wall2 = time.perf_counter()
    for name in ("_ag_label_vertex", "_ag_label_edge", *labels):
        await conn.execute(f'ANALYZE "{FLOOR_GRAPH}"."{name}"')
    analyze_seconds = time.perf_counter() - wall2
    await conn.execute("SELECT drop_graph($1, true)", FLOOR_GRAPH)
    return Floor(
        triples=triples,
        vertices=len(uids),
        parse_cpu=parse_cpu,
        encode_cpu=encode_cpu,
        copy_seconds=copy_seconds,
        copy_server_cpu=copy_cpu,
        analyze_seconds=analyze_seconds,
    )


def _parse(path: Path) -> tuple[dict[str, None], dict[str, list[tuple[str, str]]]]:
    """The file's distinct vertex uids (first-seen order) and its (subject, object)
    pairs by predicate."""
    uids: dict[str, None] = {}
    edges: dict[str, list[tuple[str, str]]] = {}
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            q = parse_line(line.rstrip("\n"), n, quads=False)
            if q is None or not isinstance(q.o, str):
                continue
            uids[q.s] = None
            uids[q.o] = None
            edges.setdefault(q.p, []).append((q.s, q.o))
    return uids, edges


def _encode(
    uids: dict[str, None],
    by_label: dict[str, list[tuple[str, str, str]]],
    reserved: dict[str, list[int]],
) -> tuple[bytes, dict[str, bytes]]:
    """COPY text payloads: the vertex label table's, and each edge label table's."""
    vertex_ids = dict(zip(uids, reserved["Resource"], strict=True))
    dumps = orjson.dumps
    vertex_rows = "".join(
        f"{i}\t{_field(dumps({'uid': u}).decode())}\n" for u, i in vertex_ids.items()
    ).encode()
    edge_rows = {
        name: "".join(
            f"{i}\t{vertex_ids[s]}\t{vertex_ids[o]}\t{_field(dumps({'iri': p}).decode())}\n"
            for i, (s, o, p) in zip(reserved[name], rows, strict=True)
        ).encode()
        for name, rows in by_label.items()
    }
    return vertex_rows, edge_rows


async def _copy(
    conn: asyncpg.Connection, name: str, columns: tuple[str, ...], payload: bytes
) -> None:
    await conn.copy_to_table(
        name,
        schema_name=FLOOR_GRAPH,
        columns=list(columns),
        source=payload_chunks(payload),
        format="text",
    )


async def payload_chunks(payload: bytes) -> AsyncIterator[bytes]:
    """A COPY text payload in pieces of about 1 MiB, each cut after a row."""
    pos = 0
    while pos < len(payload):
        end = payload.find(b"\n", pos + (1 << 20)) + 1 or len(payload)
        yield payload[pos:end]
        pos = end
