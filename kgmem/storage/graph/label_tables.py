"""The label or relationship-type table a declaration covers, made if missing, so the
index or constraint is in place before the first element arrives."""

from __future__ import annotations

import asyncpg

from kgmem.errors import LabelKindConflict
from kgmem.neo4j_schema.model import Entity
from kgmem.schema import GraphSchema, label_names
from kgmem.storage.graph.labels import create_label_indexes
from kgmem.storage.refs import NamespaceRef

_KIND = "SELECT kind FROM ag_catalog.ag_label WHERE graph = $1 AND name = $2"
_CODE = {"NODE": b"v", "RELATIONSHIP": b"e"}


async def ensure(
    conn: asyncpg.Connection, ns: NamespaceRef, name: str, entity: Entity, schema: GraphSchema
) -> None:
    """Make label (NODE) or type (RELATIONSHIP) ``name`` of ``ns`` if it does not exist,
    under the lock ``kgmem.storage.graph.labels`` takes for a label; ``LabelKindConflict``
    when the name is taken by the other kind (AGE keeps both in one namespace)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", ns.name, name)
    kind = await conn.fetchval(_KIND, ns.graph_oid, name)
    if kind == _CODE[entity]:
        return
    if kind is not None:
        other = "relationship type" if kind == b"e" else "node label"
        written = label_names.written(name)
        raise LabelKindConflict(
            f"{written!r} is already a {other} in namespace {ns.name!r}", label=written
        )
    create = "create_vlabel" if entity == "NODE" else "create_elabel"
    await conn.execute(
        f"SELECT ag_catalog.{create}($1::text::cstring, $2::text::cstring)", ns.name, name
    )
    await create_label_indexes(conn, ns, name, "vertex" if entity == "NODE" else "edge", schema)
