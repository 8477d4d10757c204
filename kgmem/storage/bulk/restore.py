"""Restoring what a JSON Lines export (a dump) says of each fact beyond its edge:
its times, its claims in force and the claims withdrawn from it (claim history).

An export (``kgmem.storage.backups.dump``) writes, per edge, ``valid_from``, ``valid_to``,
``recorded_at``, ``expired_at``, ``claims`` (source and episode uids, both null for a
write that named neither, confidence, observed_at), ``withdrawn`` (the same and
withdrawn_at) and ``closed_by`` (the uid of the fact whose value closed it; restored
when that fact is in the same batch or an earlier one). The JSON Lines and GraphML
readers keep them on the edge operation as ``EdgeOp.restore`` and ``restore`` writes
them after the batch's edges, so that dump then import gives the same facts in force,
the same claims (and so the same consensus) and the same history. A claim whose
source or episode is not in the target namespace (a hand-made file: a subgraph dump
writes them) is not restored. The fact's
``revised_at`` (since when its version is believed) comes with its times; its earlier
versions (``_kg_fact_revision``) come as ``revision`` lines after the edges
(``RevisionOp``), which ``write_revisions`` adds to the facts they name by uid.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from kgmem.declarations.fact import DATA_FIELDS, MIRRORED_TIMES
from kgmem.storage import agtype
from kgmem.storage.bulk.ops import BatchCounts, EdgeOp, RevisionOp
from kgmem.storage.graph import element_properties, fact_data
from kgmem.storage.graph.fact_map import timestamp
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import label_table, table

TIMES = MIRRORED_TIMES
"""The fact times an export writes and an import restores."""

_Claim = tuple[
    int,
    int | None,
    int | None,
    float | None,
    datetime | None,
    datetime | None,
    datetime | None,
    bool,
]
"""A claim as a row: fact, source and episode ids, confidence, when observed, the
validity its write stated and whether the dump knew it
(``kgmem.storage.graph.claim_statements``)."""


async def restore(
    conn: asyncpg.Connection, ns: NamespaceRef, ops: Sequence[EdgeOp], fact_ids: Mapping[str, int]
) -> None:
    """Write the times, claims and withdrawn claims ``ops`` carry onto their facts."""
    kept = [(fact_ids[op.uid], op, op.restore) for op in ops if op.restore and op.uid in fact_ids]
    if not kept:
        return
    await _times(conn, ns, [(i, op.label, r["times"]) for i, op, r in kept if "times" in r])
    await _data(conn, ns, [(i, op.label, r["data"]) for i, op, r in kept if "data" in r])
    await _closers(conn, ns, [(i, r["closed_by"]) for i, _, r in kept if "closed_by" in r])
    wanted = {
        u
        for _, _, r in kept
        for c in (*r.get("claims", ()), *r.get("withdrawn", ()))
        for u in (c.get("source"), c.get("episode"))
        if u
    }
    ids: dict[str, int] = dict(
        await conn.fetch(
            f"SELECT uid, id FROM {table(ns.name, '_kg_vertex')} WHERE uid = ANY($1::text[])",
            sorted(wanted),
        )
    )
    claims = _claims(((i, r.get("claims", ())) for i, _, r in kept), ids)
    withdrawn = [
        (claim, when)
        for i, _, r in kept
        for c in r.get("withdrawn", ())
        if (claim := _claim(i, c, ids)) is not None and (when := _at(c.get("withdrawn_at")))
    ]
    await _insert_claims(conn, ns, claims)
    await _insert_withdrawn(conn, ns, withdrawn)


def _at(text: Any) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) else None


def _claim(fact_id: int, c: Mapping[str, Any], ids: Mapping[str, int]) -> _Claim | None:
    """A claim as a row, or None when its source or episode is not in the namespace."""
    source, episode = c.get("source"), c.get("episode")
    if (source and source not in ids) or (episode and episode not in ids):
        return None
    confidence = c.get("confidence")
    return (
        fact_id,
        ids[source] if source else None,
        ids[episode] if episode else None,
        float(confidence) if confidence is not None else None,
        _at(c.get("observed_at")),
        _at(c.get("stated_from")),
        _at(c.get("stated_to")),
        bool(c.get("stated")),
    )


def _claims(
    by_fact: Iterable[tuple[int, Iterable[Mapping[str, Any]]]], ids: Mapping[str, int]
) -> list[_Claim]:
    return [
        claim for i, found in by_fact for c in found if (claim := _claim(i, c, ids)) is not None
    ]


async def _times(
    conn: asyncpg.Connection, ns: NamespaceRef, rows: Sequence[tuple[int, str, Mapping[str, Any]]]
) -> None:
    """Set each fact's times on its side row and mirror them into its edge's map."""
    if not rows:
        return
    columns = {k: [_at(t.get(k)) for _, _, t in rows] for k in (*TIMES, "revised_at")}
    await conn.execute(
        f"UPDATE {table(ns.name, '_kg_fact')} f SET valid_from = x.vf, valid_to = x.vt, "
        "recorded_at = coalesce(x.ra, f.recorded_at), expired_at = x.ea, revised_at = x.rv "
        "FROM unnest($1::graphid[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], "
        "$5::timestamptz[], $6::timestamptz[]) AS x(i, vf, vt, ra, ea, rv) WHERE f.id = x.i",
        [i for i, _, _ in rows],
        *columns.values(),
    )
    await _mirror(
        conn,
        ns,
        [
            (i, label, {k: timestamp(_at(t.get(k))) for k in TIMES if t.get(k) is not None})
            for i, label, t in rows
        ],
    )


async def _data(
    conn: asyncpg.Connection, ns: NamespaceRef, rows: Sequence[tuple[int, str, Mapping[str, Any]]]
) -> None:
    """Set each fact's declared data fields on its side row and mirror the mirrored ones
    into its edge's map."""
    if not rows:
        return
    side = table(ns.name, "_kg_fact")
    await conn.execute(
        f"UPDATE {side} f SET {fact_data.assignments(side, 'x.d::json').removeprefix(', ')} "
        "FROM unnest($1::graphid[], $2::text[]) AS x(i, d) WHERE f.id = x.i",
        [i for i, _, _ in rows],
        [fact_data.encode(d) for _, _, d in rows],
    )
    mirrored = [f.name for f in DATA_FIELDS if f.mirrored]
    await _mirror(conn, ns, [(i, label, {k: d.get(k) for k in mirrored}) for i, label, d in rows])


async def _mirror(
    conn: asyncpg.Connection, ns: NamespaceRef, rows: Sequence[tuple[int, str, Mapping[str, Any]]]
) -> None:
    """Set ``values`` (``rows``: fact id, edge label, values) in each fact's edge map."""
    by_label: dict[str, list[tuple[int, Mapping[str, Any]]]] = defaultdict(list)
    for i, label, values in rows:
        if values:
            by_label[label].append((i, values))
    for label, group in sorted(by_label.items()):
        edge = label_table(ns.name, label)
        found = dict(
            await conn.fetch(
                f"SELECT id, properties::text FROM {edge} WHERE id = ANY($1::graphid[])",
                [i for i, _ in group],
            )
        )
        updated = [(i, agtype.encode({**agtype.decode(found[i]), **v})) for i, v in group]
        await element_properties.replace_all(
            conn, ns, label, [i for i, _ in updated], [p for _, p in updated]
        )


async def _closers(
    conn: asyncpg.Connection, ns: NamespaceRef, rows: Sequence[tuple[int, str]]
) -> None:
    """Point each fact at the fact that closed it, by uid; a closer not stored yet (in
    a later batch of the load) leaves the link unset."""
    if not rows:
        return
    await conn.execute(
        f"UPDATE {table(ns.name, '_kg_fact')} f SET closed_by = c.id "
        f"FROM unnest($1::graphid[], $2::text[]) AS x(i, u) "
        f"JOIN {table(ns.name, '_kg_fact')} c ON c.uid = x.u WHERE f.id = x.i",
        [i for i, _ in rows],
        [u for _, u in rows],
    )


async def _insert_claims(conn: asyncpg.Connection, ns: NamespaceRef, claims: list[_Claim]) -> None:
    if not claims:
        return
    await conn.execute(
        f"INSERT INTO {table(ns.name, '_kg_claim')} "
        "(fact_id, source_id, episode_id, confidence, observed_at, stated_from, stated_to, "
        "stated) SELECT f, s, e, c, coalesce(o, now()), vf, vt, k FROM unnest($1::graphid[], "
        "$2::graphid[], $3::graphid[], $4::float8[], $5::timestamptz[], $6::timestamptz[], "
        "$7::timestamptz[], $8::bool[]) AS x(f, s, e, c, o, vf, vt, k) "
        "ON CONFLICT (fact_id, source_id, episode_id) DO UPDATE "
        "SET confidence = EXCLUDED.confidence, observed_at = EXCLUDED.observed_at, "
        "stated_from = EXCLUDED.stated_from, stated_to = EXCLUDED.stated_to, "
        "stated = EXCLUDED.stated",
        *(list(column) for column in zip(*claims, strict=True)),
    )


async def _insert_withdrawn(
    conn: asyncpg.Connection, ns: NamespaceRef, rows: list[tuple[_Claim, datetime]]
) -> None:
    """Add the withdrawn claims not recorded yet (importing one dump twice adds none)."""
    if not rows:
        return
    await conn.execute(
        f"INSERT INTO {table(ns.name, '_kg_claim_history')} "
        "(fact_id, source_id, episode_id, confidence, observed_at, withdrawn_at) "
        "SELECT f, s, e, c, coalesce(o, w), w FROM unnest($1::graphid[], $2::graphid[], "
        "$3::graphid[], $4::float8[], $5::timestamptz[], $6::timestamptz[]) "
        "AS x(f, s, e, c, o, w) WHERE NOT EXISTS (SELECT 1 FROM "
        f"{table(ns.name, '_kg_claim_history')} h WHERE h.fact_id = x.f "
        "AND h.source_id IS NOT DISTINCT FROM x.s AND h.episode_id IS NOT DISTINCT FROM x.e "
        "AND h.withdrawn_at = x.w)",
        *(list(column) for column in zip(*(c[:5] for c, _ in rows), strict=True)),
        [w for _, w in rows],
    )


async def write_revisions(
    conn: asyncpg.Connection, ns: NamespaceRef, ops: Sequence[RevisionOp], counts: BatchCounts
) -> None:
    """Add the revisions ``ops`` to the facts they name, those not recorded yet (importing
    one dump twice adds none); a revision of a fact not in the namespace is refused."""
    if not ops:
        return
    ids: dict[str, int] = dict(
        await conn.fetch(
            f"SELECT uid, id FROM {table(ns.name, '_kg_fact')} WHERE uid = ANY($1::text[])",
            sorted({op.fact for op in ops}),
        )
    )
    for op in ops:
        if op.fact not in ids:
            counts.rejected.append((op.line, f"revision of fact {op.fact!r}, not in the namespace"))
    kept = [op for op in ops if op.fact in ids]
    if not kept:
        return
    revision = table(ns.name, "_kg_fact_revision")
    await conn.execute(
        f"INSERT INTO {revision} "
        "(fact_id, valid_from, valid_to, expired_at, known_from, known_to) "
        "SELECT DISTINCT * FROM unnest($1::graphid[], $2::timestamptz[], $3::timestamptz[], "
        "$4::timestamptz[], $5::timestamptz[], $6::timestamptz[]) AS x(f, vf, vt, ea, kf, kt) "
        f"WHERE NOT EXISTS (SELECT 1 FROM {revision} r WHERE r.fact_id = x.f "
        "AND r.known_from = x.kf AND r.known_to = x.kt "
        "AND (r.valid_from, r.valid_to, r.expired_at) IS NOT DISTINCT FROM (x.vf, x.vt, x.ea))",
        [ids[op.fact] for op in kept],
        [_at(op.valid_from) for op in kept],
        [_at(op.valid_to) for op in kept],
        [_at(op.expired_at) for op in kept],
        [_at(op.known_from) for op in kept],
        [_at(op.known_to) for op in kept],
    )
