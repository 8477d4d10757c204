"""``kgmem.graph_attribute``: what imports said of a namespace's graph as a whole
(migration 0040): graph-level attributes, its shape (``directed``, ``edge_type``) and
RDF prefixes, each a (kind, name, JSON value) row; a later import's value of a name
replaces an earlier one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import orjson


async def write_graph_attributes(
    conn: asyncpg.Connection, namespace: str, rows: Sequence[tuple[str, str, Any]]
) -> None:
    """Record (kind, name, value) rows, replacing the stored value of each name."""
    if not rows:
        return
    await conn.execute(
        "INSERT INTO kgmem.graph_attribute (namespace, kind, name, value) "
        "SELECT $1, k, n, v::jsonb FROM unnest($2::text[], $3::text[], $4::text[]) AS x(k, n, v) "
        "ON CONFLICT (namespace, kind, name) DO UPDATE SET value = EXCLUDED.value",
        namespace,
        [k for k, _, _ in rows],
        [n for _, n, _ in rows],
        [orjson.dumps(v).decode() for _, _, v in rows],
    )


async def read_graph_attributes(
    conn: asyncpg.Connection, namespace: str
) -> list[tuple[str, str, Any]]:
    """The namespace's (kind, name, value) rows, by kind and name."""
    records = await conn.fetch(
        "SELECT kind, name, value::text FROM kgmem.graph_attribute WHERE namespace = $1 "
        "ORDER BY kind, name",
        namespace,
    )
    return [(kind, name, orjson.loads(value)) for kind, name, value in records]
