"""Edges (facts) of an import batch: endpoints resolved, stored edges updated, new ones
COPYed into their label tables and ``_kg_fact``, restatements of a fact in force
turned into claims, and each edge's sources recorded as claims."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import asyncpg

from kgmem.storage import agtype
from kgmem.storage import rows as typed_rows
from kgmem.storage.bulk.copy_format import (
    all_plain,
    any_uid,
    copy_rows,
    field,
    json_field,
    reserve_many,
)
from kgmem.storage.bulk.ops import BatchContext, BatchCounts, EdgeOp
from kgmem.storage.bulk.restore import restore
from kgmem.storage.graph import element_properties
from kgmem.storage.graph import facts_in_force as statements
from kgmem.storage.graph.fact_map import edge_map, timestamp
from kgmem.storage.graph.fact_reads import SYSTEM_KEYS
from kgmem.storage.graph.property_merge import merge_edge_properties
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table


async def _endpoint_ids(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    uids: Iterable[str],
    known: Mapping[str, tuple[int, str | None]],
) -> dict[str, tuple[int, str | None]]:
    missing = sorted({u for u in uids if u not in known})
    found = dict(known)
    if missing:
        match, param = any_uid(missing)
        records = await conn.fetch(
            f"SELECT uid, id, name FROM {table(ns.name, '_kg_vertex')} "
            f"WHERE uid = {match} FOR KEY SHARE",
            param,
        )
        found.update({uid: (id_, name) for uid, id_, name in records})
    return found


class _StoredEdge(NamedTuple):
    """A stored fact an edge op names, with its edge's agtype properties."""

    uid: str
    id: int
    predicate: str
    subject_id: int
    object_id: int
    properties: str


def _endpoints(ops: Sequence[EdgeOp], known: Mapping[str, object]) -> Iterator[str]:
    """The vertex uids ``ops`` refer to that ``known`` lacks (with repeats)."""
    for op in ops:
        if op.start not in known:
            yield op.start
        if op.end not in known:
            yield op.end
        yield from op.sources


async def write_edges(
    conn: asyncpg.Connection,
    ctx: BatchContext,
    ops: Sequence[EdgeOp],
    vertices: Mapping[str, tuple[int, str | None]],
    counts: BatchCounts,
) -> set[tuple[int, str]]:
    """Apply edge ops (distinct uids); refused ones are added to ``counts.rejected``. A
    new edge whose statement is already a fact in force, or is the statement of an
    earlier new edge of the same batch, is that fact restated: it adds its sources'
    claims, not a second edge. Returns (subject id, predicate) of every edge written or
    restated, for the caller's supersession."""
    ns = ctx.ns
    ends = await _endpoint_ids(conn, ns, _endpoints(ops, vertices), vertices)
    match, param = any_uid([op.uid for op in ops])
    stored = {
        r.uid: r
        for r in await typed_rows.fetch(
            conn,
            _StoredEdge,
            f"SELECT f.uid, f.id, f.predicate, f.subject_id, f.object_id, e.properties "
            f"FROM {table(ns.name, '_kg_fact')} f "
            f"JOIN {table(ns.name, '_ag_label_edge')} e ON e.id = f.id "
            f"WHERE f.uid = {match} FOR UPDATE OF f",
            param,
        )
    }
    now = await conn.fetchval("SELECT now()")
    new: dict[str, list[EdgeOp]] = defaultdict(list)
    updates: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    fact_ids: dict[str, int] = {}
    for op in ops:
        if op.start not in ends or op.end not in ends or op.sources:
            lost = [u for u in (op.start, op.end, *op.sources) if u not in ends]
        else:
            lost = []
        if lost:
            counts.rejected.append(
                (op.line, f"edge {op.uid!r} refers to unknown vertex {lost[0]!r}")
            )
            continue
        old = stored.get(op.uid)
        if old is None:
            new[op.label].append(op)
            continue
        if (old.predicate, old.subject_id, old.object_id) != (
            op.label,
            ends[op.start][0],
            ends[op.end][0],
        ):
            counts.rejected.append(
                (op.line, f"edge uid {op.uid!r} already names a different statement")
            )
            continue
        fact_ids[op.uid] = old.id
        props = agtype.decode(old.properties)
        user = {k: v for k, v in props.items() if k not in SYSTEM_KEYS}
        target = merge_edge_properties(user, op.properties) if op.merge else dict(op.properties)
        if target == user:
            counts.edges_unchanged += 1
            continue
        system = {k: v for k, v in props.items() if k in SYSTEM_KEYS}
        updates[op.label].append((old.id, {**target, **system}))
        counts.edges_updated += 1
    new, again = await _without_restated(conn, ns, new, ends, fact_ids, counts)
    fact_ids.update(await _insert_edges(conn, ctx, new, ends, timestamp(now)))
    fact_ids.update({uid: fact_ids[first] for uid, first in again.items()})
    counts.edges_created += sum(len(group) for group in new.values())
    for label, rows in updates.items():
        await element_properties.replace_all(
            conn, ns, label, [i for i, _ in rows], [agtype.encode(p) for _, p in rows]
        )
    await _source_claims(conn, ns, ops, fact_ids, ends)
    await restore(conn, ns, ops, fact_ids)
    return {(ends[op.start][0], op.label) for op in ops if op.uid in fact_ids}


async def _source_claims(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    ops: Sequence[EdgeOp],
    fact_ids: Mapping[str, int],
    ends: Mapping[str, tuple[int, str | None]],
) -> None:
    """A claim per edge written and source that asserted it."""
    claims = sorted(
        {(fact_ids[op.uid], ends[s][0]) for op in ops if op.uid in fact_ids for s in op.sources}
    )
    if claims:
        await conn.execute(
            f"INSERT INTO {table(ns.name, '_kg_claim')} (fact_id, source_id) "
            "SELECT * FROM unnest($1::graphid[], $2::graphid[]) ON CONFLICT DO NOTHING",
            [f for f, _ in claims],
            [s for _, s in claims],
        )


async def _without_restated(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    new: Mapping[str, list[EdgeOp]],
    ends: Mapping[str, tuple[int, str | None]],
    fact_ids: dict[str, int],
    counts: BatchCounts,
) -> tuple[dict[str, list[EdgeOp]], dict[str, str]]:
    """``new`` less the edges that restate a fact in force, which go to ``fact_ids`` as
    that fact's graph id, and less those that restate an earlier edge of ``new`` (the
    same statement from another record or source of the batch), returned apart as
    uid -> the earlier edge's uid. Both are counted unchanged. Facts of a dump
    (``_dumped``) are neither."""
    said = [op for group in new.values() for op in group if not _dumped(op)]
    restated = await _restated(conn, ns, said, ends)
    fact_ids.update(restated)
    kept: dict[str, list[EdgeOp]] = {}
    again: dict[str, str] = {}
    for label, group in new.items():
        rest = [op for op in group if op.uid not in restated and not _dumped(op)]
        kept[label] = [op for op in group if _dumped(op)]
        if rest:
            kept[label] += _first_of_each_statement(rest, again)
        if not kept[label]:
            del kept[label]
    counts.edges_unchanged += len(restated) + len(again)
    return kept, again


def _dumped(op: EdgeOp) -> bool:
    """Whether ``op`` is a fact of a dump (it carries its times): restored as the fact
    it was, with its own uid, never merged into another fact of the same statement
    (a dump holds each closed and current fact of a statement apart)."""
    return op.restore is not None and "times" in op.restore


def _first_of_each_statement(group: list[EdgeOp], again: dict[str, str]) -> list[EdgeOp]:
    """The edges of one label, the first of each statement (endpoints) only; each later
    one goes to ``again`` as its uid -> the first's uid. (Vertex uids name one vertex
    each, so endpoint uids tell statements apart.)"""
    ends = [(op.start, op.end) for op in group]
    if len(set(ends)) == len(ends):  # the usual batch: nothing said twice
        return group
    first: dict[tuple[str, str], str] = {}
    out = []
    for op, key in zip(group, ends, strict=True):
        if key in first:
            again[op.uid] = first[key]
        else:
            first[key] = op.uid
            out.append(op)
    return out


async def _restated(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    ops: Sequence[EdgeOp],
    ends: Mapping[str, tuple[int, str | None]],
) -> dict[str, int]:
    """Among new edges, those whose statement (subject, predicate, object) is a fact in
    force: edge uid -> that fact's graph id."""
    if not ops:
        return {}
    stated = await statements.in_force(
        conn, ns, {ends[op.start][0] for op in ops}, {op.label for op in ops}
    )
    found = {(f.subject_id, f.predicate, f.object_id): f.id for f in stated}
    return {
        op.uid: found[key]
        for op in ops
        if (key := (ends[op.start][0], op.label, ends[op.end][0])) in found
    }


async def _insert_edges(
    conn: asyncpg.Connection,
    ctx: BatchContext,
    new: Mapping[str, Sequence[EdgeOp]],
    ends: Mapping[str, tuple[int, str | None]],
    recorded_at: str | None,
) -> dict[str, int]:
    """Insert new edges, by label (created if new): graph ids for every label in one round trip,
    one COPY per label table, then one COPY of all their ``_kg_fact`` rows.

    Each endpoint's text (its graph id, and its name or uid as ``fact_text`` takes it)
    is made once per batch, not once per edge that names it. The fact rows are built
    while their COPY streams (their texts were made for the edge rows), so that the
    server inserts one chunk while the next is formatted here."""
    if not new:
        return {}
    infos = await ctx.labels.ensure(conn, ctx.ns, set(new), "edge", ctx.schema)
    groups = [(infos[label], group) for label, group in new.items()]
    reserved = await reserve_many(conn, ctx.ns, [(info, len(group)) for info, group in groups])
    describe, named = ctx.describers.fact_text, ctx.describers.fact_name
    shown = {uid: (str(i), named(name or uid)) for uid, (i, name) in ends.items()}
    made: list[tuple[int, str, str, str, str, str]] = []
    result: dict[str, int] = {}

    def edge_lines(group: Sequence[EdgeOp], ids: list[int], label: str) -> Iterator[str]:
        for i, op in zip(ids, group, strict=True):
            start, start_name = shown[op.start]
            end, end_name = shown[op.end]
            t = describe(start_name, op.label, end_name)
            props = json_field(edge_map(op.properties, uid=op.uid, recorded_at=recorded_at, text=t))
            made.append((i, op.uid, label, start, end, t))
            yield f"{i}\t{start}\t{end}\t{props}\n"

    columns = ("id", "start_id", "end_id", "properties")
    for (info, group), ids in zip(groups, reserved, strict=True):
        await copy_rows(conn, ctx.ns, info.table, columns, edge_lines(group, ids, field(info.name)))
        result.update({op.uid: i for i, op in zip(ids, group, strict=True)})

    def fact_lines() -> Iterator[str]:
        if all_plain(itertools.chain((m[1] for m in made), (m[5] for m in made))):
            for i, uid, label, start, end, t in made:
                yield f"{i}\t{uid}\t{label}\t{start}\t{end}\t{t}\n"
        else:
            for i, uid, label, start, end, t in made:
                yield f"{i}\t{field(uid)}\t{label}\t{start}\t{end}\t{field(t)}\n"

    await copy_rows(
        conn,
        ctx.ns,
        "_kg_fact",
        ("id", "uid", "predicate", "subject_id", "object_id", "text"),
        fact_lines(),
    )
    return result
