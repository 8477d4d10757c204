"""AGE labels of each namespace: looked up, cached, and created on demand.

A label is a table inheriting ``_ag_label_vertex`` or ``_ag_label_edge``; its graph ids
are ``label_id << 48 | nextval(its sequence)``. Creating one takes a transaction-level
advisory lock on (graph, label) and re-checks the catalogue, so concurrent writers
that meet the same new label create it once (AGE issue #2179). Each new label gets a
unique index on ``uid`` and an index on each property the graph schema marks indexed.

The cache holds only committed labels read back from ``ag_label``, keyed by the graph
oid: a label the reading transaction created itself is returned but not cached, since
other transactions cannot see its table until the commit (they answered ``relation
does not exist``) and a rollback removes it. A dropped and re-created namespace never
leaves a stale entry either.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import asyncpg

from kgmem.errors import CypherSemanticError, LabelKindConflict
from kgmem.schema import GraphSchema, LabelKind, label_names
from kgmem.storage import rows
from kgmem.storage.engine.driver_errors import translated
from kgmem.storage.neo4j_schema.expression_indexes import property_expression
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import ident, index_name, table

_KIND_CODE: Mapping[LabelKind, bytes] = {"vertex": b"v", "edge": b"e"}
# The names AGE 1.7 can hold as a label or relationship type: letters (any script),
# digits and underscores, not starting with a digit.
_AGE_NAME = re.compile(r"[^\W\d]\w*")


def check_age_name(name: str) -> None:
    """Raise ``CypherSemanticError`` for a label or type name AGE cannot hold (Neo4j
    takes any name; ``'Works at'`` must become ``'Works_at'`` or ``'WORKS_AT'`` here)."""
    if not _AGE_NAME.fullmatch(name):
        suggested = re.sub(r"\W", "_", name)
        raise CypherSemanticError(
            f"the label or relationship type {name!r} cannot be stored: kgmem's graph "
            "engine holds names of letters, digits and underscores that do not start "
            f"with a digit (write it as {suggested!r}, for instance)"
        )


class _LabelRow(NamedTuple):
    """A label of ``ag_catalog.ag_label`` (``kind`` one of ``_KIND_CODE``'s)."""

    kind: bytes
    id: int
    seq_name: str


_KIND_WORDS = {"vertex": "a node label", "edge": "a relationship type"}


class _CatalogRow(NamedTuple):
    """A label of a graph, and whether this transaction created it."""

    name: str
    kind: bytes
    id: int
    seq_name: str
    uncommitted: bool | None


@dataclass(frozen=True, slots=True)
class LabelInfo:
    """One AGE label: the label or type as written (``Big Co``), its table (the stored
    name, ``kgmem.schema.label_names.stored``), its numeric id (the top 16 bits of its
    graph ids) and sequence."""

    name: str
    kind: LabelKind
    label_id: int
    seq_name: str
    table: str


class LabelCatalog:
    """Per-process cache of each graph's labels."""

    def __init__(self) -> None:
        self._graphs: dict[int, dict[str, LabelInfo]] = {}

    def forget(self, ns: NamespaceRef) -> None:
        """Drop what is cached for ``ns`` (after it is deleted)."""
        self._graphs.pop(ns.graph_oid, None)

    async def known(self, conn: asyncpg.Connection, ns: NamespaceRef) -> dict[str, LabelInfo]:
        """Every user label of ``ns`` (AGE's two base labels excluded), by table name."""
        return dict(await self._load(conn, ns))

    async def has(self, conn: asyncpg.Connection, ns: NamespaceRef, name: str) -> bool:
        """Whether label ``name`` (as written) exists in ``ns`` (from the cache; read on a
        miss)."""
        stored = label_names.stored(name)
        if stored in self._graphs.get(ns.graph_oid, {}):
            return True
        return stored in await self._load(conn, ns)

    async def ensure(
        self,
        conn: asyncpg.Connection,
        ns: NamespaceRef,
        names: Iterable[str],
        kind: LabelKind,
        schema: GraphSchema,
    ) -> dict[str, LabelInfo]:
        """Return the labels ``names`` (as written, keyed so) of ``kind``, creating any
        that do not exist yet under their stored names (``label_names.stored``).

        ``names`` must already be validated (``validate_label``). Raises
        ``LabelKindConflict`` if a name exists as the other kind.
        """
        wanted = {label_names.stored(name): name for name in names}
        found = self._graphs.get(ns.graph_oid, {})
        if not wanted.keys() <= found.keys():
            found = await self._load(conn, ns)
        result: dict[str, LabelInfo] = {}
        for stored, name in sorted(wanted.items()):
            info = found.get(stored) or await self._create(conn, ns, stored, kind, schema)
            if info.kind != kind:
                raise LabelKindConflict(
                    f"{name!r} is already {_KIND_WORDS[info.kind]} in namespace "
                    f"{ns.name!r}; it cannot also be {_KIND_WORDS[kind]}",
                    label=name,
                )
            result[name] = info
        return result

    async def ensure_declared(
        self, conn: asyncpg.Connection, ns: NamespaceRef, named: Iterable[str], schema: GraphSchema
    ) -> None:
        """Make the labels of ``schema`` among ``named`` (a query's names, checked or
        not) where ``ns`` lacks them, each of its declared kind, its database errors
        translated (a read-only server's refusal is ``PrimaryUnavailable``, a lost race
        for a new label a ``WriteConflict``), as a statement's would be."""
        names = set(named)
        vertices, edges = names & schema.vertices.keys(), names & schema.edges.keys()
        with translated():
            if vertices:
                await self.ensure(conn, ns, vertices, "vertex", schema)
            if edges:
                await self.ensure(conn, ns, edges, "edge", schema)

    async def ensure_made(
        self,
        conn: asyncpg.Connection,
        ns: NamespaceRef,
        made: tuple[Iterable[str], Iterable[str], Iterable[str], Iterable[str]],
        schema: GraphSchema,
    ) -> None:
        """Make the labels and relationship types of ``made`` (a writing query's, from
        ``kgmem.cypher.made_labels``: written, then read after a write) that ``ns``
        lacks, so the statement that writes them can read them too, and those its
        MATCH after a write reads that exist under neither kind. The schema's were made
        by ``ensure_declared``; a name kgmem would refuse, or one the graph keeps as the
        other kind, is left to the statement to refuse."""
        vertices, edges, read_vertices, read_edges = made
        kinds: tuple[tuple[Iterable[str], LabelKind, Mapping[str, object], bool], ...] = (
            (vertices, "vertex", schema.vertices, False),
            (edges, "edge", schema.edges, False),
            (read_vertices, "vertex", schema.vertices, True),
            (read_edges, "edge", schema.edges, True),
        )
        for names, kind, declared, read in kinds:
            wanted = [n for n in names if n not in declared and label_names.refusal(n) is None]
            if read:
                wanted = [n for n in wanted if not await self.has(conn, ns, n)]
            for name in wanted:
                with contextlib.suppress(LabelKindConflict), translated():
                    await self.ensure(conn, ns, [name], kind, schema)

    async def _load(self, conn: asyncpg.Connection, ns: NamespaceRef) -> dict[str, LabelInfo]:
        found = await rows.fetch(
            conn,
            _CatalogRow,
            "SELECT name::text AS name, kind, id, seq_name::text AS seq_name, "
            "xmin = xid(pg_current_xact_id_if_assigned()) AS uncommitted "
            "FROM ag_catalog.ag_label WHERE graph = $1 "
            "AND name NOT IN ('_ag_label_vertex', '_ag_label_edge')",
            ns.graph_oid,
        )
        labels = {r.name: _info(r.name, r) for r in found}
        self._graphs[ns.graph_oid] = {r.name: labels[r.name] for r in found if not r.uncommitted}
        return labels

    async def _create(
        self,
        conn: asyncpg.Connection,
        ns: NamespaceRef,
        name: str,
        kind: LabelKind,
        schema: GraphSchema,
    ) -> LabelInfo:
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", ns.name, name
        )
        row = await _catalog_row(conn, ns, name)
        if row is None:
            create = "create_vlabel" if kind == "vertex" else "create_elabel"
            await conn.execute(
                f"SELECT ag_catalog.{create}($1::text::cstring, $2::text::cstring)", ns.name, name
            )
            await create_label_indexes(conn, ns, name, kind, schema)
            row = await _catalog_row(conn, ns, name)
        assert row is not None
        return _info(name, row)


async def _catalog_row(conn: asyncpg.Connection, ns: NamespaceRef, name: str) -> _LabelRow | None:
    """AGE's catalog row of label ``name`` in ``ns``, or None when there is none."""
    return await rows.fetchrow(
        conn,
        _LabelRow,
        "SELECT kind, id, seq_name::text AS seq_name FROM ag_catalog.ag_label "
        "WHERE graph = $1 AND name = $2",
        ns.graph_oid,
        name,
    )


def _info(name: str, row: _LabelRow | _CatalogRow) -> LabelInfo:
    """What the cache keeps of the label stored as ``name`` from its catalog row."""
    return LabelInfo(
        name=label_names.written(name),
        kind="vertex" if row.kind == _KIND_CODE["vertex"] else "edge",
        label_id=row.id,
        seq_name=row.seq_name,
        table=name,
    )


async def create_label_indexes(
    conn: asyncpg.Connection, ns: NamespaceRef, name: str, kind: LabelKind, schema: GraphSchema
) -> None:
    """Create (if missing) the uid index and the schema's property indexes on a label.

    ``name`` is the label's table (its stored name); the graph schema's indexes are
    those of the label it stands for. Every label gets an index on ``id(n)`` as AGE
    compiles it (see the migration 0027_neo4j_schema). Edge labels also get a unique
    index on ``id``: AGE 1.7 gives vertex label tables a primary key but edge label
    tables only ``start_id``/``end_id`` indexes, so without it every edge read or
    update by id is a sequential scan.
    """
    if kind == "edge":
        await conn.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {ident(index_name(name, 'id'))} "
            f"ON {table(ns.name, name)} (id)"
        )
    await conn.execute(property_index_sql(ns, name, "uid", unique=True))
    # `id(n) = x` in Cypher: an index on the expression AGE compiles it to (migration
    # 0027_neo4j_schema); vector and full-text procedures find their elements by it.
    await conn.execute(
        "SELECT kgmem_neo4j.build_id_index($1, $2::regclass, $3)",
        ns.graph_oid,
        table(ns.name, name),
        _KIND_CODE[kind],
    )
    for prop in schema.indexed_properties(label_names.written(name), kind):
        await conn.execute(property_index_sql(ns, name, prop, unique=False))


def property_index_sql(ns: NamespaceRef, label: str, prop: str, *, unique: bool) -> str:
    """The CREATE INDEX IF NOT EXISTS of ``prop`` on ``label``'s table."""
    # The expression AGE's planner matches for `WHERE n.prop = ...` in Cypher.
    return (
        f"CREATE {'UNIQUE ' if unique else ''}INDEX IF NOT EXISTS "
        f"{ident(index_name(label, prop))} ON {table(ns.name, label)} "
        f"({property_expression(prop)})"
    )
