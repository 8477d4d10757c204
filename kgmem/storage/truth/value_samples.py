"""The values a predicate's kind is read from (``kgmem.verification.value_kinds``): the
objects of its first current facts that a source claims, by fact id, the same facts a
full verification run reads the kind from."""

from __future__ import annotations

import asyncpg

from kgmem.schema import label_names
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import label_table, table


async def first_values(
    conn: asyncpg.Connection, ns: NamespaceRef, predicate: str, limit: int
) -> list[str]:
    """The values (object name, else uid) of the first ``limit`` current facts of
    ``predicate`` with a sourced claim, in fact id order; empty when no ``predicate``
    edge was ever written. Walks the label's id index and stops at ``limit``."""
    exists = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM ag_catalog.ag_label "
        "WHERE graph = $1 AND name = $2 AND kind = 'e')",
        ns.graph_oid,
        label_names.stored(predicate),
    )
    if not exists:
        return []
    records = await conn.fetch(
        f"SELECT coalesce(o.name, o.uid) FROM {label_table(ns.name, predicate)} e "
        "CROSS JOIN LATERAL (SELECT f.object_id "
        f"FROM {table(ns.name, '_kg_fact')} f WHERE f.id = e.id AND f.expired_at IS NULL "
        "AND f.predicate = $1 LIMIT 1) f "
        "CROSS JOIN LATERAL (SELECT o.uid, o.name "
        f"FROM {table(ns.name, '_kg_vertex')} o WHERE o.id = f.object_id LIMIT 1) o "
        f"WHERE EXISTS (SELECT 1 FROM {table(ns.name, '_kg_claim')} c "
        "WHERE c.fact_id = e.id AND c.source_id IS NOT NULL) "
        "ORDER BY e.id LIMIT $2",
        predicate,
        limit,
    )
    return [r[0] for r in records]
