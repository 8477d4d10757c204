"""Bulk writes for imports: one batch of vertices and edges, set-based, with COPY.

A batch is applied inside the caller's transaction, together with its journal row, so
it commits all or nothing. For each batch:

1. read what is stored for the batch's uids (graph id, label, properties);
2. new vertices: reserve graph ids from each label's sequence in one statement
   (``nextval`` over ``generate_series``), then COPY the label rows and the
   ``_kg_vertex`` side rows; changed vertices are updated with ``unnest`` updates,
   vertices whose label changed are moved set-based (edges, facts, claims and vectors
   re-pointed in one statement each); unchanged ones are not touched;
3. edges whose endpoints are unknown are returned as rejected; new edges get ids the
   same way and are COPYed into the edge label tables and ``_kg_fact``; claims link
   them to their source;
4. the terms the batch chose and its journal row are written.

The label and side rows have exactly the shape ``kgmem.storage.vertices`` and
``kgmem.storage.facts`` write, so Cypher sees an imported graph as it would see one
written through the API. COPY uses the text format: agtype and graphid parse their
text forms, and the rows are built from orjson output (no raw control characters).
"""

from __future__ import annotations

import io
import itertools
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from kgmem.schema import GraphSchema
from kgmem.storage import agtype, statements
from kgmem.storage.facts import SYSTEM_KEYS, timestamp
from kgmem.storage.labels import LabelCatalog, LabelInfo
from kgmem.storage.property_merge import merge_edge_properties, merge_properties
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

DEFAULT_LABEL = "Entity"


@dataclass(slots=True)
class VertexOp:
    """A vertex to write. With ``merge``, ``properties`` values are added to the stored
    ones (RDF); otherwise they replace them. ``label`` None keeps the stored label (or
    ``Entity`` for a new vertex); with ``merge`` a stored ``Entity`` takes the label."""

    uid: str
    label: str | None
    properties: dict[str, Any]
    merge: bool
    line: int


@dataclass(slots=True)
class EdgeOp:
    """An edge (a fact) between two vertex uids; ``sources`` are the uids of the Source
    vertices that asserted it (RDF named graphs), among the batch's vertices or stored."""

    uid: str
    label: str
    start: str
    end: str
    properties: dict[str, Any]
    merge: bool
    line: int
    sources: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Describers:
    """How side-row texts are made: from a vertex's properties, and from a fact's
    subject name, predicate and object name; and when a vertex happened (its
    ``occurred_at``), as ``kgmem.storage.vertices`` reads it. ``fact_name`` gives how a
    fact's text names an endpoint from its name, or its uid if it has none (applied
    once per endpoint of a batch, not once per fact naming it); ``fact_text`` receives
    the endpoints so named."""

    vertex_text: Callable[[Mapping[str, Any]], str | None]
    fact_text: Callable[[str, str, str], str]
    vertex_time: Callable[[Mapping[str, Any]], datetime | None] = lambda _: None
    view: Callable[[Mapping[str, Any]], Mapping[str, Any]] = lambda p: p
    keys: frozenset[str] | None = None
    fact_name: Callable[[str], str] = lambda name: name

    def vertex_side(self, props: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
        """A vertex's side-row name, text and ``occurred_at`` (ISO 8601): text and
        time are read from ``view(props)``. ``keys``, if given, are all the property
        keys the describers read (``view`` keeping keys as they are): a vertex with
        none of them (an RDF object named only by its uid) has none of the three."""
        if self.keys is not None and self.keys.isdisjoint(props):
            return None, None, None
        view = self.view(props)
        occurred = self.vertex_time(view)
        return _name(props), self.vertex_text(view), occurred.isoformat() if occurred else None


@dataclass(slots=True)
class BatchCounts:
    """What one batch did; ``rejected`` lists (line, reason) of refused edges."""

    vertices_created: int = 0
    vertices_updated: int = 0
    vertices_unchanged: int = 0
    edges_created: int = 0
    edges_updated: int = 0
    edges_unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, int]:
        """The counters (not the rejections), as stored in the journal."""
        return {k: v for k, v in asdict(self).items() if k != "rejected"}


@dataclass(frozen=True, slots=True)
class BatchContext:
    """What applying a batch needs besides the connection and the items."""

    ns: NamespaceRef
    labels: LabelCatalog
    schema: GraphSchema
    describers: Describers


@dataclass(slots=True)
class _Stored:
    id: int
    label: str
    properties: dict[str, Any]
    name: str | None


# -- COPY text format ---------------------------------------------------------------


NULL = "\\N"


def _field(value: object) -> str:
    """One value in COPY's text format. ``str.translate`` with a mapping looks up every
    character in Python; the chained ``replace`` calls run in C
    and only when a character needs escaping."""
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else str(value)
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\n" in text or "\r" in text or "\t" in text:
        text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return text


def _json_field(value: Any) -> str:
    """A JSON value (agtype) in COPY's text format: orjson escapes every control
    character inside strings, so only its backslashes need doubling."""
    text = orjson.dumps(value).decode()
    return text.replace("\\", "\\\\") if "\\" in text else text


_COPY_SPECIAL = re.compile(r"[\\\n\r\t]")


def _plain(texts: Iterable[str | None]) -> bool:
    """Whether none of ``texts`` holds a character COPY's text format escapes: then
    rows are formatted with the texts as they are, one C-level search over all of
    them instead of a ``_field`` call per field (a visible share of the importing
    thread's time in a profile)."""
    return _COPY_SPECIAL.search("\x00".join([t for t in texts if t])) is None


_COPY_CHUNK_ROWS = 2000


async def _copy(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    name: str,
    columns: Sequence[str],
    lines: Iterable[str],
) -> None:
    """COPY ``lines`` (each a row in COPY's text format, newline included), streamed in
    chunks of rows as they are built: the server parses one chunk while the next is
    made, so building rows here and inserting them there overlap (``lines`` may be a
    generator). No COPY is sent for no rows."""
    rows = iter(lines)
    first = list(itertools.islice(rows, _COPY_CHUNK_ROWS))
    if not first:
        return

    async def chunks() -> AsyncIterator[bytes]:
        chunk = first
        while chunk:
            yield "".join(chunk).encode()
            chunk = list(itertools.islice(rows, _COPY_CHUNK_ROWS))

    await conn.copy_to_table(
        name, schema_name=ns.name, columns=list(columns), source=chunks(), format="text"
    )


async def _reserve_ids(
    conn: asyncpg.Connection, ns: NamespaceRef, info: LabelInfo, count: int
) -> list[int]:
    """``count`` new graph ids of label ``info``: AGE's ``label_id << 48 | entry``
    (what ``ag_catalog._graphid`` computes), the entries taken from the label's
    sequence in one statement and fetched as one ``bigint[]``."""
    entries = await conn.fetchval(
        "SELECT array_agg(nextval($1::regclass)) FROM generate_series(1, $2)",
        table(ns.name, info.seq_name),
        count,
    )
    base = info.label_id << _ENTRY_BITS
    return [base | (e & _ENTRY_MASK) for e in entries]


async def _reserve_many(
    conn: asyncpg.Connection, ns: NamespaceRef, wanted: Sequence[tuple[LabelInfo, int]]
) -> list[list[int]]:
    """New graph ids for several labels at once (``count`` of each ``info``), in one
    round trip: each label's entries from its own sequence, as ``_reserve_ids``."""
    if len(wanted) == 1:
        info, count = wanted[0]
        return [await _reserve_ids(conn, ns, info, count)]
    records = await conn.fetch(
        "SELECT x.k, ARRAY(SELECT nextval(x.s::regclass) FROM generate_series(1, x.n)) "
        "AS entries FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS x(s, n, k) "
        "ORDER BY x.k",
        [table(ns.name, info.seq_name) for info, _ in wanted],
        [count for _, count in wanted],
    )
    result: list[list[int]] = []
    for (info, _), r in zip(wanted, records, strict=True):
        base = info.label_id << _ENTRY_BITS
        result.append([base | (e & _ENTRY_MASK) for e in r["entries"]])
    return result


_ENTRY_BITS = 48
_ENTRY_MASK = (1 << _ENTRY_BITS) - 1


# -- uid lists ------------------------------------------------------------------------

_SEP = "\x1f"


def _any_uid(uids: Sequence[str]) -> tuple[str, object]:
    """``= ANY(...)`` over ``uids`` as ``$1``, with the parameter to pass. The uids go
    as one text joined by U+001F and split by PostgreSQL: asyncpg encodes a Python list
    as ``text[]`` element by element, testing each against abstract base classes in
    Python (a noticeable share of the importer's write-side CPU), and the split
    array is folded into a constant as the ``text[]`` parameter is, so the plan (a
    hashed filter) stays the same. A uid holding U+001F goes the ``text[]`` way, and so
    does a lone empty uid (PostgreSQL splits an empty text into no element at all)."""
    joined = _SEP.join(uids)
    if joined and joined.count(_SEP) == len(uids) - 1:
        return "ANY(string_to_array($1::text, E'\\x1f'))", joined
    return "ANY($1::text[])", list(uids)


# -- vertices -----------------------------------------------------------------------


async def _stored_vertices(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str]
) -> dict[str, _Stored]:
    match, param = _any_uid(uids)
    records = await conn.fetch(
        f"SELECT v.uid, v.id, v.label, v.name, t.properties FROM {table(ns.name, '_kg_vertex')} v "
        f"JOIN {table(ns.name, '_ag_label_vertex')} t ON t.id = v.id "
        f"WHERE v.uid = {match} FOR UPDATE OF v",
        param,
    )
    return {
        r["uid"]: _Stored(r["id"], r["label"], agtype.decode(r["properties"]), r["name"])
        for r in records
    }


def _target(op: VertexOp, stored: _Stored | None) -> tuple[str, dict[str, Any]]:
    if stored is None:
        return op.label or DEFAULT_LABEL, {**op.properties, "uid": op.uid}
    if op.merge:
        label = op.label if op.label and stored.label == DEFAULT_LABEL else stored.label
        return label, merge_properties(stored.properties, op.properties)
    return op.label or stored.label, {**op.properties, "uid": op.uid}


def _name(props: Mapping[str, Any]) -> str | None:
    name = props.get("name")
    return name if isinstance(name, str) else None


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
        label, props = _target(op, old)
        if old is None:
            new[label].append((op.uid, props))
        elif label == old.label and props == old.properties:
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
    match, param = _any_uid([op.uid for op in bare])
    records = await conn.fetch(
        f"SELECT uid, id, label, name FROM {table(ns.name, '_kg_vertex')} "
        f"WHERE uid = {match} FOR KEY SHARE",
        param,
    )
    found = {r["uid"]: r for r in records}
    settled: dict[str, tuple[int, str | None]] = {}
    for op in bare:
        r = found.get(op.uid)
        if r is not None and not (op.label and r["label"] == DEFAULT_LABEL):
            settled[op.uid] = (r["id"], r["name"])
    counts.vertices_unchanged += len(settled)
    absent = {op.uid for op in bare if op.uid not in found}
    return settled, [op for op in ops if op.uid not in settled], absent


async def _insert_vertices(
    conn: asyncpg.Connection,
    ctx: BatchContext,
    info: LabelInfo,
    group: Sequence[tuple[str, dict[str, Any]]],
) -> dict[str, tuple[int, str | None]]:
    ids = await _reserve_ids(conn, ctx.ns, info, len(group))
    await _copy(
        conn,
        ctx.ns,
        info.name,
        ("id", "properties"),
        (f"{i}\t{_json_field(p)}\n" for i, (_, p) in zip(ids, group, strict=True)),
    )
    side = ctx.describers.vertex_side
    label = _field(info.name)
    names: dict[str, tuple[int, str | None]] = {}

    def side_lines() -> Iterator[str]:
        for at in range(0, len(group), _COPY_CHUNK_ROWS):
            rows = slice(at, at + _COPY_CHUNK_ROWS)
            part = zip(ids[rows], group[rows], strict=True)
            block = [(i, uid, *side(p)) for i, (uid, p) in part]
            plain = _plain(itertools.chain.from_iterable(row[1:] for row in block))
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
                        f"{i}\t{_field(uid)}\t{label}\t{_field(name)}\t{_field(text)}\t"
                        f"{_field(occurred)}\n"
                    )

    await _copy(
        conn,
        ctx.ns,
        "_kg_vertex",
        ("id", "uid", "label", "name", "text", "occurred_at"),
        side_lines(),
    )
    return names


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
        result[uid] = (stored[uid].id, _name(props))
    for label, group in same.items():
        await conn.execute(
            f"UPDATE {table(ns.name, label)} AS t SET properties = x.p::agtype "
            "FROM unnest($1::graphid[], $2::text[]) AS x(i, p) WHERE t.id = x.i",
            [stored[uid].id for uid, _ in group],
            [agtype.encode(p) for _, p in group],
        )
    for label, group in moved.items():
        new_ids = await _move(conn, ns, infos[label], [(stored[u].id, p) for u, p in group])
        result.update({uid: (i, _name(p)) for i, (uid, p) in zip(new_ids, group, strict=True)})
    if changed:
        sides = [ctx.describers.vertex_side(p) for _, _, p in changed]
        await conn.execute(
            f"UPDATE {table(ns.name, '_kg_vertex')} AS v SET label = x.l, name = x.n, text = x.t, "
            "occurred_at = x.o::timestamptz, updated_at = now() FROM unnest($1::text[], "
            "$2::text[], $3::text[], $4::text[], $5::text[]) AS x(u, l, n, t, o) WHERE v.uid = x.u",
            [uid for uid, _, _ in changed],
            [label for _, label, _ in changed],
            [n for n, _, _ in sides],
            [t for _, t, _ in sides],
            [o for _, _, o in sides],
        )
    return result


async def _move(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    info: LabelInfo,
    rows: Sequence[tuple[int, dict[str, Any]]],
) -> list[int]:
    """Move vertices to label ``info`` under new graph ids, re-pointing what refers to them."""
    new_ids = await _reserve_ids(conn, ns, info, len(rows))
    old_ids = [old for old, _ in rows]
    await _copy(
        conn,
        ns,
        info.name,
        ("id", "properties"),
        [f"{i}\t{_json_field(p)}\n" for i, (_, p) in zip(new_ids, rows, strict=True)],
    )
    mapping = "unnest($1::graphid[], $2::graphid[]) AS m(o, n)"

    def t(name: str) -> str:
        return table(ns.name, name)

    statements = [
        f"UPDATE {t('_kg_fact')} f SET subject_id = m.n FROM {mapping} WHERE f.subject_id = m.o",
        f"UPDATE {t('_kg_fact')} f SET object_id = m.n FROM {mapping} WHERE f.object_id = m.o",
        f"UPDATE {t('_kg_claim')} c SET source_id = m.n FROM {mapping} WHERE c.source_id = m.o",
        f"UPDATE {t('_kg_claim')} c SET episode_id = m.n FROM {mapping} WHERE c.episode_id = m.o",
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


# -- edges --------------------------------------------------------------------------


async def _endpoint_ids(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    uids: Iterable[str],
    known: Mapping[str, tuple[int, str | None]],
) -> dict[str, tuple[int, str | None]]:
    missing = sorted({u for u in uids if u not in known})
    found = dict(known)
    if missing:
        match, param = _any_uid(missing)
        records = await conn.fetch(
            f"SELECT uid, id, name FROM {table(ns.name, '_kg_vertex')} "
            f"WHERE uid = {match} FOR KEY SHARE",
            param,
        )
        found.update({r["uid"]: (r["id"], r["name"]) for r in records})
    return found


def _endpoints(ops: Sequence[EdgeOp], known: Mapping[str, object]) -> Iterator[str]:
    """The vertex uids ``ops`` refer to that ``known`` lacks (with repeats)."""
    for op in ops:
        if op.start not in known:
            yield op.start
        if op.end not in known:
            yield op.end
        yield from op.sources


def edge_properties(
    uid: str, user: Mapping[str, Any], recorded_at: str | None, text: str | None
) -> dict[str, Any]:
    """An edge's stored agtype map: the user's properties plus the fact fields that
    have a value (``uid``, ``recorded_at``, ``text``). ``kgmem.storage.facts`` also
    stores the null ones (``valid_from``, ``valid_to``, ``expired_at``,
    ``confidence``); Cypher reads a missing key as null, as it reads a stored null, and
    kgmem reads the fact fields from ``_kg_fact``, so both shapes answer alike. Leaving
    them out makes an imported edge's map about 70 bytes shorter, which PostgreSQL
    parses, stores and indexes once per edge."""
    props = {**user, "uid": uid}
    if recorded_at is not None:
        props["recorded_at"] = recorded_at
    if text is not None:
        props["text"] = text
    return props


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
    match, param = _any_uid([op.uid for op in ops])
    stored = {
        r["uid"]: r
        for r in await conn.fetch(
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
        if (old["predicate"], old["subject_id"], old["object_id"]) != (
            op.label,
            ends[op.start][0],
            ends[op.end][0],
        ):
            counts.rejected.append(
                (op.line, f"edge uid {op.uid!r} already names a different statement")
            )
            continue
        fact_ids[op.uid] = old["id"]
        props = agtype.decode(old["properties"])
        user = {k: v for k, v in props.items() if k not in SYSTEM_KEYS}
        target = merge_edge_properties(user, op.properties) if op.merge else dict(op.properties)
        if target == user:
            counts.edges_unchanged += 1
            continue
        system = {k: v for k, v in props.items() if k in SYSTEM_KEYS}
        updates[op.label].append((old["id"], {**target, **system}))
        counts.edges_updated += 1
    new, again = await _without_restated(conn, ns, new, ends, fact_ids, counts)
    fact_ids.update(await _insert_edges(conn, ctx, new, ends, timestamp(now)))
    fact_ids.update({uid: fact_ids[first] for uid, first in again.items()})
    counts.edges_created += sum(len(group) for group in new.values())
    for label, rows in updates.items():
        await conn.execute(
            f"UPDATE {table(ns.name, label)} AS t SET properties = x.p::agtype "
            "FROM unnest($1::graphid[], $2::text[]) AS x(i, p) WHERE t.id = x.i",
            [i for i, _ in rows],
            [agtype.encode(p) for _, p in rows],
        )
    await _source_claims(conn, ns, ops, fact_ids, ends)
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
    uid -> the earlier edge's uid. Both are counted unchanged."""
    restated = await _restated(conn, ns, [op for group in new.values() for op in group], ends)
    fact_ids.update(restated)
    kept: dict[str, list[EdgeOp]] = {}
    again: dict[str, str] = {}
    for label, group in new.items():
        rest = [op for op in group if op.uid not in restated] if restated else group
        if rest:
            kept[label] = _first_of_each_statement(rest, again)
    counts.edges_unchanged += len(restated) + len(again)
    return kept, again


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
    reserved = await _reserve_many(conn, ctx.ns, [(info, len(group)) for info, group in groups])
    describe, named = ctx.describers.fact_text, ctx.describers.fact_name
    shown = {uid: (str(i), named(name or uid)) for uid, (i, name) in ends.items()}
    made: list[tuple[int, str, str, str, str, str]] = []
    result: dict[str, int] = {}

    def edge_lines(group: Sequence[EdgeOp], ids: list[int], label: str) -> Iterator[str]:
        for i, op in zip(ids, group, strict=True):
            start, start_name = shown[op.start]
            end, end_name = shown[op.end]
            t = describe(start_name, op.label, end_name)
            props = _json_field(edge_properties(op.uid, op.properties, recorded_at, t))
            made.append((i, op.uid, label, start, end, t))
            yield f"{i}\t{start}\t{end}\t{props}\n"

    columns = ("id", "start_id", "end_id", "properties")
    for (info, group), ids in zip(groups, reserved, strict=True):
        await _copy(conn, ctx.ns, info.name, columns, edge_lines(group, ids, _field(info.name)))
        result.update({op.uid: i for i, op in zip(ids, group, strict=True)})

    def fact_lines() -> Iterator[str]:
        if _plain(itertools.chain((m[1] for m in made), (m[5] for m in made))):
            for i, uid, label, start, end, t in made:
                yield f"{i}\t{uid}\t{label}\t{start}\t{end}\t{t}\n"
        else:
            for i, uid, label, start, end, t in made:
                yield f"{i}\t{_field(uid)}\t{label}\t{start}\t{end}\t{_field(t)}\n"

    await _copy(
        conn,
        ctx.ns,
        "_kg_fact",
        ("id", "uid", "predicate", "subject_id", "object_id", "text"),
        fact_lines(),
    )
    return result


async def lift_timeout(conn: asyncpg.Connection) -> None:
    """No statement timeout for the rest of this transaction: a batch of a large load,
    an index build or ANALYZE may rightly take longer than a request may (the backend
    is renamed meanwhile, so the watchdog leaves it alone)."""
    await conn.execute(
        "SELECT set_config('statement_timeout', '0', true), "
        "set_config('application_name', 'kgmem-import', true)"
    )


async def commit_without_flush(conn: asyncpg.Connection) -> None:
    """Let this transaction's COMMIT return before its WAL reaches disk. A batch is
    journalled in its own transaction, so a crash that loses a just-committed batch
    loses its journal row with it, and the rerun writes the batch again; nothing is
    half-loaded either way."""
    await conn.execute("SET LOCAL synchronous_commit = off")


# -- journal and terms --------------------------------------------------------------


async def committed_batches(
    conn: asyncpg.Connection, namespace: str, load_key: str
) -> dict[int, dict[str, int]]:
    """The batches of load ``load_key`` already committed in ``namespace``, with counts."""
    records = await conn.fetch(
        "SELECT batch_no, counts FROM kgmem.import_batch WHERE namespace = $1 AND load_key = $2",
        namespace,
        load_key,
    )
    return {r["batch_no"]: orjson.loads(r["counts"]) for r in records}


async def record_batch(
    conn: asyncpg.Connection,
    namespace: str,
    load_key: str,
    batch_no: int,
    counts: Mapping[str, int],
) -> None:
    """Journal a batch as committed (inside the batch's own transaction)."""
    await conn.execute(
        "INSERT INTO kgmem.import_batch (namespace, load_key, batch_no, counts) "
        "VALUES ($1, $2, $3, $4::jsonb)",
        namespace,
        load_key,
        batch_no,
        orjson.dumps(dict(counts)).decode(),
    )


async def read_terms(conn: asyncpg.Connection, namespace: str) -> list[tuple[str, str, str]]:
    """The (kind, name, iri) terms an RDF import chose in ``namespace``."""
    records = await conn.fetch(
        "SELECT kind, name, iri FROM kgmem.rdf_term WHERE namespace = $1 ORDER BY kind, name",
        namespace,
    )
    return [(r["kind"], r["name"], r["iri"]) for r in records]


async def write_terms(
    conn: asyncpg.Connection, namespace: str, terms: Sequence[tuple[str, str, str]]
) -> None:
    """Record newly chosen (kind, name, iri) terms."""
    if terms:
        await conn.execute(
            "INSERT INTO kgmem.rdf_term (namespace, kind, name, iri) "
            "SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING",
            namespace,
            [k for k, _, _ in terms],
            [n for _, n, _ in terms],
            [i for _, _, i in terms],
        )


async def label_kinds(conn: asyncpg.Connection, ns: NamespaceRef) -> dict[str, str]:
    """Every label name of ``ns`` with its kind (``vertex`` or ``edge``)."""
    records = await conn.fetch(
        "SELECT name::text AS name, kind FROM ag_catalog.ag_label WHERE graph = $1", ns.graph_oid
    )
    return {r["name"]: "vertex" if r["kind"] == b"v" else "edge" for r in records}


async def empty_tables(conn: asyncpg.Connection, ns: NamespaceRef) -> set[str]:
    """The tables of ``ns`` without a row (without a page: a load only adds rows)."""
    records = await conn.fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relkind = 'r' AND pg_relation_size(c.oid) = 0",
        ns.name,
    )
    return {r["relname"] for r in records}


async def analyze_targets(conn: asyncpg.Connection, ns: NamespaceRef) -> list[str]:
    """The tables of ``ns`` worth analysing after a load, largest first (so that two
    connections working through the list finish close together): every table with
    rows, AGE's two parent tables (whose statistics cover all their labels) included.
    Tables without a page are left out: a load only adds rows, so those are the labels
    and side tables it did not write (in a fresh namespace about thirty of them, each
    ANALYZE a round trip and a catalog update)."""
    records = await conn.fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relkind = 'r' AND (pg_relation_size(c.oid) > 0 "
        "OR c.relname IN ('_ag_label_vertex', '_ag_label_edge')) "
        "ORDER BY c.relname IN ('_ag_label_vertex', '_ag_label_edge') DESC, "
        "pg_relation_size(c.oid) DESC, c.relname",
        ns.name,
    )
    return [r["relname"] for r in records]


LABEL_STATISTICS_TARGET = 10


async def analyze_table(conn: asyncpg.Connection, ns: NamespaceRef, name: str) -> None:
    """Refresh the planner statistics of one table of ``ns``. kgmem's side tables get
    PostgreSQL's default sample (30,000 rows); AGE's label tables and their two parents
    are sampled with a statistics target of 10 (3,000 rows): nearly all of their
    ANALYZE time goes to the agtype ``properties`` column and the property-index
    expressions over it (several times less at 10 than at the default), and their uid
    lookups go through unique indexes, whose estimates do not depend on the sample.

    Edge label tables and their parent ``_ag_label_edge`` are analysed on their plain
    columns only (``id``, ``start_id``, ``end_id``: what the planner estimates joins
    and endpoint lookups with). PostgreSQL then skips the agtype ``properties`` column,
    whose statistics no query of kgmem or AGE's Cypher uses (property lookups go
    through expressions over it, not the column), and the expression of the edges'
    unique ``uid`` index, which saves server CPU on every load.

    The two parents are analysed ``ONLY`` (on PostgreSQL 18 and later): since 18 a plain
    ANALYZE of an inheritance parent also analyses each child on its own, which would
    sample every label table a second time (and the empty ones the load did not touch);
    ``ANALYZE ONLY`` still gathers the parent's statistics over the whole tree."""
    if not name.startswith("_kg_"):  # AGE's tables: labels and their two parents
        await conn.execute(f"SET LOCAL default_statistics_target = {LABEL_STATISTICS_TARGET}")
        parent = name in ("_ag_label_vertex", "_ag_label_edge")
        only = "ONLY " if parent and conn.get_server_version().major >= 18 else ""
        if name == "_ag_label_edge" or await conn.fetchval(
            "SELECT kind = 'e' FROM ag_catalog.ag_label WHERE graph = $1 AND name = $2",
            ns.graph_oid,
            name,
        ):
            await conn.execute(f"ANALYZE {only}{table(ns.name, name)} (id, start_id, end_id)")
            return
        await conn.execute(f"ANALYZE {only}{table(ns.name, name)}")
        return
    await conn.execute(f"ANALYZE {table(ns.name, name)}")


async def pending_texts(
    conn: asyncpg.Connection, ns: NamespaceRef, after: int, limit: int
) -> list[tuple[int, str]]:
    """Up to ``limit`` (graph id, text) of vertices after id ``after`` that have text
    but no vector, in id order."""
    records = await conn.fetch(
        f"SELECT v.id, v.text FROM {table(ns.name, '_kg_vertex')} v "
        f"WHERE v.text IS NOT NULL AND v.id > $1 AND NOT EXISTS "
        f"(SELECT 1 FROM {table(ns.name, '_kg_vertex_vector')} x WHERE x.id = v.id) "
        "ORDER BY v.id LIMIT $2",
        after,
        limit,
    )
    return [(r["id"], r["text"]) for r in records]


async def count_pending_texts(conn: asyncpg.Connection, ns: NamespaceRef) -> int:
    """How many vertices have text but no vector."""
    return int(
        await conn.fetchval(
            f"SELECT count(*) FROM {table(ns.name, '_kg_vertex')} v WHERE v.text IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {table(ns.name, '_kg_vertex_vector')} x "
            "WHERE x.id = v.id)"
        )
    )


# -- deferred indexes ----------------------------------------------------------------


async def defer_indexes(conn: asyncpg.Connection, ns: NamespaceRef) -> int:
    """Drop the secondary indexes of ``ns``, keeping their definitions in
    ``kgmem.deferred_index``: every non-unique index (text, time, endpoint, property
    indexes) and the unique indexes of AGE's label tables (their ``uid`` and edge ``id``
    indexes). Primary keys and kgmem's side-table unique indexes stay, so uniqueness
    holds throughout: every label row of a vertex or edge has its side row in
    ``_kg_vertex`` or ``_kg_fact`` (unique ``uid``, unique ``id``), written in the same
    transaction, and graph ids come from the labels' sequences. Called again at the
    end of each batch of a deferred load, so the indexes of labels that batch created
    are dropped too, in the batch's own transaction. Returns how many were dropped."""
    records = await conn.fetch(
        "SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND NOT i.indisprimary AND (NOT i.indisunique OR i.indrelid IN "
        "(SELECT relation FROM ag_catalog.ag_label WHERE graph = $2 "
        "AND name NOT IN ('_ag_label_vertex', '_ag_label_edge')))",
        ns.name,
        ns.graph_oid,
    )
    for r in records:
        await conn.execute(
            "INSERT INTO kgmem.deferred_index (namespace, name, definition) VALUES ($1, $2, $3) "
            "ON CONFLICT DO NOTHING",
            ns.name,
            r["name"],
            r["definition"],
        )
        await conn.execute(f"DROP INDEX {table(ns.name, r['name'])}")
    return len(records)


async def has_deferred_indexes(conn: asyncpg.Connection, namespace: str) -> bool:
    """Whether an import of ``namespace`` dropped indexes it has not built again."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM kgmem.deferred_index WHERE namespace = $1)", namespace
        )
    )


_INDEX_TARGET = re.compile(
    r' ON (?:ONLY )?(?:"(?:[^"]|"")+"|[^."\s]+)\.("(?:[^"]|"")+"|[^\s]+) USING (\w+)'
)
_SLOW_METHODS = ("bm25", "gin", "gist")


async def deferred_indexes(conn: asyncpg.Connection, ns: NamespaceRef) -> list[tuple[str, str]]:
    """The indexes an import of ``ns`` dropped and has not built again, each with the
    name of its table, costliest first: text, GIN and GiST indexes before b-trees (the
    fact texts' BM25 index is by far the longest build; started first, it runs beside
    all the others), each kind by the size of its table, largest first."""
    records = await conn.fetch(
        "SELECT name, definition FROM kgmem.deferred_index WHERE namespace = $1 ORDER BY name",
        ns.name,
    )
    sizes = {
        r["relname"]: r["size"]
        for r in await conn.fetch(
            "SELECT c.relname, pg_relation_size(c.oid) AS size FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 "
            "AND c.relkind = 'r'",
            ns.name,
        )
    }
    found: list[tuple[bool, int, str, str]] = []
    for r in records:
        match = _INDEX_TARGET.search(r["definition"])
        name, method = match.groups() if match else ("", "")
        if name.startswith('"'):
            name = name[1:-1].replace('""', '"')
        slow = method in _SLOW_METHODS
        found.append((not slow, -sizes.get(name, 0), r["name"], name))
    return [(index, target) for _, _, index, target in sorted(found)]


async def restore_index(conn: asyncpg.Connection, namespace: str, name: str) -> None:
    """Build one deferred index again and strike it from the list, in the caller's
    transaction (a crash leaves it listed, and the rerun builds it)."""
    definition = await conn.fetchval(
        "SELECT definition FROM kgmem.deferred_index WHERE namespace = $1 AND name = $2",
        namespace,
        name,
    )
    if definition is None:
        return
    for head in ("CREATE INDEX ", "CREATE UNIQUE INDEX "):
        if definition.startswith(head):
            definition = definition.replace(head, head + "IF NOT EXISTS ", 1)
    await conn.execute(definition)
    await conn.execute(
        "DELETE FROM kgmem.deferred_index WHERE namespace = $1 AND name = $2", namespace, name
    )


async def is_empty(conn: asyncpg.Connection, ns: NamespaceRef) -> bool:
    """Whether ``ns`` has no vertices."""
    return not await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table(ns.name, '_kg_vertex')})")


# -- the type pass -------------------------------------------------------------------


async def clear_types(conn: asyncpg.Connection, namespace: str, load_key: str) -> None:
    """Forget the subject labels a type pass of this load wrote."""
    await conn.execute(
        "DELETE FROM kgmem.import_type WHERE namespace = $1 AND load_key = $2",
        namespace,
        load_key,
    )


async def write_types(
    conn: asyncpg.Connection,
    namespace: str,
    load_key: str,
    rows: Sequence[tuple[str, int, str]],
) -> None:
    """Record (subject uid, line, label) rows of a type pass."""
    payload = "".join(
        f"{_field(namespace)}\t{_field(load_key)}\t{_field(uid)}\t{line}\t{_field(label)}\n"
        for uid, line, label in rows
    ).encode()
    if payload:
        await conn.copy_to_table(
            "import_type",
            schema_name="kgmem",
            columns=["namespace", "load_key", "uid", "line", "label"],
            source=io.BytesIO(payload),
            format="text",
        )


async def first_types(
    conn: asyncpg.Connection, namespace: str, load_key: str, uids: Sequence[str]
) -> dict[str, str]:
    """The label of each of ``uids`` that the type pass found a type for: that of its
    first ``rdf:type`` statement in the file."""
    if not uids:
        return {}
    records = await conn.fetch(
        "SELECT DISTINCT ON (uid) uid, label FROM kgmem.import_type "
        "WHERE namespace = $1 AND load_key = $2 AND uid = ANY($3::text[]) ORDER BY uid, line",
        namespace,
        load_key,
        list(uids),
    )
    return {r["uid"]: r["label"] for r in records}
