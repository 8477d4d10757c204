"""Vertices: an AGE label row plus a ``_kg_vertex`` side row, always written together.

Upsert order (one transaction, set-based per label):

1. lock the side rows of uids that exist (``FOR UPDATE``);
2. reserve graph ids for new uids by inserting their side rows first,
   ``ON CONFLICT (uid) DO NOTHING``: a concurrent writer of the same new uid waits on
   the unique index and then finds it existing, so one uid never makes two vertices;
3. insert new label rows with those ids; update existing ones in place;
4. a uid whose label changed moves to the new label table under a new graph id; its
   edges, facts and claims are re-pointed to it.

Side tables have no foreign keys (see migration 0001): deleting a vertex deletes its
edges, the facts that touch it and their claims explicitly, in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg

from kgmem.declarations.entity import COLUMNS, REWRITTEN
from kgmem.model import Entity, GeoPoint
from kgmem.storage import agtype
from kgmem.storage import rows as typed_rows
from kgmem.storage.graph import element_properties, element_rows, relabels
from kgmem.storage.graph.labels import LabelInfo
from kgmem.storage.indexes import embeddings
from kgmem.storage.refs import NamespaceRef, VertexRef
from kgmem.storage.sql import label_table, table


@dataclass(slots=True)  # not frozen: a frozen init costs ~4x (made per item)
class VertexRow:
    """A validated vertex ready for storage. ``properties`` are the caller's; storage adds
    ``uid`` to the stored agtype map."""

    uid: str
    label: str
    properties: Mapping[str, Any]
    text: str | None
    embedding: Sequence[float] | None
    keep_embedding: bool = False
    location: GeoPoint | None = None

    @property
    def lat(self) -> float | None:
        return self.location.lat if self.location else None

    @property
    def lon(self) -> float | None:
        return self.location.lon if self.location else None

    @property
    def name(self) -> str | None:
        name = self.properties.get("name")
        return name if isinstance(name, str) else None

    @property
    def occurred_at(self) -> datetime | None:
        return occurred_time(self.properties)


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """Graph id of each upserted uid and whether it was created."""

    uid: str
    id: int
    created: bool


def _side(ns: NamespaceRef) -> str:
    return table(ns.name, "_kg_vertex")


def _stored_properties(row: VertexRow) -> str:
    return agtype.encode({**row.properties, "uid": row.uid})


OCCURRED_KEYS = ("occurred_at", "starts_at")


def occurred_time(properties: Mapping[str, Any]) -> datetime | None:
    """When an episode or event happened: its ``occurred_at`` or ``starts_at`` property
    (ISO 8601 with an offset; anything else leaves the vertex untimed)."""
    for key in OCCURRED_KEYS:
        value = properties.get(key)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            if parsed.tzinfo is not None:
                return parsed
    return None


async def upsert(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    labels: Mapping[str, LabelInfo],
    rows: Sequence[VertexRow],
) -> list[UpsertResult]:
    """Create or replace ``rows`` (distinct uids, labels already ensured)."""
    if not rows:
        return []
    existing = await lock_existing(conn, ns, [r.uid for r in rows])
    fresh = [r for r in rows if r.uid not in existing]
    created = await _insert_new(conn, ns, labels, fresh)
    lost = [r.uid for r in fresh if r.uid not in created]
    if lost:  # a concurrent transaction committed these uids first
        existing.update(await lock_existing(conn, ns, lost))
    updates = [r for r in rows if r.uid in existing]
    relabelled = await _update_existing(conn, ns, labels, updates, existing)
    ids = {**created, **{uid: ref.id for uid, ref in existing.items()}, **relabelled}
    await embeddings.store(
        conn,
        ns,
        "vertex",
        [ids[r.uid] for r in rows],
        [r.embedding for r in rows],
        # A row created just now has no stored vector to clear.
        [r.keep_embedding or r.uid in created for r in rows],
    )
    return [UpsertResult(uid=r.uid, id=ids[r.uid], created=r.uid in created) for r in rows]


async def lock_existing(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str]
) -> dict[str, VertexRef]:
    """The stored vertices among ``uids``, row-locked until the transaction ends."""
    return await _refs(conn, ns, uids, lock=" FOR UPDATE")


async def resolve(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Iterable[str], *, lock: bool = False
) -> dict[str, VertexRef]:
    """The stored vertices among ``uids``. With ``lock``, they cannot be deleted until the
    transaction ends (``FOR KEY SHARE``), so facts can safely point at them."""
    return await _refs(conn, ns, sorted(set(uids)), lock=" FOR KEY SHARE" if lock else "")


async def _refs(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str], *, lock: str
) -> dict[str, VertexRef]:
    """The stored vertices among ``uids``, with ``lock`` (a row-locking clause or "")."""
    found = await typed_rows.fetch(
        conn,
        VertexRef,
        f"SELECT uid, id, label, name FROM {_side(ns)} WHERE uid = ANY($1::text[]){lock}",
        uids,
    )
    return {r.uid: r for r in found}


async def _insert_new(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    labels: Mapping[str, LabelInfo],
    rows: Sequence[VertexRow],
) -> dict[str, int]:
    created: dict[str, int] = {}
    for label, group in _by_label(rows).items():
        info = labels[label]
        # The side rows and the label's rows in one statement: a uid another transaction
        # committed first is skipped by both.
        reserved = await conn.fetch(
            _INSERT.format(side=_side(ns), label=table(ns.name, info.table)),
            info.label_id,
            table(ns.name, info.seq_name),
            label,
            [_stored_properties(r) for r in group],
            *_side_columns(group),
        )
        created.update((uid, id_) for uid, id_ in reserved)
    return created


async def _update_existing(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    labels: Mapping[str, LabelInfo],
    rows: Sequence[VertexRow],
    existing: Mapping[str, VertexRef],
) -> dict[str, int]:
    """Update stored vertices; returns the new graph ids of those whose label changed."""
    same = [r for r in rows if existing[r.uid].label == r.label]
    groups = _by_label(same)
    if len(same) == len(rows) and len(groups) == 1:
        # The usual update (no label changes, one label): one statement.
        [(label, group)] = groups.items()
        await conn.execute(
            f"WITH g AS (UPDATE {label_table(ns.name, label)} AS t SET properties = x.p::agtype "
            "FROM unnest($1::graphid[], $2::text[]) AS x(i, p) WHERE t.id = x.i) "
            + _UPDATE_SIDE_FROM_3.format(side=_side(ns)),
            [existing[r.uid].id for r in group],
            [_stored_properties(r) for r in group],
            *_side_columns(rows),
        )
        return {}
    for label, group in groups.items():
        await element_properties.replace_all(
            conn,
            ns,
            label,
            [existing[r.uid].id for r in group],
            [_stored_properties(r) for r in group],
        )
    relabelled = {
        row.uid: await _relabel(conn, ns, labels[row.label], row, existing[row.uid])
        for row in rows
        if existing[row.uid].label != row.label
    }
    if relabelled:
        # Every row that held a moved vertex's old id follows it, in one pass for all.
        await relabels.settle(conn, ns)
    await _update_side(conn, ns, rows, existing)
    return relabelled


async def _update_side(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    rows: Sequence[VertexRow],
    existing: Mapping[str, VertexRef],
) -> None:
    if not rows:
        return
    await conn.execute(_UPDATE_SIDE.format(side=_side(ns)), *_side_columns(rows))


def _columns(sql: str, start: int) -> str:
    """``sql`` for each of ``uid`` and the columns a write sets (``REWRITTEN``), joined by
    commas; ``{name}`` is the column, ``{n}`` the parameter's number (from ``start``) and
    ``{type}`` its SQL type."""
    names = ("uid", *REWRITTEN)
    return ", ".join(
        sql.format(name=name, n=start + i, type=COLUMNS[name].type) for i, name in enumerate(names)
    )


# The side rows and the label's rows in one statement: a uid another transaction
# committed first is skipped by both. $1 the label's id, $2 its sequence, $3 the label,
# $4 the stored maps, then the side columns (``_side_columns``).
_INSERT = (
    "WITH x AS MATERIALIZED (SELECT * FROM unnest($4::text[], "
    + _columns("${n}::{type}[]", 5)
    + ") AS x(properties, "
    + _columns("{name}", 5)
    + ")), side AS (INSERT INTO {side} (id, label, "
    + _columns("{name}", 5)
    + ") SELECT ag_catalog._graphid($1, nextval($2::regclass)), $3, "
    + _columns("x.{name}", 5)
    + " FROM x ON CONFLICT (uid) DO NOTHING RETURNING uid, id), "
    "g AS (INSERT INTO {label} (id, properties) "
    "SELECT side.id, x.properties::agtype FROM side JOIN x ON x.uid = side.uid) "
    "SELECT uid, id FROM side"
)


def _update_side_sql(start: int) -> str:
    """The update of the side rows ``{side}`` a write sets, from the parameters
    ``_side_columns`` gives, numbered from ``start``."""
    return (
        "UPDATE {side} AS v SET "
        + ", ".join(f"{name} = x.{name}" for name in REWRITTEN)
        + ", updated_at = now() FROM unnest("
        + _columns("${n}::{type}[]", start)
        + ") AS x("
        + _columns("{name}", start)
        + ") WHERE v.uid = x.uid"
    )


_UPDATE_SIDE = _update_side_sql(1)
_UPDATE_SIDE_FROM_3 = _update_side_sql(3)


def _side_columns(rows: Sequence[VertexRow]) -> list[list[Any]]:
    """Each row's uid and values of the columns a write sets (``REWRITTEN``), a list per
    column."""
    return [[getattr(r, name) for r in rows] for name in ("uid", *REWRITTEN)]


async def _relabel(
    conn: asyncpg.Connection, ns: NamespaceRef, info: LabelInfo, row: VertexRow, old: VertexRef
) -> int:
    """Move the vertex to ``row.label``'s table under a new graph id and record the
    move for ``relabels.settle`` (as Cypher's SET n:L does), which the caller runs once
    for all the moves of a write."""
    new_id = await conn.fetchval(
        "SELECT ag_catalog._graphid($1, nextval($2::regclass))",
        info.label_id,
        table(ns.name, info.seq_name),
    )
    await conn.execute(
        f"INSERT INTO {table(ns.name, info.table)} (id, properties) VALUES ($1, $2::text::agtype)",
        new_id,
        _stored_properties(row),
    )
    await relabels.record_move(conn, old.id, new_id)
    await conn.execute(f"DELETE FROM {label_table(ns.name, old.label)} WHERE id = $1", old.id)
    return int(new_id)


async def get(conn: asyncpg.Connection, ns: NamespaceRef, uid: str) -> Entity | None:
    """The vertex ``uid`` with its properties, or None."""
    record = await typed_rows.fetchrow(conn, VertexRecord, f"{_select(ns)} WHERE v.uid = $1", uid)
    if record is None:
        return None
    return (await _with_properties(conn, ns, [record]))[0]


async def page(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    *,
    label: str | None,
    after: str | None,
    limit: int,
) -> list[Entity]:
    """Up to ``limit`` vertices ordered by uid, after uid ``after``, of ``label`` if given."""
    clauses: list[str] = ["v.uid > coalesce($1, '')"]
    args: list[object] = [after]
    if label is not None:
        args.append(label)
        clauses.append(f"v.label = ${len(args)}")
    args.append(limit)
    sql = f"{_select(ns)} WHERE {' AND '.join(clauses)} ORDER BY v.uid LIMIT ${len(args)}"
    return await _with_properties(conn, ns, await typed_rows.fetch(conn, VertexRecord, sql, *args))


async def by_ids(
    conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int]
) -> dict[int, Entity]:
    """Vertices by graph id (missing ids are left out), in one statement whatever their
    labels: the properties come from AGE's parent vertex table, read per row found."""
    records = await typed_rows.fetch(
        conn,
        VertexRecord,
        f"{_select(ns, properties=True)} WHERE v.id = ANY($1::graphid[])",
        list(ids),
    )
    return {r.id: _entity(r, agtype.decode(r.properties) if r.properties else {}) for r in records}


async def properties_by_id(
    conn: asyncpg.Connection, ns: NamespaceRef, parent: str, ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """The agtype properties of elements of any label by graph id, read through AGE's
    parent table ``parent`` (``_ag_label_vertex`` or ``_ag_label_edge``)."""
    if not ids:
        return {}
    records = await conn.fetch(
        f"SELECT id, properties FROM {table(ns.name, parent)} WHERE id = ANY($1::graphid[])",
        list(ids),
    )
    return {id_: agtype.decode(properties) for id_, properties in records}


async def locked_version(conn: asyncpg.Connection, ns: NamespaceRef, uid: str) -> datetime | None:
    """Vertex ``uid``'s ``updated_at`` (what ``Entity.version`` is made of), the row
    locked until the transaction ends; None if there is no such vertex."""
    value: datetime | None = await conn.fetchval(
        f"SELECT updated_at FROM {_side(ns)} WHERE uid = $1 FOR UPDATE", uid
    )
    return value


async def delete(conn: asyncpg.Connection, ns: NamespaceRef, uid: str) -> VertexRef | None:
    """Delete vertex ``uid``, its edges and all its side rows; None if it did not exist."""
    return (await delete_many(conn, ns, [uid])).get(uid)


async def delete_many(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str]
) -> dict[str, VertexRef]:
    """Delete the vertices ``uids``, their edges and all their side rows, a statement per
    table for all of them; the ones that existed."""
    found = await lock_existing(conn, ns, uids)
    if not found:
        return {}
    ids = [ref.id for ref in found.values()]
    edges = table(ns.name, "_ag_label_edge")
    at_ends = "start_id = ANY($1::graphid[]) OR end_id = ANY($1::graphid[])"
    # Facts are found through AGE's endpoint indexes, so their rows go before the edges.
    touching = await conn.fetch(f"SELECT id FROM {edges} WHERE {at_ends}", ids)
    await element_rows.drop_facts(conn, ns, [r[0] for r in touching])
    await conn.execute(f"DELETE FROM {edges} WHERE {at_ends}", ids)
    for label, refs in _ids_by_label(found.values()).items():
        await conn.execute(
            f"DELETE FROM {label_table(ns.name, label)} WHERE id = ANY($1::graphid[])", refs
        )
    await element_rows.drop_vertices(conn, ns, ids)
    return found


def _ids_by_label(refs: Iterable[VertexRef]) -> dict[str, list[int]]:
    by_label: dict[str, list[int]] = defaultdict(list)
    for ref in refs:
        by_label[ref.label].append(ref.id)
    return by_label


class VertexRecord(NamedTuple):
    """A vertex's side row as ``_SELECT`` reads it, and its properties (agtype text)
    where the statement reads them."""

    id: int
    uid: str
    label: str
    lat: float | None
    lon: float | None
    has_embedding: bool
    created_at: datetime
    updated_at: datetime
    properties: str | None


_SELECT = (
    "SELECT v.id, v.uid, v.label, v.lat, v.lon, "
    "EXISTS (SELECT 1 FROM {vectors} x WHERE x.id = v.id) AS has_embedding, "
    "v.created_at, v.updated_at, {properties} AS properties FROM {side} v"
)


def _select(ns: NamespaceRef, *, properties: bool = False) -> str:
    """``_SELECT`` for ``ns``; with ``properties`` it reads each vertex's properties
    through AGE's parent vertex table, per row found, else that column is NULL and
    ``_with_properties`` reads them per label afterwards."""
    parent = table(ns.name, "_ag_label_vertex")
    return _SELECT.format(
        side=_side(ns),
        vectors=embeddings.vector_table(ns, "vertex"),
        properties=f"(SELECT p.properties FROM {parent} p WHERE p.id = v.id)"
        if properties
        else "NULL",
    )


async def _with_properties(
    conn: asyncpg.Connection, ns: NamespaceRef, records: Sequence[VertexRecord]
) -> list[Entity]:
    props = await properties_of(conn, ns, [(r.id, r.label) for r in records])
    return [_entity(r, props.get(r.id, {})) for r in records]


def _entity(record: VertexRecord, properties: dict[str, Any]) -> Entity:
    properties.pop("uid", None)
    lat, lon = record.lat, record.lon
    return Entity(
        uid=record.uid,
        label=record.label,
        properties=properties,
        id=record.id,
        location=GeoPoint(lat=lat, lon=lon) if lat is not None and lon is not None else None,
        has_embedding=record.has_embedding,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


async def properties_of(
    conn: asyncpg.Connection, ns: NamespaceRef, elements: Iterable[tuple[int, str]]
) -> dict[int, dict[str, Any]]:
    """The agtype properties of vertices or edges given as (graph id, label or type as
    written) pairs."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for element_id, label in elements:
        by_label[label].append(element_id)
    result: dict[int, dict[str, Any]] = {}
    for label, ids in by_label.items():
        records = await conn.fetch(
            f"SELECT id, properties FROM {label_table(ns.name, label)} "
            "WHERE id = ANY($1::graphid[])",
            ids,
        )
        result.update({id_: agtype.decode(properties) for id_, properties in records})
    return result


def _by_label(rows: Iterable[VertexRow]) -> dict[str, list[VertexRow]]:
    groups: dict[str, list[VertexRow]] = defaultdict(list)
    for row in rows:
        groups[row.label].append(row)
    return groups
