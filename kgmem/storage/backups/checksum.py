"""A checksum of what a store holds, to prove that a restore brought back every row.

Per namespace: every table of its graph schema (AGE's vertex and edge label tables
with their properties, and kgmem's side tables: text, times, vectors, claims, scores),
its labels, and its rows in every store-wide table a backup copies
(``kgmem.storage.graph.namespace_parts.copied``: its ``kgmem.namespace`` record, budgets and
ledger, agent state, decisions, tiers, events...). For a whole store, also the tables
that hold no namespace's data (``namespace_parts.STORE_WIDE``: API keys, the recorded
embedding model). Rows are hashed one by one and the hashes summed, so the
order rows come back in does not matter; row text is rendered with fixed session
settings (UTC, ISO dates, exact floats) so that two servers agree. A namespace's name
is blanked wherever a row holds it, and ids drawn from store-wide sequences are counted
from the namespace's lowest, so a namespace restored under another name, or with its
ids moved past those of the store it went into, has the same checksum.

Synchronous (psycopg 3): used by ``kgmem backup``/``restore``/``checksum``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from kgmem.errors import NamespaceNotFound
from kgmem.storage.graph import namespace_parts

SESSION = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3"

# One row's hash as a number: the first 60 bits of the md5 of its text.
_ROW_HASH = "('x' || substr(md5({row}), 1, 15))::bit(60)::bigint"


@dataclass(frozen=True, slots=True)
class Part:
    """One table's share: its row count and the sum of its row hashes."""

    rows: int
    digest: str


@dataclass(frozen=True, slots=True)
class NamespaceChecksum:
    """A namespace's parts keyed by table (``graph.<table>`` or ``kgmem.<table>``)."""

    vertices: int
    edges: int
    parts: dict[str, Part] = field(default_factory=dict)

    def digest(self) -> str:
        """One hex digest over every part."""
        return _combine(self.parts)


@dataclass(frozen=True, slots=True)
class StoreChecksum:
    """Every namespace's checksum and the store-wide tables."""

    namespaces: dict[str, NamespaceChecksum]
    store: dict[str, Part]

    def digest(self) -> str:
        """One hex digest over the whole store."""
        flat = {f"store.{k}": v for k, v in self.store.items()}
        for name, ns in self.namespaces.items():
            flat[f"ns.{name}"] = Part(ns.vertices + ns.edges, ns.digest())
        return _combine(flat)


def namespace_checksum(conn: psycopg.Connection[Any], name: str) -> NamespaceChecksum:
    """The checksum of namespace ``name`` as ``conn``'s snapshot sees it
    (``NamespaceNotFound`` when there is no such namespace)."""
    conn.execute(SESSION)
    if conn.execute("SELECT 1 FROM kgmem.namespace WHERE name = %s", (name,)).fetchone() is None:
        raise NamespaceNotFound(f"namespace {name!r} does not exist", namespace=name)
    parts: dict[str, Part] = {}
    for table in tables(conn, name):
        parts[f"graph.{table}"] = _part(
            conn,
            sql.SQL("ONLY {}.{}").format(sql.Identifier(name), sql.Identifier(table)),
            sql.SQL("t::text"),
        )
    parts["ag_label"] = _labels(conn, name)
    for p in present_parts(conn):
        neutral = namespace_parts.neutral(p, sql.SQL("to_jsonb(t)"), name)
        parts[f"kgmem.{p.table}"] = _part(
            conn,
            sql.SQL("kgmem.{}").format(sql.Identifier(p.table)),
            sql.SQL("{}::text").format(neutral),
            where=namespace_parts.condition(p, sql.Literal(name)),
        )
    vertices, edges = _counts(conn, name)
    return NamespaceChecksum(vertices=vertices, edges=edges, parts=parts)


def store_checksum(conn: psycopg.Connection[Any]) -> StoreChecksum:
    """The checksum of every namespace and of the store-wide tables."""
    names = [r[0] for r in conn.execute("SELECT name FROM kgmem.namespace ORDER BY name")]
    namespaces = {n: namespace_checksum(conn, n) for n in names}
    present = set(tables(conn, "kgmem"))
    store = {
        table: _part(conn, sql.SQL("kgmem.{}").format(sql.Identifier(table)), sql.SQL("t::text"))
        for table in sorted(namespace_parts.STORE_WIDE)
        if table in present
    }
    return StoreChecksum(namespaces=namespaces, store=store)


def present_parts(conn: psycopg.Connection[Any]) -> list[namespace_parts.Part]:
    """The parts a backup copies whose tables the store has (one at an older migration
    lacks the later ones), parents first."""
    present = set(tables(conn, "kgmem"))
    return [p for p in namespace_parts.copied() if p.table in present]


def tables(conn: psycopg.Connection[Any], schema: str) -> list[str]:
    """The tables of ``schema`` by name."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
        (schema,),
    )
    return [r[0] for r in rows]


def _part(
    conn: psycopg.Connection[Any],
    source: sql.Composable,
    row: sql.Composable,
    *,
    where: sql.Composable | None = None,
) -> Part:
    query = sql.SQL(
        "SELECT count(*), coalesce(sum(" + _ROW_HASH + "), 0)::text FROM {source} t WHERE {where}"
    )
    where = where if where is not None else sql.SQL("true")
    found = conn.execute(query.format(row=row, source=source, where=where)).fetchone()
    assert found is not None
    return Part(rows=int(found[0]), digest=str(found[1]))


def _labels(conn: psycopg.Connection[Any], name: str) -> Part:
    return _part(
        conn,
        sql.SQL(
            "(SELECT l.name, l.id, l.kind FROM ag_catalog.ag_label l "
            "JOIN ag_catalog.ag_graph g ON g.graphid = l.graph WHERE g.name = {})"
        ).format(sql.Literal(name)),
        sql.SQL("t::text"),
    )


def _counts(conn: psycopg.Connection[Any], name: str) -> tuple[int, int]:
    counts = []
    for parent in ("_ag_label_vertex", "_ag_label_edge"):
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(name), sql.Identifier(parent)
        )
        found = conn.execute(query).fetchone()
        counts.append(int(found[0]) if found else 0)
    return counts[0], counts[1]


def _combine(parts: dict[str, Part]) -> str:
    text = "\n".join(f"{k}\t{p.rows}\t{p.digest}" for k, p in sorted(parts.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def summary(url: str, namespace: str | None = None) -> dict[str, Any]:
    """The checksum of the store at ``url`` (or of one ``namespace``) as one snapshot
    sees it: digest, vertex and edge counts, rows per table."""
    with psycopg.connect(url) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if namespace is not None:
            ns = namespace_checksum(conn, namespace)
            parts = ns.parts
            counts = {"vertices": ns.vertices, "edges": ns.edges}
            digest = ns.digest()
        else:
            store = store_checksum(conn)
            parts = {f"{n}.{k}": p for n, c in store.namespaces.items() for k, p in c.parts.items()}
            parts.update({f"kgmem.{k}": p for k, p in store.store.items()})
            counts = {
                "vertices": sum(c.vertices for c in store.namespaces.values()),
                "edges": sum(c.edges for c in store.namespaces.values()),
            }
            digest = store.digest()
    return {"digest": digest, **counts, "rows": {k: p.rows for k, p in sorted(parts.items())}}
