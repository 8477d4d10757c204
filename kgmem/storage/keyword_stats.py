"""The corpus statistics of a namespace's BM25 indexes, and rebuilding them.

pg_textsearch counts every row version inserted into a BM25 index in the index's
corpus statistics (its document count and total length, hence every term's IDF and
the length normalisation) until the index is rebuilt: neither VACUUM nor
``bm25_force_merge`` takes an updated or deleted row's old version out of them. kgmem
updates side rows often (building writes an episode pending, then built, and the
session context rewrites stored neighbours), so without a rebuild the index believes
in about twice the documents there are, and scores drift from those of the live rows.

``REINDEX INDEX CONCURRENTLY`` rebuilds a BM25 index from the live rows while writers
and searches go on (PostgreSQL keeps the old index in use until the new one is
complete, and both receive the writes made meanwhile); it keeps the index's name, so
searches need no change. It cannot run inside a transaction, so it runs on a
connection of its own, and it takes none of the writers' locks: the text-index lock
(``kgmem.storage.text_lock``) would block every write for the rebuild's length, and a
tier upkeep or writer waiting on a lock the rebuild held would in turn make the
rebuild wait for its snapshot (a deadlock). Tier upkeep and archiving need no lock
against it: their writes reach the new index like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import asyncpg

from kgmem.storage import rows
from kgmem.storage.sql import ident, table

_DOCUMENTS = re.compile(r"total_docs:\s*(\d+)")


class _Index(NamedTuple):
    """A BM25 index of a namespace, its table and the indexed column."""

    name: str
    table: str
    column: str


_INDEXES = """
SELECT x.relname AS name, t.relname AS table, a.attname AS column
FROM pg_index i
JOIN pg_class x ON x.oid = i.indexrelid
JOIN pg_am m ON m.oid = x.relam
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
WHERE n.nspname = $1 AND m.amname = 'bm25' AND i.indisvalid
ORDER BY x.relname
"""

_EXTENSION_SCHEMA = """
SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'pg_textsearch'
"""

# What a REINDEX CONCURRENTLY that did not finish leaves behind: an invalid copy.
_LEFTOVERS = """
SELECT x.relname FROM pg_index i
JOIN pg_class x ON x.oid = i.indexrelid
JOIN pg_am m ON m.oid = x.relam
JOIN pg_namespace n ON n.oid = x.relnamespace
WHERE n.nspname = $1 AND m.amname = 'bm25' AND NOT i.indisvalid
"""


@dataclass(frozen=True)
class IndexStats:
    """A BM25 index's document count beside the rows it should count."""

    index: str
    """The index, qualified by its namespace's schema."""
    documents: int | None
    """The documents its corpus statistics count; None when its summary cannot be read
    (pg_textsearch 1.0 leaves it so after ``bm25_force_merge`` of an index without a
    segment; a rebuild mends it)."""
    live: int
    """The rows with text to index now: what a fresh build counts."""

    @property
    def ratio(self) -> float:
        """Documents per live row (1.0 when both are 0, infinite with no live row or
        an unreadable count)."""
        if self.documents is None:
            return float("inf")
        if self.live:
            return self.documents / self.live
        return float("inf") if self.documents else 1.0


async def stats(conn: asyncpg.Connection, namespace: str) -> list[IndexStats]:
    """The corpus statistics of each valid BM25 index of ``namespace`` (a schema name)."""
    schema = ident(await conn.fetchval(_EXTENSION_SCHEMA))
    found = []
    for ix in await rows.fetch(conn, _Index, _INDEXES, namespace):
        qualified = table(namespace, ix.name)
        documents = await _documents(conn, schema, qualified)
        live = await conn.fetchval(
            f"SELECT count(*) FROM {table(namespace, ix.table)} "
            f"WHERE {ident(ix.column)} IS NOT NULL AND {ident(ix.column)} <> ''"
        )
        found.append(IndexStats(f"{namespace}.{ix.name}", documents, int(live)))
    return found


async def _documents(conn: asyncpg.Connection, schema: str, index: str) -> int | None:
    """The document count in ``index``'s summary (None when it cannot be read)."""
    try:
        summary = await conn.fetchval(f"SELECT {schema}.bm25_summarize_index($1)", index)
    except asyncpg.DataCorruptedError:
        return None
    match = _DOCUMENTS.search(summary or "")
    return int(match.group(1)) if match else None


async def rebuild(conn: asyncpg.Connection, index: str) -> None:
    """Rebuild ``index`` (``schema.name``) from the live rows without blocking writers
    or searches; ``conn`` must not be inside a transaction."""
    schema, name = index.split(".", 1)
    await conn.execute(f"REINDEX INDEX CONCURRENTLY {table(schema, name)}")


async def drop_leftovers(conn: asyncpg.Connection, namespace: str) -> list[str]:
    """Drop the invalid index copies an interrupted rebuild left in ``namespace``
    (writers keep feeding them otherwise); their names."""
    names: list[str] = [n for (n,) in await conn.fetch(_LEFTOVERS, namespace)]
    for name in names:
        await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {table(namespace, name)}")
    return names
