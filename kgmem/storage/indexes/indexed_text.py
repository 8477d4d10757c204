"""What is indexed for stored entities or facts: their text and whether they have a vector.

Writers read this before embedding so that unchanged texts keep their stored vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import asyncpg

from kgmem.storage.indexes.embeddings import vector_table
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

_SIDE = {"entity": "_kg_vertex", "fact": "_kg_fact"}


async def stored(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    kind: Literal["entity", "fact"],
    uids: Sequence[str],
) -> dict[str, tuple[str | None, bool]]:
    """uid -> (indexed text, has a vector) for the stored ones among ``uids``."""
    if not uids:
        return {}
    vectors = vector_table(ns, "vertex" if kind == "entity" else "fact")
    records = await conn.fetch(
        f"SELECT s.uid, s.text, EXISTS (SELECT 1 FROM {vectors} x WHERE x.id = s.id) AS embedded "
        f"FROM {table(ns.name, _SIDE[kind])} s WHERE s.uid = ANY($1::text[])",
        list(uids),
    )
    return {uid: (text, embedded) for uid, text, embedded in records}
