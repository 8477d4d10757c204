"""Vertices of an import batch: stored ones read and locked, new ones COPYed with their
side rows, changed ones updated set-based, and those whose label changed moved."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from kgmem.declarations.entity import COLUMNS, DESCRIBED
from kgmem.storage import agtype
from kgmem.storage import rows as typed_rows
from kgmem.storage.bulk.copy_format import (
    COPY_CHUNK_ROWS,
    NULL,
    all_plain,
    any_uid,
    copy_rows,
    field,
    json_field,
    reserve_ids,
)
from kgmem.storage.bulk.ops import DEFAULT_LABEL, BatchContext, BatchCounts, VertexOp, name_of
from kgmem.storage.graph import element_properties
from kgmem.storage.graph.labels import LabelInfo
from kgmem.storage.refs import NamespaceRef, VertexRef
from kgmem.storage.sql import table


@dataclass(slots=True)
class _Stored:
    id: int
    label: str
    properties: dict[str, Any]
    name: str | None
    location: tuple[float, float] | None


async def _stored_vertices(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str]
) -> dict[str, _Stored]:
    match, param = any_uid(uids)
    records = await conn.fetch(
        f"SELECT v.uid, v.id, v.label, v.name, t.properties, v.lat, v.lon "
        f"FROM {table(ns.name, '_kg_vertex')} v "
        f"JOIN {table(ns.name, '_ag_label_vertex')} t ON t.id = v.id "
        f"WHERE v.uid = {match} FOR UPDATE OF v",
        param,
    )
    return {
        uid: _Stored(
            id_, label, agtype.decode(properties), name, None if lat is None else (lat, lon)
        )
        for uid, id_, label, name, properties, lat, lon in records
    }


def _target(op: VertexOp, stored: _Stored | None, ctx: BatchContext) -> tuple[str, dict[str, Any]]:
    if stored is None:
        props = ctx.describers.joined(None, op.properties) if op.merge else op.properties
        return op.label or DEFAULT_LABEL, {**props, "uid": op.uid}
    if op.merge:
        label = op.label if op.label and stored.label == DEFAULT_LABEL else stored.label
        return label, ctx.describers.joined(stored.properties, op.properties)
    return op.label or stored.label, {**op.properties, "uid": op.uid}


async def write_vertices(
    conn: asyncpg.Connection, ctx: BatchContext, ops: Sequence[VertexOp], counts: BatchCounts
) -> dict[str, tuple[int, str | None]]:
    """Apply vertex ops (distinct uids); returns uid -> (graph id, name) for all of them."""
    ns = ctx.ns
    result, ops, absent = await _bare_references(conn, ns, ops, counts)
    # Bare ops the look-up did not find are new: not looked up a second time.
    stored = await _stored_vertices(conn, ns, [op.uid for op in ops if op.uid not in absent])
    new: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    changed: list[tuple[str, str, dict[str, Any]]] = []
    for op in ops:
        old = stored.get(op.uid)
        label, props = _target(op, old, ctx)
        if old is None:
            new[label].append((op.uid, props))
        elif label == old.label and props == old.properties and op.location in (None, old.location):
            counts.vertices_unchanged += 1
            result[op.uid] = (old.id, old.name)
        else:
            changed.append((op.uid, label, props))
    wanted = set(new) | {label for _, label, _ in changed}
    infos = await ctx.labels.ensure(conn, ns, wanted, "vertex", ctx.schema) if wanted else {}
    for label, group in new.items():
        result.update(await _insert_vertices(conn, ctx, infos[label], group))
        counts.vertices_created += len(group)
    result.update(await _update_vertices(conn, ctx, infos, changed, stored))
    await _locate(conn, ns, [op for op in ops if op.location is not None])
    counts.vertices_updated += len(changed)
    return result


async def _bare_references(
    conn: asyncpg.Connection, ns: NamespaceRef, ops: Sequence[VertexOp], counts: BatchCounts
) -> tuple[dict[str, tuple[int, str | None]], list[VertexOp], set[str]]:
    """Settle the ops that only name a vertex (RDF objects: merged, no properties) and
    find it stored under a label they keep: those change nothing, so their properties
    are neither read nor locked for update (a key-share lock keeps the vertex from
    being deleted under the new edges). Returns their (id, name) by uid and the ops
    left to apply in full, and the uids of the bare ops not stored at all (new
    vertices, which need no second look-up). In a graph of edges between known vertices
    (WN18RR) most of a batch's vertex ops are such references."""
    bare = [op for op in ops if op.merge and not op.properties]
    if not bare:
        return {}, list(ops), set()
    match, param = any_uid([op.uid for op in bare])
    records = await typed_rows.fetch(
        conn,
        VertexRef,
        f"SELECT uid, id, label, name FROM {table(ns.name, '_kg_vertex')} "
        f"WHERE uid = {match} FOR KEY SHARE",
        param,
    )
    found = {r.uid: r for r in records}
    settled: dict[str, tuple[int, str | None]] = {}
    for op in bare:
        r = found.get(op.uid)
        if r is not None and not (op.label and r.label == DEFAULT_LABEL):
            settled[op.uid] = (r.id, r.name)
    counts.vertices_unchanged += len(settled)
    absent = {op.uid for op in bare if op.uid not in found}
    return settled, [op for op in ops if op.uid not in settled], absent


async def _insert_vertices(
    conn: asyncpg.Connection,
    ctx: BatchContext,
    info: LabelInfo,
    group: Sequence[tuple[str, dict[str, Any]]],
) -> dict[str, tuple[int, str | None]]:
    ids = await reserve_ids(conn, ctx.ns, info, len(group))
    await copy_rows(
        conn,
        ctx.ns,
        info.table,
        ("id", "properties"),
        (f"{i}\t{json_field(p)}\n" for i, (_, p) in zip(ids, group, strict=True)),
    )
    side = ctx.describers.vertex_side
    label = field(info.name)
    names: dict[str, tuple[int, str | None]] = {}

    def side_lines() -> Iterator[str]:
        for at in range(0, len(group), COPY_CHUNK_ROWS):
            rows = slice(at, at + COPY_CHUNK_ROWS)
            part = zip(ids[rows], group[rows], strict=True)
            block = [(i, uid, *side(uid, p)) for i, (uid, p) in part]
            plain = all_plain(itertools.chain.from_iterable(row[1:] for row in block))
            for i, uid, name, text, occurred in block:
                names[uid] = (i, name)
                if plain:
                    yield (
                        f"{i}\t{uid}\t{label}\t{NULL if name is None else name}\t"
                        f"{NULL if text is None else text}\t"
                        f"{NULL if occurred is None else occurred}\n"
                    )
                else:
                    yield (
                        f"{i}\t{field(uid)}\t{label}\t{field(name)}\t{field(text)}\t"
                        f"{field(occurred)}\n"
                    )

    await copy_rows(
        conn,
        ctx.ns,
        "_kg_vertex",
        ("id", "uid", "label", *DESCRIBED),
        side_lines(),
    )
    return names


async def _locate(conn: asyncpg.Connection, ns: NamespaceRef, ops: Sequence[VertexOp]) -> None:
    """Set the points the ops carry on their side rows (the rows' other columns are
    written already)."""
    if not ops:
        return
    await conn.execute(
        f"UPDATE {table(ns.name, '_kg_vertex')} AS v SET lat = x.la, lon = x.lo "
        "FROM unnest($1::text[], $2::float8[], $3::float8[]) AS x(u, la, lo) WHERE v.uid = x.u "
        "AND (v.lat, v.lon) IS DISTINCT FROM (x.la, x.lo)",
        [op.uid for op in ops],
        [op.location[0] for op in ops if op.location],
        [op.location[1] for op in ops if op.location],
    )


async def _update_vertices(
    conn: asyncpg.Connection,
    ctx: BatchContext,
    infos: Mapping[str, LabelInfo],
    changed: Sequence[tuple[str, str, dict[str, Any]]],
    stored: Mapping[str, _Stored],
) -> dict[str, tuple[int, str | None]]:
    ns = ctx.ns
    result: dict[str, tuple[int, str | None]] = {}
    same: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    moved: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for uid, label, props in changed:
        (same if stored[uid].label == label else moved)[label].append((uid, props))
        result[uid] = (stored[uid].id, name_of(props))
    for label, group in same.items():
        ids, maps = [stored[uid].id for uid, _ in group], [agtype.encode(p) for _, p in group]
        await element_properties.replace_all(conn, ns, label, ids, maps)
    for label, group in moved.items():
        new_ids = await _move(conn, ns, infos[label], [(stored[u].id, p) for u, p in group])
        result.update({uid: (i, name_of(p)) for i, (uid, p) in zip(new_ids, group, strict=True)})
    if changed:
        sides = [ctx.describers.vertex_side(uid, p) for uid, _, p in changed]
        await conn.execute(
            _UPDATE_SIDE.format(side=table(ns.name, "_kg_vertex")),
            [uid for uid, _, _ in changed],
            [label for _, label, _ in changed],
            *(list(column) for column in zip(*sides, strict=True)),
        )
    return result


# The side rows of changed vertices: $1 their uids, $2 their labels, then their
# described columns (``DESCRIBED``: ``Describers.vertex_side``'s values, in its order).
_UPDATE_SIDE = (
    "UPDATE {side} AS v SET label = x.label, "
    + "".join(f"{name} = x.{name}::{COLUMNS[name].type}, " for name in DESCRIBED)
    + "updated_at = now() FROM unnest($1::text[], $2::text[], "
    + ", ".join(f"${n}::text[]" for n in range(3, 3 + len(DESCRIBED)))
    + ") AS x(uid, label, "
    + ", ".join(DESCRIBED)
    + ") WHERE v.uid = x.uid"
)


async def _move(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    info: LabelInfo,
    rows: Sequence[tuple[int, dict[str, Any]]],
) -> list[int]:
    """Move vertices to label ``info`` under new graph ids, re-pointing what refers to them."""
    new_ids = await reserve_ids(conn, ns, info, len(rows))
    old_ids = [old for old, _ in rows]
    await copy_rows(
        conn,
        ns,
        info.table,
        ("id", "properties"),
        [f"{i}\t{json_field(p)}\n" for i, (_, p) in zip(new_ids, rows, strict=True)],
    )
    mapping = "unnest($1::graphid[], $2::graphid[]) AS m(o, n)"

    def t(name: str) -> str:
        return table(ns.name, name)

    statements = [
        f"UPDATE {t('_kg_fact')} f SET subject_id = m.n FROM {mapping} WHERE f.subject_id = m.o",
        f"UPDATE {t('_kg_fact')} f SET object_id = m.n FROM {mapping} WHERE f.object_id = m.o",
        f"UPDATE {t('_kg_claim')} c SET source_id = m.n FROM {mapping} WHERE c.source_id = m.o",
        f"UPDATE {t('_kg_claim')} c SET episode_id = m.n FROM {mapping} WHERE c.episode_id = m.o",
        f"UPDATE {t('_kg_claim_history')} c SET source_id = m.n FROM {mapping} "
        "WHERE c.source_id = m.o",
        f"UPDATE {t('_kg_claim_history')} c SET episode_id = m.n FROM {mapping} "
        "WHERE c.episode_id = m.o",
        f"UPDATE {t('_ag_label_edge')} e SET start_id = m.n FROM {mapping} WHERE e.start_id = m.o",
        f"UPDATE {t('_ag_label_edge')} e SET end_id = m.n FROM {mapping} WHERE e.end_id = m.o",
        f"UPDATE {t('_kg_vertex')} v SET id = m.n FROM {mapping} WHERE v.id = m.o",
        f"UPDATE {t('_kg_vertex_vector')} v SET id = m.n FROM {mapping} WHERE v.id = m.o",
    ]
    for sql in statements:
        await conn.execute(sql, old_ids, new_ids)
    await conn.execute(
        f"DELETE FROM {t('_ag_label_vertex')} WHERE id = ANY($1::graphid[])", old_ids
    )
    return new_ids
