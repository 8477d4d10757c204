"""Facts: an AGE edge (label = predicate) plus a ``_kg_fact`` side row and claims.

The side row is authoritative for the bi-temporal fields and indexes them as ranges;
the same fields are mirrored into the edge's agtype properties so analysts can filter
on them in Cypher (``WHERE r.expired_at IS NULL``). Both are written here and only
here. Claims (``_kg_claim``) record which source and episode asserted a fact.
Closing a fact sets ``valid_to`` and ``expired_at`` and keeps the version it replaces
(``kgmem.storage.graph.revisions``); nothing is deleted to supersede. Reading facts back is
``kgmem.storage.graph.fact_reads``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg
import orjson

from kgmem.errors import FactAlreadyClosed, FactNotFound, InvalidTimestamp, UidConflict
from kgmem.model import Fact
from kgmem.process.taskgroup import task_group
from kgmem.storage import agtype
from kgmem.storage import rows as typed_rows
from kgmem.storage.graph import element_properties, fact_data, fact_reads, revisions
from kgmem.storage.graph.fact_map import edge_map, mirror
from kgmem.storage.graph.fact_reads import side_table
from kgmem.storage.graph.labels import LabelInfo
from kgmem.storage.indexes import embeddings
from kgmem.storage.refs import NamespaceRef, VertexRef
from kgmem.storage.sql import label_table, table


@dataclass(slots=True)  # not frozen: a frozen init costs ~4x (made per item)
class FactRow:
    """A validated fact ready for storage, endpoints resolved. ``recorded_at`` None means
    now for a new fact and unchanged for an existing one."""

    uid: str
    predicate: str
    subject: VertexRef
    object: VertexRef
    properties: Mapping[str, Any]
    valid_from: datetime | None
    valid_to: datetime | None
    recorded_at: datetime | None
    confidence: float | None
    text: str | None
    embedding: Sequence[float] | None
    keep_embedding: bool = False
    source_id: int | None = None
    episode_id: int | None = None
    declared: Mapping[str, Any] = field(default_factory=dict)
    """The values of the declared data fields (``kgmem.declarations.fact``)."""


def _edge_properties(
    row: FactRow, recorded_at: datetime, expired_at: datetime | None
) -> dict[str, Any]:
    return edge_map(row.properties, row, recorded_at=recorded_at, expired_at=expired_at)


async def upsert(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    labels: Mapping[str, LabelInfo],
    rows: Sequence[FactRow],
    *,
    existing: Mapping[str, asyncpg.Record] | None = None,
    now: datetime | None = None,
) -> list[tuple[str, int, bool]]:
    """Create or update ``rows`` (distinct uids); returns (uid, id, created) per row.

    ``existing`` is what ``lock_existing`` returned for these uids in this transaction,
    if the caller called it already (it saves a round trip), and ``now`` the
    transaction's ``now()`` if the caller has it (another). A uid that already names
    a fact with another subject, predicate or object raises ``UidConflict``. Updating
    keeps a closed fact closed.
    """
    if not rows:
        return []
    if existing is None:
        existing = await lock_existing(conn, ns, [r.uid for r in rows])
    existing = dict(existing)
    fresh = [r for r in rows if r.uid not in existing]
    created = await _insert_new(conn, ns, labels, fresh, now)
    lost = [r.uid for r in fresh if r.uid not in created]
    if lost:
        existing.update(await lock_existing(conn, ns, lost))
    updates = [r for r in rows if r.uid in existing]
    _check_same_statement(updates, existing)
    await _update_existing(conn, ns, updates, existing)
    ids = {**created, **{u: e.id for u, e in existing.items()}}
    await embeddings.store(
        conn,
        ns,
        "fact",
        [ids[r.uid] for r in rows],
        [r.embedding for r in rows],
        # A row created just now has no stored vector to clear.
        [r.keep_embedding or r.uid in created for r in rows],
    )
    await _add_claims(conn, ns, rows, ids)
    return [(r.uid, ids[r.uid], r.uid in created) for r in rows]


class StoredFact(NamedTuple):
    """A stored fact as ``lock_existing`` reads it, with what ``indexed_text.stored``
    tells: the indexed ``text`` and whether the fact has a vector (``embedded``)."""

    uid: str
    id: int
    predicate: str
    subject_id: int
    object_id: int
    recorded_at: datetime
    expired_at: datetime | None
    text: str | None
    embedded: bool


class _Locked(NamedTuple):
    """A row of ``lock_existing_at``: the transaction's time, then a ``StoredFact``
    (all None on the one row it returns when no fact is stored)."""

    now: datetime
    uid: str | None
    id: int | None
    predicate: str | None
    subject_id: int | None
    object_id: int | None
    recorded_at: datetime | None
    expired_at: datetime | None
    text: str | None
    embedded: bool | None


async def lock_existing(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str]
) -> dict[str, StoredFact]:
    """The stored facts among ``uids``, locked until the transaction ends (``FOR
    UPDATE OF`` the side row). Each record also carries what ``indexed_text.stored``
    tells: the indexed ``text`` and whether the fact has a vector (``embedded``)."""
    return (await lock_existing_at(conn, ns, uids))[0]


async def lock_existing_at(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str]
) -> tuple[dict[str, StoredFact], datetime]:
    """``lock_existing`` and the transaction's ``now()`` in one round trip."""
    records = await typed_rows.fetch(
        conn,
        _Locked,
        "SELECT t.now, f.* FROM (SELECT now() AS now) AS t LEFT JOIN LATERAL ("
        f"SELECT f.uid, f.id, f.predicate, f.subject_id, f.object_id, f.recorded_at, "
        f"f.expired_at, f.text, "
        f"EXISTS (SELECT 1 FROM {embeddings.vector_table(ns, 'fact')} x WHERE x.id = f.id) "
        f"AS embedded FROM {side_table(ns)} f WHERE f.uid = ANY($1::text[]) "
        # Locked in uid order (sorted before the locks are taken), the same order in
        # every transaction, so concurrent batches sharing facts wait rather than deadlock.
        "ORDER BY f.uid FOR UPDATE OF f"
        ") AS f ON true",
        uids,
    )
    found = {r.uid: StoredFact._make(r[1:]) for r in records if r.uid is not None}
    return found, records[0].now


def _check_same_statement(rows: Sequence[FactRow], existing: Mapping[str, StoredFact]) -> None:
    for row in rows:
        old = existing[row.uid]
        if (old.predicate, old.subject_id, old.object_id) != (
            row.predicate,
            row.subject.id,
            row.object.id,
        ):
            raise UidConflict(
                f"fact uid {row.uid!r} already names a different statement; "
                "use a new uid for a new fact",
                uid=row.uid,
            )


# One statement writes the side rows and the AGE edges of one predicate (or of a few, as
# numbered CTEs). The rows travel as one JSON array (orjson in C) rather than ten typed
# arrays: asyncpg encodes array elements one by one in Python, which cost more than the
# database work per fact.
_STEPS = """x{k} AS MATERIALIZED (
  SELECT * FROM json_to_recordset(${p4}::text::json)
    AS x(u text, s ag_catalog.graphid, o ag_catalog.graphid, vf timestamptz, vt timestamptz,
         ra timestamptz, c float8, t text, p json, d json)
), side{k} AS (
  INSERT INTO {side} (id, uid, predicate, subject_id, object_id, valid_from, valid_to,
                      recorded_at, confidence, text{data_columns})
  SELECT ag_catalog._graphid(${p1}, nextval(${p2}::regclass)), u, ${p3}, s, o, vf, vt, ra, c, t
         {data_values}
  FROM x{k}
  ON CONFLICT (uid) DO NOTHING
  RETURNING id, uid, subject_id, object_id
), edge{k} AS (
  INSERT INTO {edge} (id, start_id, end_id, properties)
  SELECT side{k}.id, side{k}.subject_id, side{k}.object_id, x{k}.p::text::ag_catalog.agtype
  FROM side{k} JOIN x{k} ON x{k}.u = side{k}.uid
)"""


def _insert_sql(side: str, edges: Sequence[str]) -> str:
    """One statement inserting the rows of each of ``edges`` (edge label tables): per
    label k, parameters 4k+1..4k+4 are its label id, sequence, predicate and rows."""
    steps = [
        _STEPS.format(
            k=k,
            side=side,
            edge=edge,
            p1=4 * k + 1,
            p2=4 * k + 2,
            p3=4 * k + 3,
            p4=4 * k + 4,
            data_columns=fact_data.columns(),
            data_values=fact_data.values(side, "d"),
        )
        for k, edge in enumerate(edges)
    ]
    selects = [f"SELECT uid, id FROM side{k}" for k in range(len(edges))]
    return "WITH " + ",\n".join(steps) + "\n" + "\nUNION ALL ".join(selects)


async def _insert_new(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    labels: Mapping[str, LabelInfo],
    rows: Sequence[FactRow],
    now: datetime | None = None,
) -> dict[str, int]:
    """Insert ``rows`` (``now``: the transaction's ``now()``, read here if not given).
    A few small predicate groups (the usual write) go in one
    statement; more go in chunks, each chunk's payload built while the database still
    works on the previous one (the client and the server run on different cores)."""
    created: dict[str, int] = {}
    if not rows:
        return created
    if now is None:
        now = await conn.fetchval("SELECT now()")
    groups = _by_predicate(rows)
    if 1 < len(groups) <= _MULTI and len(rows) <= _CHUNK:
        return await _insert_together(conn, ns, labels, groups, now)
    pending: asyncio.Task[list[asyncpg.Record]] | None = None
    # A failure cancels the statement in flight and waits for it to end.
    async with task_group() as tg:
        for predicate, group in groups.items():
            info = labels[predicate]
            sql = _insert_sql(side_table(ns), [table(ns.name, info.table)])
            for at in range(0, len(group), _CHUNK):
                payload = _payload(group[at : at + _CHUNK], now)
                if pending is not None:
                    created.update((uid, id_) for uid, id_ in await pending)
                pending = tg.create_task(
                    conn.fetch(
                        sql, info.label_id, table(ns.name, info.seq_name), predicate, payload
                    )
                )
                await asyncio.sleep(0)  # let the statement go out before building the next
        if pending is not None:
            created.update((uid, id_) for uid, id_ in await pending)
    return created


_CHUNK = 250
_MULTI = 8


async def _insert_together(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    labels: Mapping[str, LabelInfo],
    groups: Mapping[str, Sequence[FactRow]],
    now: datetime,
) -> dict[str, int]:
    """Every predicate group in one statement."""
    args: list[Any] = []
    for predicate, group in groups.items():
        info = labels[predicate]
        args += [info.label_id, table(ns.name, info.seq_name), predicate, _payload(group, now)]
    sql = _insert_sql(side_table(ns), [table(ns.name, labels[p].table) for p in groups])
    return {uid: id_ for uid, id_ in await conn.fetch(sql, *args)}


def _payload(rows: Sequence[FactRow], now: datetime) -> str:
    return orjson.dumps(
        [
            {
                "u": r.uid,
                "s": r.subject.id,
                "o": r.object.id,
                "vf": r.valid_from,
                "vt": r.valid_to,
                "ra": r.recorded_at or now,
                "c": r.confidence,
                "t": r.text,
                "p": _edge_properties(r, r.recorded_at or now, None),
                "d": r.declared,
            }
            for r in rows
        ]
    ).decode()


async def _update_existing(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    rows: Sequence[FactRow],
    existing: Mapping[str, StoredFact],
) -> None:
    if not rows:
        return
    recorded = {r.uid: r.recorded_at or existing[r.uid].recorded_at for r in rows}
    for row in rows:
        expired = existing[row.uid].expired_at
        if expired is not None and recorded[row.uid] > expired:
            raise InvalidTimestamp(
                f"fact {row.uid!r} was closed at {expired.isoformat()}; "
                "its recorded_at cannot be later"
            )
    for predicate, group in _by_predicate(rows).items():
        await element_properties.replace_all(
            conn,
            ns,
            predicate,
            [existing[r.uid].id for r in group],
            [
                agtype.encode(_edge_properties(r, recorded[r.uid], existing[r.uid].expired_at))
                for r in group
            ],
        )
    # A new validity keeps the one it replaces (``kgmem.storage.graph.revisions``).
    side = side_table(ns)
    await conn.execute(
        f"WITH x AS (SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], "
        "$4::timestamptz[], $5::float8[], $6::text[], $7::text[]) AS x(u, vf, vt, ra, c, t, d)), "
        f"kept AS ({revisions.keep_changed_sql(ns)}) "
        f"UPDATE {side} AS f SET valid_from = x.vf, valid_to = x.vt, recorded_at = x.ra, "
        f"confidence = x.c, text = x.t, revised_at = {revisions.REVISED_AT}"
        f"{fact_data.assignments(side, 'x.d::json')} FROM x WHERE f.uid = x.u",
        [r.uid for r in rows],
        [r.valid_from for r in rows],
        [r.valid_to for r in rows],
        [recorded[r.uid] for r in rows],
        [r.confidence for r in rows],
        [r.text for r in rows],
        [fact_data.encode(r.declared) for r in rows],
    )


async def add_claims(
    conn: asyncpg.Connection, ns: NamespaceRef, rows: Sequence[FactRow], ids: Mapping[str, int]
) -> None:
    """Record the source and episode of each row as a claim on fact ``ids[row.uid]``; of
    rows naming the same fact, source and episode the last wins, with the validity the
    first stated."""
    first: dict[tuple[str, int | None, int | None], FactRow] = {}
    last: dict[tuple[str, int | None, int | None], FactRow] = {}
    for r in rows:
        first.setdefault((r.uid, r.source_id, r.episode_id), r)
        last[r.uid, r.source_id, r.episode_id] = r
    claims = [
        dataclasses.replace(r, valid_from=first[k].valid_from, valid_to=first[k].valid_to)
        for k, r in last.items()
    ]
    await _add_claims(conn, ns, claims, ids)


async def _add_claims(
    conn: asyncpg.Connection, ns: NamespaceRef, rows: Sequence[FactRow], ids: Mapping[str, int]
) -> None:
    # Every write is a claim, one with no source or episode too: a fact always rests on
    # at least one, so forgetting an episode never takes a fact someone else wrote.
    claimed = rows
    if not claimed:
        return
    # A claim keeps the validity its first write stated (``claim_statements``).
    await conn.execute(
        f"INSERT INTO {table(ns.name, '_kg_claim')} AS c "
        "(fact_id, source_id, episode_id, confidence, observed_at, stated_from, stated_to, "
        "stated) SELECT f, s, e, x.c, coalesce(o, now()), vf, vt, true FROM unnest($1::graphid[], "
        "$2::graphid[], $3::graphid[], $4::float8[], $5::timestamptz[], $6::timestamptz[], "
        "$7::timestamptz[]) AS x(f, s, e, c, o, vf, vt) "
        "ON CONFLICT (fact_id, source_id, episode_id) DO UPDATE "
        "SET confidence = excluded.confidence, observed_at = excluded.observed_at, "
        "stated_from = CASE WHEN c.stated THEN c.stated_from ELSE excluded.stated_from END, "
        "stated_to = CASE WHEN c.stated THEN c.stated_to ELSE excluded.stated_to END, "
        "stated = true",
        [ids[r.uid] for r in claimed],
        [r.source_id for r in claimed],
        [r.episode_id for r in claimed],
        [r.confidence for r in claimed],
        [r.recorded_at for r in claimed],
        [r.valid_from for r in claimed],
        [r.valid_to for r in claimed],
    )


class _Validity(NamedTuple):
    """A fact's validity as closing and reopening read it."""

    id: int
    predicate: str
    valid_from: datetime | None
    valid_to: datetime | None
    expired_at: datetime | None


class _Reopened(NamedTuple):
    """A closed fact with the validity believed before its close."""

    id: int
    uid: str
    predicate: str
    valid_to: datetime | None
    expired_at: datetime | None


async def close(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    uid: str,
    *,
    valid_to: datetime | None,
    now: datetime,
    closer: int | None = None,
) -> Fact:
    """Close fact ``uid``: it stops holding at ``valid_to`` (default: its own valid_to if
    already past, else ``now``) and stops being believed at ``now``. ``closer`` is the
    graph id of the fact whose value supersedes it (None: a close by hand), kept so
    that forgetting that fact can undo the close (``kgmem.graph.succession``)."""
    old = await typed_rows.fetchrow(
        conn,
        _Validity,
        f"SELECT id, predicate, valid_from, valid_to, expired_at FROM {side_table(ns)} "
        "WHERE uid = $1 FOR UPDATE",
        uid,
    )
    if old is None:
        raise FactNotFound(f"fact {uid!r} does not exist in namespace {ns.name!r}", uid=uid)
    if old.expired_at is not None:
        closed_at = old.expired_at.isoformat()
        raise FactAlreadyClosed(f"fact {uid!r} was closed at {closed_at}", uid=uid)
    end = valid_to or (old.valid_to if old.valid_to and old.valid_to <= now else now)
    if old.valid_from is not None and end < old.valid_from:
        raise InvalidTimestamp(
            f"valid_to {end.isoformat()} is before the fact's valid_from "
            f"{old.valid_from.isoformat()}"
        )
    # The version believed until now is kept (``kgmem.storage.graph.revisions``), so that an
    # "as of" read before the close still sees the fact as it was then.
    expired_at = await conn.fetchval(
        f"WITH kept AS ({revisions.keep_sql(ns)}) "
        f"UPDATE {side_table(ns)} SET valid_to = $3, expired_at = greatest($2, recorded_at), "
        "revised_at = greatest($2, coalesce(revised_at, recorded_at)), closed_by = $4 "
        "WHERE id = $1 RETURNING expired_at",
        old.id,
        now,
        end,
        closer,
    )
    await mirror_validity(conn, ns, old.id, old.predicate, end, expired_at)
    fact = await fact_reads.get(conn, ns, uid)
    assert fact is not None
    return fact


async def reopen(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str], *, closed_at: datetime
) -> list[str]:
    """Undo the close made at known time ``closed_at`` of each fact among ``uids`` whose
    validity has not changed since: it gets back the validity believed before that
    close, believed again from now on (the closed version is kept as a revision).
    Returns the uids reopened."""
    records = await typed_rows.fetch(
        conn,
        _Reopened,
        f"SELECT f.id, f.uid, f.predicate, r.valid_to, r.expired_at FROM {side_table(ns)} f "
        f"JOIN {table(ns.name, '_kg_fact_revision')} r ON r.fact_id = f.id "
        "AND r.known_to = f.revised_at WHERE f.uid = ANY($1::text[]) AND f.revised_at = $2 "
        "AND f.expired_at IS NOT NULL ORDER BY f.id FOR UPDATE OF f",
        list(uids),
        closed_at,
    )
    now = await conn.fetchval("SELECT now()")
    for r in records:
        await conn.execute(
            f"WITH kept AS ({revisions.keep_sql(ns)}) UPDATE {side_table(ns)} SET valid_to = $3, "
            "expired_at = $4, revised_at = greatest($2, coalesce(revised_at, recorded_at)), "
            "closed_by = NULL WHERE id = $1",
            r.id,
            now,
            r.valid_to,
            r.expired_at,
        )
        await mirror_validity(conn, ns, r.id, r.predicate, r.valid_to, r.expired_at)
    return [r.uid for r in records]


async def mirror_validity(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    fact_id: int,
    predicate: str,
    valid_to: datetime | None,
    expired_at: datetime | None,
) -> None:
    """Copy a fact's ``valid_to`` and ``expired_at`` into its edge's properties."""
    await mirror_fields(conn, ns, fact_id, predicate, valid_to=valid_to, expired_at=expired_at)


async def mirror_fields(
    conn: asyncpg.Connection, ns: NamespaceRef, fact_id: int, predicate: str, **values: Any
) -> None:
    """Copy ``values`` (mirrored fact fields, by name) into the fact's edge properties."""
    edge = label_table(ns.name, predicate)
    props = agtype.decode(
        await conn.fetchval(f"SELECT properties FROM {edge} WHERE id = $1", fact_id)
    )
    mirror(props, values)
    await conn.execute(
        f"UPDATE {edge} SET properties = $2::text::agtype WHERE id = $1",
        fact_id,
        agtype.encode(props),
    )


async def withdraw_claims(
    conn: asyncpg.Connection, ns: NamespaceRef, fact_id: int, sources: Collection[int]
) -> None:
    """Withdraw the claims of ``sources`` on fact ``fact_id`` (they now say another
    value): they leave ``_kg_claim``, so consensus no longer counts them, and are kept in
    ``_kg_claim_history`` with the time they were withdrawn, for provenance and "as of"
    reads."""
    await conn.execute(
        f"WITH gone AS (DELETE FROM {table(ns.name, '_kg_claim')} WHERE fact_id = $1 "
        "AND source_id = ANY($2::graphid[]) "
        "RETURNING fact_id, source_id, episode_id, confidence, observed_at) "
        f"INSERT INTO {table(ns.name, '_kg_claim_history')} "
        "(fact_id, source_id, episode_id, confidence, observed_at, withdrawn_at) "
        "SELECT fact_id, source_id, episode_id, confidence, observed_at, now() FROM gone",
        fact_id,
        sorted(sources),
    )


async def delete(conn: asyncpg.Connection, ns: NamespaceRef, uid: str) -> bool:
    """Delete fact ``uid``, its edge and its claims; False if it did not exist."""
    row = await conn.fetchrow(
        f"DELETE FROM {side_table(ns)} WHERE uid = $1 RETURNING id, predicate", uid
    )
    if row is None:
        return False
    fact_id, predicate = row
    await conn.execute(f"DELETE FROM {table(ns.name, '_kg_claim')} WHERE fact_id = $1", fact_id)
    await conn.execute(
        f"DELETE FROM {table(ns.name, '_kg_claim_history')} WHERE fact_id = $1", fact_id
    )
    await revisions.forget(conn, ns, [fact_id])
    await conn.execute(f"DELETE FROM {embeddings.vector_table(ns, 'fact')} WHERE id = $1", fact_id)
    await conn.execute(f"DELETE FROM {label_table(ns.name, predicate)} WHERE id = $1", fact_id)
    return True


def _by_predicate(rows: Iterable[FactRow]) -> dict[str, list[FactRow]]:
    """``rows`` by predicate, the predicates and each group's rows in sorted order (of
    predicate, of uid): rows are inserted and updated in that order, the same in every
    transaction, so that concurrent batches touching the same facts queue up rather than
    deadlock (the storage layer retries what still does)."""
    groups: dict[str, list[FactRow]] = defaultdict(list)
    for row in rows:
        groups[row.predicate].append(row)
    return {p: sorted(groups[p], key=_uid) for p in sorted(groups)}


def _uid(row: FactRow) -> str:
    return row.uid
