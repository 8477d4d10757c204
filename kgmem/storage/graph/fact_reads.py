"""Reading facts back: one by uid, a filtered page, those touching an entity, a
search's hits by graph id; each with its provenance, stored trust and status.

The writes are in ``kgmem.storage.graph.facts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg

from kgmem.declarations.fact import MIRRORED_KEYS
from kgmem.model import Fact
from kgmem.model.records import VerificationStatus
from kgmem.storage import agtype, rows
from kgmem.storage.graph import fact_data
from kgmem.storage.graph.vertices import properties_of
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

SYSTEM_KEYS = MIRRORED_KEYS
"""The edge properties kgmem itself writes (mirrors of the side row), not the caller's."""


@dataclass(frozen=True, slots=True)
class FactFilter:
    """Which facts a listing returns; None means any."""

    subject_id: int | None = None
    object_id: int | None = None
    predicate: str | None = None
    include_closed: bool = False


class FactRecord(NamedTuple):
    """A fact as ``_SELECT`` reads it: its side row, endpoint uids, provenance, stored
    score (None when never scored), where the statement reads them the edge's
    properties as agtype text, and its declared data fields as JSON text. The fields
    before ``properties`` are named as ``Fact``'s, which ``_fact`` builds from them."""

    id: int
    uid: str
    predicate: str
    subject: str
    object: str
    valid_from: datetime | None
    valid_to: datetime | None
    recorded_at: datetime
    expired_at: datetime | None
    confidence: float | None
    text: str | None
    sources: list[str]
    episodes: list[str]
    trust: float | None
    verification: VerificationStatus | None
    properties: str | None
    declared: str | None


def side_table(ns: NamespaceRef) -> str:
    """The namespace's ``_kg_fact`` side table."""
    return table(ns.name, "_kg_fact")


def edge_table(ns: NamespaceRef) -> str:
    """AGE's parent table of all edge labels (its children index start_id and end_id)."""
    return table(ns.name, "_ag_label_edge")


_SELECT = """
SELECT f.id, f.uid, f.predicate, s.uid AS subject, o.uid AS object, f.valid_from, f.valid_to,
       f.recorded_at, f.expired_at, f.confidence, f.text,
       ARRAY(SELECT DISTINCT x.uid FROM {claim} c JOIN {vertex} x ON x.id = c.source_id
             WHERE c.fact_id = f.id ORDER BY x.uid) AS sources,
       ARRAY(SELECT DISTINCT x.uid FROM {claim} c JOIN {vertex} x ON x.id = c.episode_id
             WHERE c.fact_id = f.id ORDER BY x.uid) AS episodes,
       sc.trust, sc.status AS verification, {properties} AS properties, {declared} AS declared
FROM {fact} f JOIN {vertex} s ON s.id = f.subject_id JOIN {vertex} o ON o.id = f.object_id
LEFT JOIN {score} sc ON sc.fact_id = f.id
"""


def _select(ns: NamespaceRef, *, properties: bool = False) -> str:
    """``_SELECT`` for ``ns``; with ``properties`` it reads each edge's properties too
    (one index probe per label table and row: worth it for a search's few hits), else
    that column is NULL and ``_with_properties`` reads them per label afterwards."""
    edge_properties = f"(SELECT e.properties FROM {edge_table(ns)} e WHERE e.id = f.id)"
    return _SELECT.format(
        fact=side_table(ns),
        vertex=table(ns.name, "_kg_vertex"),
        claim=table(ns.name, "_kg_claim"),
        score=table(ns.name, "_kg_fact_score"),
        properties=edge_properties if properties else "NULL",
        declared=fact_data.read("f"),
    )


async def get(conn: asyncpg.Connection, ns: NamespaceRef, uid: str) -> Fact | None:
    """Fact ``uid`` with properties and provenance, or None."""
    records = await rows.fetch(conn, FactRecord, f"{_select(ns)} WHERE f.uid = $1", uid)
    facts = await _with_properties(conn, ns, records)
    return facts[0] if facts else None


async def page(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    where: FactFilter,
    *,
    after: int | None,
    limit: int,
) -> list[Fact]:
    """Up to ``limit`` facts matching ``where`` in graph-id order, after id ``after``."""
    clauses = ["f.id > $1"]
    args: list[object] = [after if after is not None else 0]
    edges = edge_table(ns)
    for column, value in (("start_id", where.subject_id), ("end_id", where.object_id)):
        if value is not None:
            args.append(value)
            clauses.append(f"f.id IN (SELECT e.id FROM {edges} e WHERE e.{column} = ${len(args)})")
    if where.predicate is not None:
        args.append(where.predicate)
        clauses.append(f"f.predicate = ${len(args)}")
    if not where.include_closed:
        clauses.append("f.expired_at IS NULL")
    args.append(limit)
    sql = f"{_select(ns)} WHERE {' AND '.join(clauses)} ORDER BY f.id LIMIT ${len(args)}"
    return await _with_properties(conn, ns, await rows.fetch(conn, FactRecord, sql, *args))


async def touching(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    vertex_id: int,
    *,
    include_closed: bool,
    limit: int,
) -> tuple[list[Fact], list[Fact]]:
    """Facts going out of and coming into a vertex, each list capped at ``limit``."""
    closed = "" if include_closed else " AND f.expired_at IS NULL"
    found = []
    for column in ("start_id", "end_id"):
        found.append(
            await rows.fetch(
                conn,
                FactRecord,
                f"{_select(ns)} WHERE f.id IN (SELECT e.id FROM {edge_table(ns)} e "
                f"WHERE e.{column} = $1){closed} ORDER BY f.id LIMIT $2",
                vertex_id,
                limit,
            )
        )
    out, into = found
    return await _with_properties(conn, ns, out), await _with_properties(conn, ns, into)


async def _with_properties(
    conn: asyncpg.Connection, ns: NamespaceRef, records: Sequence[FactRecord]
) -> list[Fact]:
    props = await properties_of(conn, ns, [(r.id, r.predicate) for r in records])
    return [_fact(r, props.get(r.id, {})) for r in records]


def _fact(record: FactRecord, properties: dict[str, Any]) -> Fact:
    for key in SYSTEM_KEYS:
        properties.pop(key, None)
    fields = record._asdict()
    del fields["properties"]
    fields.update(
        properties=properties,
        sources=tuple(record.sources),
        episodes=tuple(record.episodes),
        declared=fact_data.decode(record.declared),
    )
    # Every read of a fact carries its stored score (None when never scored).
    return Fact(**fields)


async def by_ids(conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int]) -> dict[int, Fact]:
    """Facts by graph id with properties, provenance and their stored trust and
    verification status (None when never scored); missing ids are left out. One
    statement."""
    records = await rows.fetch(
        conn,
        FactRecord,
        f"{_select(ns, properties=True)} WHERE f.id = ANY($1::graphid[])",
        list(ids),
    )
    return {
        r.id: _fact(r, agtype.decode(r.properties) if r.properties is not None else {})
        for r in records
    }
