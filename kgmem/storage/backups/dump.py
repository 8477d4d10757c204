"""Reading a whole namespace, or the subgraph around some vertices, in chunks (exports).

Reads run in one read-only repeatable-read transaction per pass with a server-side
cursor, so an export sees one consistent snapshot and holds a chunk at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg
import orjson

from kgmem.declarations.entity import SIDE_COLUMNS
from kgmem.declarations.fact import FACT_BLOCK, TIMES
from kgmem.storage import agtype, rows
from kgmem.storage.bulk.ops import Revision
from kgmem.storage.graph import fact_data
from kgmem.storage.indexes import candidates
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table


@dataclass(frozen=True, slots=True)
class DumpedVertex:
    """A stored vertex as exported (properties without ``uid``); ``location`` its point
    as (lat, lon) in degrees, None when it has none."""

    uid: str
    label: str
    properties: dict[str, Any]
    location: tuple[float, float] | None = None


FACT_FIELDS = FACT_BLOCK


@dataclass(frozen=True, slots=True)
class DumpedEdge:
    """A stored edge as exported (all its agtype properties) with its claim sources and
    its fact's time and trust (``FACT_FIELDS``: times as ISO 8601 text, ``status`` and
    ``trust`` as verification last scored them; None when unset or never scored) and
    ``revised_at``, since when the fact's version is believed (None when never revised
    or in an "as of" export), and ``closed_by``, the uid of the fact whose value closed
    it (None when none did, or in an "as of" export).
    An export (but an "as of" one) also gives each claim in force (``claims``: source,
    episode, confidence, observed_at) and each withdrawn one (``withdrawn``: the same
    and withdrawn_at), so that a dump restores them (``kgmem.storage.bulk.restore``)."""

    uid: str
    label: str
    start: str
    end: str
    properties: dict[str, Any]
    sources: tuple[str, ...]
    fact: dict[str, Any] = field(default_factory=dict)
    claims: tuple[dict[str, Any], ...] = ()
    withdrawn: tuple[dict[str, Any], ...] = ()
    revised_at: str | None = None
    closed_by: str | None = None


class _VertexRow(NamedTuple):
    """A vertex as ``vertices`` reads it: the side columns an export carries
    (``CARRIED``, in their declared order), then its agtype properties."""

    uid: str
    label: str
    lat: float | None
    lon: float | None
    properties: str


CARRIED = tuple(c.name for c in SIDE_COLUMNS if c.carried)
"""The side columns of a vertex that an export carries (its location as ``location``);
the rest an import rebuilds (``kgmem.declarations.entity``)."""


class _EdgeRow(NamedTuple):
    """An edge as ``edges`` reads it: its fact, endpoints, agtype properties, claim
    sources and score."""

    uid: str
    predicate: str
    start: str
    end: str
    properties: str
    sources: list[str]
    valid_from: datetime | None
    valid_to: datetime | None
    recorded_at: datetime | None
    expired_at: datetime | None
    revised_at: datetime | None
    status: str | None
    trust: float | None
    claims: str | None
    withdrawn: str | None
    closed_by: str | None
    declared: str | None


@dataclass(frozen=True, slots=True)
class EdgeFilter:
    """Which facts an export keeps: all (the default), those true at ``as_of`` as the
    store believed then (recorded by then, each with the validity believed then:
    ``kgmem.storage.graph.revisions``), or with ``current`` those true and not closed now."""

    as_of: datetime | None = None
    current: bool = False


async def subgraph(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str], depth: int
) -> list[int]:
    """Graph ids of the vertices ``uids`` and of those within ``depth`` edges of them
    (either direction)."""
    edges = table(ns.name, "_ag_label_edge")
    records = await conn.fetch(
        f"""
        WITH RECURSIVE near(id, d) AS (
          SELECT id, 0 FROM {table(ns.name, "_kg_vertex")} WHERE uid = ANY($1::text[])
          UNION
          SELECT CASE WHEN e.start_id = n.id THEN e.end_id ELSE e.start_id END, n.d + 1
          FROM near n JOIN {edges} e ON e.start_id = n.id OR e.end_id = n.id
          WHERE n.d < $2
        )
        SELECT DISTINCT id FROM near
        """,
        list(uids),
        depth,
    )
    return [id_ for (id_,) in records]


async def claimants(conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int]) -> list[int]:
    """Graph ids of the vertices outside ``ids`` that are the source or episode of a
    claim, in force or withdrawn, on a fact between vertices of ``ids`` (so that a
    subgraph dump carries what its claims name)."""
    edges = table(ns.name, "_ag_label_edge")
    parts = [
        f"SELECT unnest(ARRAY[c.source_id, c.episode_id]) AS id FROM {table(ns.name, t)} c "
        f"JOIN {edges} e ON e.id = c.fact_id "
        "WHERE e.start_id = ANY($1::graphid[]) AND e.end_id = ANY($1::graphid[])"
        for t in ("_kg_claim", "_kg_claim_history")
    ]
    records = await conn.fetch(
        f"SELECT DISTINCT id FROM ({' UNION ALL '.join(parts)}) x "
        "WHERE id IS NOT NULL AND NOT id = ANY($1::graphid[])",
        list(ids),
    )
    return [id_ for (id_,) in records]


async def vertices(
    conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int] | None, chunk: int = 5000
) -> AsyncIterator[list[DumpedVertex]]:
    """Vertices in uid order (only ``ids`` if given); call inside a transaction."""
    where = "" if ids is None else "WHERE v.id = ANY($1::graphid[])"
    sql = (
        f"SELECT {', '.join(f'v.{c}' for c in CARRIED)}, t.properties "
        f"FROM {table(ns.name, '_kg_vertex')} v "
        f"JOIN {table(ns.name, '_ag_label_vertex')} t ON t.id = v.id {where} ORDER BY v.uid"
    )
    args = [] if ids is None else [list(ids)]
    async for found in rows.chunks(conn, _VertexRow, sql, *args, size=chunk):
        yield [_vertex(r) for r in found]


def _vertex(r: _VertexRow) -> DumpedVertex:
    props = agtype.decode(r.properties)
    props.pop("uid", None)
    located = (r.lat, r.lon) if r.lat is not None and r.lon is not None else None
    return DumpedVertex(r.uid, r.label, props, located)


async def edges(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    ids: Sequence[int] | None,
    chunk: int = 5000,
    *,
    keep: EdgeFilter | None = None,
) -> AsyncIterator[list[DumpedEdge]]:
    """Edges in uid order (only those between ``ids`` if given, only the facts ``keep``
    keeps); call inside a transaction."""
    keep = keep or EdgeFilter()
    conditions, args = _edge_conditions(ids, keep)
    vertex, claim = table(ns.name, "_kg_vertex"), table(ns.name, "_kg_claim")
    facts = table(ns.name, "_kg_fact")
    data, joined = "f", ""  # the side row holding the data fields
    if keep.as_of is not None and fact_data.NAMES:  # the versions read have no such columns
        data, joined = "fd", f"JOIN {facts} fd ON fd.id = f.id "
    if keep.as_of is not None:  # each fact as believed then, with the claims in force then
        at = f"${len(args)}::timestamptz"
        facts = f"({candidates.known_facts(ns, at)})"
        claim = (
            f"(SELECT fact_id, source_id FROM {claim} UNION SELECT fact_id, source_id "
            f"FROM {table(ns.name, '_kg_claim_history')} WHERE withdrawn_at > {at} "
            f"AND observed_at <= {at})"
        )
    sql = (
        f"SELECT f.uid, f.predicate, s.uid AS start, o.uid AS end, e.properties, "
        f"ARRAY(SELECT x.uid FROM {claim} c JOIN {vertex} x ON x.id = c.source_id "
        f"WHERE c.fact_id = f.id ORDER BY x.uid) AS sources, "
        f"f.valid_from, f.valid_to, f.recorded_at, f.expired_at, {_revised_at(keep)}, "
        f"sc.status, sc.trust, "
        f"{_claim_list(ns, keep, withdrawn=False)} AS claims, "
        f"{_claim_list(ns, keep, withdrawn=True)} AS withdrawn, "
        f"{_closer(ns, keep)} AS closed_by, {fact_data.read(data)} AS declared "
        f"FROM {facts} f "
        f"JOIN {table(ns.name, '_ag_label_edge')} e ON e.id = f.id "
        f"JOIN {vertex} s ON s.id = e.start_id JOIN {vertex} o ON o.id = e.end_id "
        f"LEFT JOIN {table(ns.name, '_kg_fact_score')} sc ON sc.fact_id = f.id {joined}"
        f"{'WHERE ' + ' AND '.join(conditions) if conditions else ''} ORDER BY f.uid"
    )
    async for found in rows.chunks(conn, _EdgeRow, sql, *args, size=chunk):
        yield [_edge(r) for r in found]


def _revised_at(keep: EdgeFilter) -> str:
    """SQL: since when a fact's version is believed (an "as of" export reads versions
    whose side rows have no such column: null)."""
    return "NULL::timestamptz AS revised_at" if keep.as_of is not None else "f.revised_at"


def _closer(ns: NamespaceRef, keep: EdgeFilter) -> str:
    """SQL: the uid of the fact that closed this one (an "as of" export reads versions
    without that column: null)."""
    if keep.as_of is not None:
        return "NULL::text"
    return f"(SELECT c.uid FROM {table(ns.name, '_kg_fact')} c WHERE c.id = f.closed_by)"


def _claim_list(ns: NamespaceRef, keep: EdgeFilter, *, withdrawn: bool) -> str:
    """SQL: a fact's claims in force (or withdrawn ones) as JSON text, null when none or
    when ``keep`` reads the past (an "as of" export names the sources then only)."""
    if keep.as_of is not None:
        return "NULL::text"
    vertex = table(ns.name, "_kg_vertex")
    extra = (
        ", 'withdrawn_at', c.withdrawn_at"
        if withdrawn
        else ", 'stated_from', c.stated_from, 'stated_to', c.stated_to, 'stated', c.stated"
    )
    claims = table(ns.name, "_kg_claim_history" if withdrawn else "_kg_claim")
    return (
        "(SELECT json_agg(json_build_object('source', x.uid, 'episode', y.uid, "
        f"'confidence', c.confidence, 'observed_at', c.observed_at{extra}) "
        "ORDER BY c.observed_at, x.uid, y.uid)::text "
        f"FROM {claims} c LEFT JOIN {vertex} x ON x.id = c.source_id "
        f"LEFT JOIN {vertex} y ON y.id = c.episode_id WHERE c.fact_id = f.id)"
    )


class _RevisionRow(NamedTuple):
    fact: str
    valid_from: datetime | None
    valid_to: datetime | None
    expired_at: datetime | None
    known_from: datetime
    known_to: datetime


async def fact_revisions(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    ids: Sequence[int] | None,
    chunk: int = 5000,
    *,
    keep: EdgeFilter | None = None,
) -> AsyncIterator[list[Revision]]:
    """The revisions of the facts ``edges`` exports with the same arguments, by fact uid
    then known time; none for an "as of" export (it holds the versions believed then,
    not their history). Call inside a transaction."""
    keep = keep or EdgeFilter()
    if keep.as_of is not None:
        return
    conditions, args = _edge_conditions(ids, keep)
    sql = (
        f"SELECT f.uid AS fact, r.valid_from, r.valid_to, r.expired_at, r.known_from, r.known_to "
        f"FROM {table(ns.name, '_kg_fact_revision')} r "
        f"JOIN {table(ns.name, '_kg_fact')} f ON f.id = r.fact_id "
        f"JOIN {table(ns.name, '_ag_label_edge')} e ON e.id = f.id "
        f"{'WHERE ' + ' AND '.join(conditions) if conditions else ''} "
        "ORDER BY f.uid, r.known_from, r.known_to"
    )
    async for found in rows.chunks(conn, _RevisionRow, sql, *args, size=chunk):
        yield [_revision(r) for r in found]


def _revision(r: _RevisionRow) -> Revision:
    return Revision(
        r.fact,
        _iso(r.valid_from),
        _iso(r.valid_to),
        _iso(r.expired_at),
        r.known_from.isoformat(),
        r.known_to.isoformat(),
    )


def _edge_conditions(ids: Sequence[int] | None, keep: EdgeFilter) -> tuple[list[str], list[object]]:
    conditions: list[str] = []
    args: list[object] = []
    if ids is not None:
        args.append(list(ids))
        conditions.append("e.start_id = ANY($1::graphid[]) AND e.end_id = ANY($1::graphid[])")
    if keep.as_of is not None or keep.current:
        # With as_of the rows are the versions believed then (``edges``), which were
        # recorded by then; true then is what those versions say.
        args.append(keep.as_of)
        t = f"coalesce(${len(args)}::timestamptz, now())"
        conditions.append(
            f"(f.valid_from IS NULL OR f.valid_from <= {t}) "
            f"AND (f.valid_to IS NULL OR f.valid_to > {t})"
        )
        if keep.current:
            conditions.append("f.expired_at IS NULL")
    return conditions, args


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _edge(r: _EdgeRow) -> DumpedEdge:
    values = {**r._asdict(), **fact_data.decode(r.declared)}
    fact = {k: _iso(values[k]) if k in TIMES else values[k] for k in FACT_FIELDS}
    return DumpedEdge(
        r.uid,
        r.predicate,
        r.start,
        r.end,
        agtype.decode(r.properties),
        tuple(r.sources),
        fact,
        tuple(orjson.loads(r.claims)) if r.claims else (),
        tuple(orjson.loads(r.withdrawn)) if r.withdrawn else (),
        _iso(r.revised_at),
        r.closed_by,
    )
