"""What the full-text tests share: building an index without the statement layer, and
a procedure reader over the session's store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from kgmem import Memory
from kgmem.model import CypherResult, NamespaceStats
from kgmem.neo4j_schema import fulltext
from kgmem.neo4j_schema.model import Index
from kgmem.storage.refs import NamespaceRef

TABLES = """
WITH RECURSIVE found(oid) AS (
  SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND c.relname = ANY($2::text[])
  UNION SELECT i.inhrelid FROM pg_inherits i JOIN found ON i.inhparent = found.oid
)
SELECT DISTINCT c.relname FROM found JOIN pg_class c ON c.oid = found.oid ORDER BY 1
"""


class StoreReader:
    """A procedure body's reader on ``namespace`` of ``memory`` (read mode)."""

    def __init__(self, memory: Memory, namespace: str) -> None:
        self.memory, self._namespace = memory, namespace

    @property
    def namespace(self) -> str:
        return self._namespace

    async def cypher(self, query: str, params: Mapping[str, Any] | None = None) -> CypherResult:
        return await self.memory.cypher(self._namespace, query, params, mode="read")

    async def stats(self) -> NamespaceStats:
        return await self.memory.namespace_stats(self._namespace)

    async def sql(self, query: str, *args: Any) -> Sequence[Sequence[Any]]:
        return await self.memory.read_sql(self._namespace, query, args)


async def ref(conn: asyncpg.Connection, namespace: str) -> NamespaceRef:
    oid = await conn.fetchval("SELECT graphid FROM ag_catalog.ag_graph WHERE name = $1", namespace)
    return NamespaceRef(name=namespace, graph_oid=int(oid))


async def tables(conn: asyncpg.Connection, namespace: str, labels: Sequence[str]) -> list[str]:
    """The tables of ``labels`` and every table inheriting from them."""
    return [r[0] for r in await conn.fetch(TABLES, namespace, list(labels))]


def index(
    name: str,
    labels: Sequence[str],
    properties: Sequence[str],
    *,
    entity: str = "NODE",
    analyzer: str | None = None,
) -> Index:
    options = {"indexConfig": {"fulltext.analyzer": analyzer}} if analyzer else {}
    return Index(name, "FULLTEXT", entity, tuple(labels), tuple(properties), options)  # type: ignore[arg-type]


async def create(conn: asyncpg.Connection, namespace: str, declared: Index) -> None:
    """Build ``declared`` as the statement layer would."""
    found = await tables(conn, namespace, declared.labels)
    await fulltext.create(conn, await ref(conn, namespace), declared, found)
