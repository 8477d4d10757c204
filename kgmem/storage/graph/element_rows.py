"""kgmem's own rows of graph elements that are going away, removed by graph id: what
deleting an entity (``vertices.delete_many``) and a Cypher ``DELETE``
(``cypher_deletes``) both leave to kgmem once AGE's rows are gone or about to go."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from kgmem.storage.indexes import embeddings
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

_CLAIMS = ("_kg_claim", "_kg_claim_history")


async def drop_facts(conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int]) -> None:
    """The facts ``ids``: their claims and claim history, vectors, revisions and rows."""
    for claims in _CLAIMS:
        await conn.execute(
            f"DELETE FROM {table(ns.name, claims)} WHERE fact_id = ANY($1::graphid[])", ids
        )
    await conn.execute(
        f"DELETE FROM {embeddings.vector_table(ns, 'fact')} WHERE id = ANY($1::graphid[])", ids
    )
    await conn.execute(
        f"DELETE FROM {table(ns.name, '_kg_fact_revision')} WHERE fact_id = ANY($1::graphid[])",
        ids,
    )
    await conn.execute(
        f"DELETE FROM {table(ns.name, '_kg_fact')} WHERE id = ANY($1::graphid[])", ids
    )


async def drop_vertices(conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int]) -> None:
    """The vertices ``ids``: the claims they made as sources or episodes, their side rows
    and vectors."""
    for claims in _CLAIMS:
        await conn.execute(
            f"DELETE FROM {table(ns.name, claims)} "
            "WHERE source_id = ANY($1::graphid[]) OR episode_id = ANY($1::graphid[])",
            ids,
        )
    await conn.execute(
        f"DELETE FROM {table(ns.name, '_kg_vertex')} WHERE id = ANY($1::graphid[])", ids
    )
    await conn.execute(
        f"DELETE FROM {embeddings.vector_table(ns, 'vertex')} WHERE id = ANY($1::graphid[])", ids
    )
