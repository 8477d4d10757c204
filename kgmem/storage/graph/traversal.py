"""One hop through the graph, in SQL over AGE's edge label tables or in Cypher.

The SQL path reads ``_ag_label_edge`` (the parent of every edge label table) by
``start_id``/``end_id``, which AGE indexes on each label table, and joins the fact side
row for the predicate and whether the fact is current. The Cypher path asks AGE the
same question through ``cypher()``; it exists to check the SQL path gives identical
answers (a test) and to measure the difference (``python -m bench search``). Edges
without a ``_kg_fact`` row (written with raw Cypher) are not traversed by either.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple

import asyncpg

from kgmem.storage import agtype, rows
from kgmem.storage.indexes.candidates import VertexInfo
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import literal, table

Direction = Literal["out", "in"]


@dataclass(frozen=True, slots=True)
class Edge:
    """A current fact edge: graph ids of the edge and its endpoints, and its predicate."""

    id: int
    start: int
    end: int
    predicate: str


@dataclass(frozen=True, slots=True)
class CausalEdge:
    """A current causal fact edge with its strength, lag and uid."""

    id: int
    uid: str
    start: int
    end: int
    predicate: str
    properties: dict[str, Any]


async def step(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    frontier: Sequence[int],
    *,
    exclude: Sequence[str] = (),
    limit: int | None = None,
) -> list[Edge]:
    """Current edges touching any vertex of ``frontier`` in either direction, except
    those whose predicate is in ``exclude``; ordered by edge id."""
    edges, facts = table(ns.name, "_ag_label_edge"), table(ns.name, "_kg_fact")
    # LATERAL with OFFSET 0 (so it is not flattened into a join): one primary-key probe
    # of the fact row per edge. A plain join let the planner hash the whole fact table
    # (growing with the table, instead of one probe per edge).
    parts = [
        f"SELECT e.id, e.start_id, e.end_id, f.predicate FROM {edges} e "
        f"CROSS JOIN LATERAL (SELECT x.predicate FROM {facts} x WHERE x.id = e.id "
        "AND x.expired_at IS NULL AND x.predicate <> ALL($2::text[]) OFFSET 0) f "
        f"WHERE e.{column} = ANY($1::graphid[])"
        for column in ("start_id", "end_id")
    ]
    cap = f" LIMIT {int(limit)}" if limit is not None else ""
    records = await conn.fetch(
        f"SELECT DISTINCT * FROM ({parts[0]} UNION {parts[1]}) s ORDER BY id{cap}",
        list(frontier),
        list(exclude),
    )
    return [Edge(id_, start, end, predicate) for id_, start, end, predicate in records]


_CYPHER_STEP = {
    "out": "UNWIND $ids AS i MATCH (a)-[r]->(b) WHERE id(a) = i AND r.expired_at IS NULL "
    "AND NOT type(r) IN $exclude RETURN id(r), id(a), id(b), type(r)",
    "in": "UNWIND $ids AS i MATCH (b)-[r]->(a) WHERE id(a) = i AND r.expired_at IS NULL "
    "AND NOT type(r) IN $exclude RETURN id(r), id(b), id(a), type(r)",
}


async def step_cypher(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    frontier: Sequence[int],
    *,
    exclude: Sequence[str] = (),
) -> list[Edge]:
    """The same answer as ``step`` (without a limit), computed by AGE's ``cypher()``."""
    params = json.dumps({"ids": list(frontier), "exclude": list(exclude)})
    found: dict[int, Edge] = {}
    for query in _CYPHER_STEP.values():
        records = await conn.fetch(
            f"SELECT * FROM ag_catalog.cypher({literal(ns.name)}, $cy${query}$cy$, $1) "
            "AS (e ag_catalog.agtype, s ag_catalog.agtype, t ag_catalog.agtype, "
            "p ag_catalog.agtype)",
            params,
        )
        for e, s, t, p in records:
            edge = Edge(int(e), int(s), int(t), str(agtype.decode(p)))
            found[edge.id] = edge
    return [found[i] for i in sorted(found)]


async def causal_step(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    frontier: Sequence[int],
    *,
    predicates: Sequence[str],
    direction: Direction,
) -> list[CausalEdge]:
    """Current edges of ``predicates`` leaving (``out``) or entering (``in``) the
    frontier, with their properties."""
    column = "start_id" if direction == "out" else "end_id"
    records = await rows.fetch(
        conn,
        _CausalRow,
        f"SELECT e.id, f.uid, e.start_id, e.end_id, f.predicate, e.properties "
        f"FROM {table(ns.name, '_ag_label_edge')} e CROSS JOIN LATERAL "
        f"(SELECT x.uid, x.predicate FROM {table(ns.name, '_kg_fact')} x WHERE x.id = e.id "
        "AND x.predicate = ANY($2::text[]) AND x.expired_at IS NULL OFFSET 0) f "
        f"WHERE e.{column} = ANY($1::graphid[]) ORDER BY e.id",
        list(frontier),
        list(predicates),
    )
    return [_edge(r) for r in records]


@dataclass(frozen=True, slots=True)
class CausalHop:
    """One hop of a causal walk: its edges (as ``causal_step``), the side rows of their
    far ends, and for the first hop (``causal_first_step``) the anchor's side row."""

    edges: list[CausalEdge]
    vertices: dict[int, VertexInfo]
    anchor: VertexInfo | None = None


_VERTEX_FIELDS = tuple(f.name for f in dataclasses.fields(VertexInfo))


class _CausalRow(NamedTuple):
    """A causal edge as ``causal_step`` reads it (agtype properties)."""

    id: int
    uid: str
    start_id: int
    end_id: int
    predicate: str
    properties: str


class _HopRow(NamedTuple):
    """A row of ``_hop_sql``: a causal edge, then its far end's side row (the fields
    of ``VertexInfo`` with ``v_``; all None when the far end is gone, and the edge's
    too on the anchor's row when it has no edge)."""

    id: int | None
    uid: str
    start_id: int
    end_id: int
    predicate: str
    properties: str
    v_id: int | None
    v_uid: str | None
    v_label: str | None
    v_occurred_at: datetime | None
    v_updated_at: datetime | None
    v_lat: float | None
    v_lon: float | None


_FAR = _HopRow._fields.index("v_id")


def _hop_sql(ns: NamespaceRef, direction: Direction, frontier: str) -> str:
    """Causal edges leaving (``out``) or entering (``in``) the vertices matched by the
    condition ``frontier`` on ``e.start_id``/``e.end_id``, each with the side row of its
    far end (columns ``v_*``); ``$2`` the predicates."""
    column, other = ("start_id", "end_id") if direction == "out" else ("end_id", "start_id")
    far = ", ".join(f"y.{c} AS v_{c}" for c in _VERTEX_FIELDS)
    return (
        f"SELECT e.id, f.uid, e.start_id, e.end_id, f.predicate, e.properties, v.* "
        f"FROM {table(ns.name, '_ag_label_edge')} e CROSS JOIN LATERAL "
        f"(SELECT x.uid, x.predicate FROM {table(ns.name, '_kg_fact')} x WHERE x.id = e.id "
        "AND x.predicate = ANY($2::text[]) AND x.expired_at IS NULL OFFSET 0) f "
        f"LEFT JOIN LATERAL (SELECT {far} FROM {table(ns.name, '_kg_vertex')} y "
        f"WHERE y.id = e.{other} OFFSET 0) v ON true "
        f"WHERE e.{column} {frontier}"
    )


def _edge(r: _CausalRow) -> CausalEdge:
    """The causal edge in a row of ``causal_step`` or of a hop."""
    properties = agtype.decode(r.properties)
    return CausalEdge(r.id, r.uid, r.start_id, r.end_id, r.predicate, properties)


def _vertex(values: Sequence[Any]) -> VertexInfo:
    """A side row from its columns in ``VertexInfo``'s order (``_VERTEX_FIELDS``)."""
    return VertexInfo(*values)


def _hop(records: Sequence[_HopRow]) -> tuple[list[CausalEdge], dict[int, VertexInfo]]:
    edges: list[CausalEdge] = []
    vertices: dict[int, VertexInfo] = {}
    for r in records:
        if r.id is None:  # the anchor's row without an edge
            continue
        edges.append(_edge(_CausalRow._make(r[:_FAR])))
        if r.v_id is not None:
            vertices[r.v_id] = _vertex(r[_FAR:])
    return edges, vertices


async def causal_first_step(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    anchor: str,
    *,
    predicates: Sequence[str],
    direction: Direction,
) -> CausalHop | None:
    """The anchor's side row found by uid and the first hop from it, in one statement;
    None when no vertex has the uid ``anchor``."""
    own = ", ".join(f"a.{c} AS a_{c}" for c in _VERTEX_FIELDS)
    records = await conn.fetch(
        f"SELECT {own}, h.* FROM {table(ns.name, '_kg_vertex')} a LEFT JOIN LATERAL "
        f"({_hop_sql(ns, direction, '= a.id')}) h ON true WHERE a.uid = $1 ORDER BY h.id",
        anchor,
        list(predicates),
    )
    if not records:
        return None
    width = len(_VERTEX_FIELDS)  # the a_* columns, VertexInfo's fields in order
    edges, vertices = _hop([_HopRow._make(r[width:]) for r in records])
    return CausalHop(edges, vertices, _vertex(records[0][:width]))


async def causal_next_step(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    frontier: Sequence[int],
    *,
    predicates: Sequence[str],
    direction: Direction,
) -> CausalHop:
    """``causal_step`` with the side rows of the edges' far ends, in one statement."""
    records = await rows.fetch(
        conn,
        _HopRow,
        f"{_hop_sql(ns, direction, '= ANY($1::graphid[])')} ORDER BY e.id",
        list(frontier),
        list(predicates),
    )
    return CausalHop(*_hop(records))


async def degrees(conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int]) -> dict[int, int]:
    """How many edges touch each vertex of ``ids`` (both directions)."""
    edges = table(ns.name, "_ag_label_edge")
    records = await conn.fetch(
        f"SELECT i AS id, (SELECT count(*) FROM {edges} WHERE start_id = i) "
        f"+ (SELECT count(*) FROM {edges} WHERE end_id = i) AS n "
        "FROM unnest($1::graphid[]) AS i",
        list(ids),
    )
    return {id_: int(n) for id_, n in records}
