"""What is indexed for stored entities or facts: their text and whether they have a vector.

Writers read this before embedding so that unchanged texts keep their stored vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import asyncpg

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
    records = await conn.fetch(
        f"SELECT uid, text, embedding IS NOT NULL AS embedded FROM {table(ns.name, _SIDE[kind])} "
        "WHERE uid = ANY($1::text[])",
        list(uids),
    )
    return {r["uid"]: (r["text"], r["embedded"]) for r in records}
