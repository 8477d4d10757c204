"""What retrieval needs to know about candidate vertices and facts, and the candidate
sets the temporal axis and entity mentions produce on their own.

Temporal rules for facts (kgmem.model.TimeQuery): ``valid_at`` T keeps facts whose
validity ``[valid_from, valid_to)`` contains T; a window [start, end) keeps facts whose
validity overlaps it; with neither, only current facts (not closed, not ended).
``known_at`` T' asks the same of the store as it was at T': facts recorded by T', each
with the validity believed then (``kgmem.storage.graph.revisions``), and "current" means not
closed and not ended at T'.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

import asyncpg

from kgmem.storage import rows
from kgmem.storage.filters import ElementFilter
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

# The columns of ``known_facts`` (those of ``FactInfo``).
_COLUMNS = (
    "id, uid, predicate, subject_id, object_id, valid_from, valid_to, recorded_at, expired_at"
)


def known_facts(ns: NamespaceRef, at: str) -> str:
    """SQL of a relation: every fact recorded by known time ``at`` (a parameter such as
    ``$3``) with the version of its validity believed then, in the columns of
    ``FactInfo``."""
    fact, revision = table(ns.name, "_kg_fact"), table(ns.name, "_kg_fact_revision")
    return (
        f"SELECT {_COLUMNS} FROM {fact} WHERE coalesce(revised_at, recorded_at) <= {at} "
        "UNION ALL SELECT f.id, f.uid, f.predicate, f.subject_id, f.object_id, r.valid_from, "
        f"r.valid_to, f.recorded_at, r.expired_at FROM {revision} r JOIN {fact} f "
        f"ON f.id = r.fact_id WHERE r.known_from <= {at} AND r.known_to > {at} "
        f"AND f.recorded_at <= {at}"
    )


@dataclass(frozen=True, slots=True)
class VertexInfo:
    """The side row of a candidate vertex."""

    id: int
    uid: str
    label: str
    occurred_at: datetime | None
    updated_at: datetime
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class FactInfo:
    """The side row of a candidate fact."""

    id: int
    uid: str
    predicate: str
    subject_id: int
    object_id: int
    valid_from: datetime | None
    valid_to: datetime | None
    recorded_at: datetime
    expired_at: datetime | None


@dataclass(frozen=True, slots=True)
class FactTime:
    """The temporal constraint on facts (all None: current facts only)."""

    valid_at: datetime | None = None
    known_at: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None


async def vertex_rows(
    conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int]
) -> dict[int, VertexInfo]:
    """Side rows of the vertices among ``ids``."""
    return await _side_rows(conn, ns, VertexInfo, "_kg_vertex", ids)


async def fact_rows(
    conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int]
) -> dict[int, FactInfo]:
    """Side rows of the facts among ``ids``."""
    return await _side_rows(conn, ns, FactInfo, "_kg_fact", ids)


_Info = TypeVar("_Info", VertexInfo, FactInfo)


async def _side_rows(
    conn: asyncpg.Connection, ns: NamespaceRef, kind: type[_Info], side: str, ids: Sequence[int]
) -> dict[int, _Info]:
    """The rows of side table ``side`` among ``ids``, by id: the columns ``kind`` names."""
    found = await rows.fetch(
        conn,
        kind,
        f"SELECT {', '.join(rows.columns(kind))} FROM {table(ns.name, side)} "
        "WHERE id = ANY($1::graphid[])",
        list(ids),
    )
    return {r.id: r for r in found}


async def as_known(
    conn: asyncpg.Connection, ns: NamespaceRef, facts: Mapping[int, FactInfo], at: datetime
) -> dict[int, FactInfo]:
    """``facts`` as believed at known time ``at``: those recorded by then, each with the
    version of its validity believed then."""
    if not facts:
        return {}
    known = await rows.fetch(
        conn,
        FactInfo,
        f"SELECT * FROM ({known_facts(ns, '$2')}) k WHERE k.id = ANY($1::graphid[])",
        list(facts),
        at,
    )
    return {
        k.id: dataclasses.replace(
            facts[k.id], valid_from=k.valid_from, valid_to=k.valid_to, expired_at=k.expired_at
        )
        for k in known
    }


def _fact_time(
    when: FactTime, first: int = 1, *, open_start: bool = False
) -> tuple[list[str], list[datetime]]:
    """SQL conditions for ``when`` with their parameters (from ``$first``), only for the
    parts given, so each is a plain index condition in the plan (``open_start``: for
    facts without a ``valid_from``, which hold from the beginning). With ``known_at``
    the conditions apply to ``known_facts`` (the versions believed then)."""
    clauses: list[str] = []
    args: list[datetime] = []

    def add(sql: str, value: datetime) -> None:
        args.append(value)
        clauses.append(sql.replace("$?", f"${first - 1 + len(args)}"))

    if when.valid_at is not None:
        add(
            "(valid_to IS NULL OR valid_to > $?)" if open_start else "valid_from <= $?",
            when.valid_at,
        )
        n = first - 1 + len(args)
        if not open_start:
            clauses[-1] = f"{clauses[-1]} AND kgmem.time_range(valid_from, valid_to) @> ${n}"
    if when.start is not None:
        add("(valid_to IS NULL OR valid_to > $?)", when.start)
    if when.end is not None:
        add("valid_from < $?", when.end)
    if not clauses:
        # Current facts, as of the known time if one is given.
        if when.known_at is not None:
            add(
                "(expired_at IS NULL OR expired_at > $?) AND (valid_to IS NULL OR valid_to > $?)",
                when.known_at,
            )
        else:
            clauses.append("expired_at IS NULL AND (valid_to IS NULL OR valid_to > now())")
    return clauses, args


def _timed_facts_sql(
    ns: NamespaceRef, when: FactTime, predicates: Sequence[str] | None, params: list[object]
) -> str:
    """Ids of facts meeting ``when``: those with a ``valid_from`` latest-starting first,
    then those without one (they hold from the beginning), ``limit`` of each (``params``
    gets the statement's parameters, the limit first).

    Ordering the timed ones by ``valid_from`` lets the B-tree on it be read backwards
    from the time asked for and stop after ``limit`` rows, instead of sorting every
    qualifying fact.
    """
    source = table(ns.name, "_kg_fact")
    if when.known_at is not None:
        params.append(when.known_at)
        source = f"({known_facts(ns, f'${len(params)}')}) AS k"
    parts = []
    for open_start in (False, True):
        clauses, args = _fact_time(when, first=len(params) + 1, open_start=open_start)
        params.extend(args)
        if predicates is not None:
            params.append(list(predicates))
            clauses.append(f"predicate = ANY(${len(params)}::text[])")
        start = "valid_from IS NULL" if open_start else "valid_from IS NOT NULL"
        order = "id" if open_start else "valid_from DESC"
        parts.append(
            f"(SELECT 'f' AS kind, id FROM {source} WHERE {start} "
            f"AND {' AND '.join(clauses)} ORDER BY {order} LIMIT $1)"
        )
    return " UNION ALL ".join(parts)


def _timed_vertices_sql(
    ns: NamespaceRef,
    start: datetime | None,
    end: datetime | None,
    where: ElementFilter,
    params: list[object],
) -> str:
    """Ids of vertices with an ``occurred_at`` in [start, end) (open ends allowed),
    latest first."""
    n = len(params)
    params.extend([start, end, *where.label_args()])
    return (
        f"SELECT 'v' AS kind, id FROM {table(ns.name, '_kg_vertex')} "
        f"WHERE occurred_at IS NOT NULL "
        f"AND (${n + 1}::timestamptz IS NULL OR occurred_at >= ${n + 1}) "
        f"AND (${n + 2}::timestamptz IS NULL OR occurred_at < ${n + 2}) "
        f"AND (${n + 3}::text[] IS NULL OR label = ANY(${n + 3}::text[])) "
        f"AND (${n + 4}::text[] IS NULL OR label <> ALL(${n + 4}::text[])) "
        "ORDER BY occurred_at DESC, id LIMIT $1"
    )


async def timed(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    *,
    facts: FactTime | None,
    predicates: Sequence[str] | None,
    vertices: tuple[datetime | None, datetime | None, ElementFilter] | None,
    limit: int,
) -> tuple[list[int], list[int]]:
    """In one statement: ids of facts meeting ``facts`` (unless None), latest-starting
    first, and of vertices whose ``occurred_at`` is in ``vertices``' [start, end)
    (unless None; open ends allowed, label filter), latest first; ``limit`` each."""
    params: list[object] = [limit]
    parts = []
    if facts is not None:
        parts.append(_timed_facts_sql(ns, facts, predicates, params))
    if vertices is not None:
        parts.append(_timed_vertices_sql(ns, *vertices, params))
    if not parts:
        return [], []
    sql = " UNION ALL ".join(f"SELECT * FROM ({part}) t{i}" for i, part in enumerate(parts))
    found: dict[str, list[int]] = {"f": [], "v": []}
    for kind, id_ in await conn.fetch(sql, *params):
        found[kind].append(id_)
    return found["f"], found["v"]


async def named(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    names: Sequence[str],
    *,
    exclude_labels: Sequence[str],
) -> dict[int, str]:
    """Vertices whose lower-cased name is one of ``names`` (id -> name)."""
    records = await conn.fetch(
        f"SELECT id, name FROM {table(ns.name, '_kg_vertex')} "
        "WHERE lower(name) = ANY($1::text[]) AND label <> ALL($2::text[])",
        [n.lower() for n in names],
        list(exclude_labels),
    )
    return {id_: name for id_, name in records}


async def fact_uids(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str]
) -> dict[str, int]:
    """Graph ids of the facts among ``uids``."""
    records = await conn.fetch(
        f"SELECT uid, id FROM {table(ns.name, '_kg_fact')} WHERE uid = ANY($1::text[])",
        list(uids),
    )
    return {uid: id_ for uid, id_ in records}


# One row shape for side rows of both kinds, so one statement can return both: a
# vertex's label and a fact's predicate share ``label``; columns of the other kind are
# NULL.
VERTEX_COLUMNS = (
    "'v' AS kind, s.id, s.uid, s.label, s.occurred_at, s.updated_at, s.lat, s.lon, "
    "NULL::graphid AS subject_id, NULL::graphid AS object_id, "
    "NULL::timestamptz AS valid_from, NULL::timestamptz AS valid_to, "
    "NULL::timestamptz AS recorded_at, NULL::timestamptz AS expired_at"
)
FACT_COLUMNS = (
    "'f' AS kind, s.id, s.uid, s.predicate AS label, "
    "NULL::timestamptz AS occurred_at, NULL::timestamptz AS updated_at, "
    "NULL::float8 AS lat, NULL::float8 AS lon, s.subject_id, s.object_id, "
    "s.valid_from, s.valid_to, s.recorded_at, s.expired_at"
)


class SideRow(NamedTuple):
    """A row of ``VERTEX_COLUMNS`` or ``FACT_COLUMNS`` (``kind`` 'v' or 'f')."""

    kind: str
    id: int
    uid: str
    label: str
    occurred_at: datetime | None
    updated_at: datetime | None
    lat: float | None
    lon: float | None
    subject_id: int | None
    object_id: int | None
    valid_from: datetime | None
    valid_to: datetime | None
    recorded_at: datetime | None
    expired_at: datetime | None


def side_row(record: Sequence[Any]) -> VertexInfo | FactInfo:
    """The side row in a record whose first columns are ``SideRow``'s (searches add
    their own after them)."""
    # By position (the fields of SideRow): every search builds its candidates here.
    if record[0] == "v":
        return VertexInfo(*record[1:8])
    return FactInfo(*record[1:4], *record[8:14])


async def side_rows(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    vertex_ids: Sequence[int],
    fact_ids: Sequence[int],
) -> tuple[dict[int, VertexInfo], dict[int, FactInfo]]:
    """Side rows of the vertices among ``vertex_ids`` and the facts among ``fact_ids``,
    in one statement (none when both are empty)."""
    parts: list[str] = []
    args: list[list[int]] = []
    if vertex_ids:
        args.append(list(vertex_ids))
        parts.append(
            f"SELECT {VERTEX_COLUMNS} FROM {table(ns.name, '_kg_vertex')} s "
            f"WHERE s.id = ANY(${len(args)}::graphid[])"
        )
    if fact_ids:
        args.append(list(fact_ids))
        parts.append(
            f"SELECT {FACT_COLUMNS} FROM {table(ns.name, '_kg_fact')} s "
            f"WHERE s.id = ANY(${len(args)}::graphid[])"
        )
    if not parts:
        return {}, {}
    return split_side_rows(await rows.fetch(conn, SideRow, " UNION ALL ".join(parts), *args))


def split_side_rows(
    records: Iterable[Sequence[Any]],
) -> tuple[dict[int, VertexInfo], dict[int, FactInfo]]:
    """The side rows in records of ``VERTEX_COLUMNS`` and ``FACT_COLUMNS``, by id."""
    vertices: dict[int, VertexInfo] = {}
    facts: dict[int, FactInfo] = {}
    for record in records:
        row = side_row(record)
        if isinstance(row, VertexInfo):
            vertices[row.id] = row
        else:
            facts[row.id] = row
    return vertices, facts


async def side_rows_and_locations(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    vertex_ids: Sequence[int],
    fact_ids: Sequence[int],
    ends: Sequence[int] = (),
) -> tuple[dict[int, VertexInfo], dict[int, FactInfo], dict[int, tuple[float, float] | None]]:
    """``side_rows`` and, in the same statement, the location of every endpoint of those
    facts and of the vertices ``ends`` (endpoints of facts read before) ((lat, lon) as
    ``geo.locations`` reads it; None when not located or gone)."""
    if not fact_ids and not ends:
        return (*(await side_rows(conn, ns, vertex_ids, [])), {})
    vertex_table, fact_table = table(ns.name, "_kg_vertex"), table(ns.name, "_kg_fact")
    args: list[list[int]] = [list(fact_ids), list(ends)]
    located = VERTEX_COLUMNS.replace("'v' AS kind", "'e' AS kind", 1)
    parts = [
        f"SELECT {FACT_COLUMNS} FROM {fact_table} s WHERE s.id = ANY($1::graphid[])",
        f"SELECT {located} FROM {vertex_table} s WHERE s.id IN "
        f"(SELECT x.subject_id FROM {fact_table} x WHERE x.id = ANY($1::graphid[]) "
        f"UNION SELECT x.object_id FROM {fact_table} x WHERE x.id = ANY($1::graphid[]) "
        "UNION SELECT unnest($2::graphid[]))",
    ]
    if vertex_ids:
        args.append(list(vertex_ids))
        parts.append(
            f"SELECT {VERTEX_COLUMNS} FROM {vertex_table} s WHERE s.id = ANY($3::graphid[])"
        )
    found = await rows.fetch(conn, SideRow, " UNION ALL ".join(parts), *args)
    at: dict[int, tuple[float, float] | None] = {
        r.id: (r.lat, r.lon) if r.lat is not None and r.lon is not None else None
        for r in found
        if r.kind == "e"
    }
    vertices, facts = split_side_rows(r for r in found if r.kind != "e")
    ends_of = {e for f in facts.values() for e in (f.subject_id, f.object_id)}
    ends_of.update(ends)
    return vertices, facts, {e: at.get(e) for e in ends_of}


class EpisodeWords(NamedTuple):
    """An episode's ``speaker`` and ``text`` properties (either may be missing)."""

    id: int
    speaker: str | None
    text: str | None


# Whether namespace $3 indexes its texts as English (the default configuration).
_ENGLISH = (
    "(SELECT coalesce(n.config->>'text_config', 'english') = 'english' "
    "FROM kgmem.namespace n WHERE n.name = $3)"
)


async def episode_words(
    conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int], *, texts: bool
) -> dict[int, EpisodeWords]:
    """The ``speaker`` (and with ``texts`` the ``text``) property of each of the
    ``Episode`` vertices ``ids`` (text as stored), in one statement. Texts are read only
    in a namespace whose text search configuration is English: the features that read
    them (a question mark, first-person pronouns) are English rules."""
    speaker = "ag_catalog.agtype_access_operator(VARIADIC ARRAY[properties, '\"speaker\"'::agtype])"
    text = "ag_catalog.agtype_access_operator(VARIADIC ARRAY[properties, '\"text\"'::agtype])"
    found = await rows.fetch(
        conn,
        EpisodeWords,
        f"SELECT id, ({speaker})::text AS speaker, "
        f"CASE WHEN $2 AND {_ENGLISH} THEN ({text})::text END AS text "
        f"FROM {table(ns.name, 'Episode')} WHERE id = ANY($1::graphid[])",
        list(ids),
        texts,
        ns.name,
    )
    return {r.id: r for r in found}
