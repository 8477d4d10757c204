"""A session's turns around an episode: the ``PRECEDES`` chain the building pipeline
links each session's episodes with, walked a few steps each way."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table


async def neighbours(
    conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int], *, steps: int
) -> dict[int, list[tuple[int, int]]]:
    """For each vertex of ``ids``, the vertices up to ``steps`` current ``PRECEDES``
    edges before (negative offset) and after it (positive), as (offset, id) in order.
    Vertices on no chain are left out."""
    if not ids or steps <= 0:
        return {}
    edges, facts = table(ns.name, "_ag_label_edge"), table(ns.name, "_kg_fact")
    chain = (
        f"{edges} e JOIN {facts} f ON f.id = e.id "
        "AND f.predicate = 'PRECEDES' AND f.expired_at IS NULL"
    )
    rows = await conn.fetch(
        f"""
        WITH RECURSIVE back(origin, id, step) AS (
            SELECT o, o, 0 FROM unnest($1::graphid[]) AS o
            UNION ALL
            SELECT b.origin, e.start_id, b.step - 1 FROM back b
            JOIN {chain} ON e.end_id = b.id WHERE b.step > -$2::int
        ), ahead(origin, id, step) AS (
            SELECT o, o, 0 FROM unnest($1::graphid[]) AS o
            UNION ALL
            SELECT a.origin, e.end_id, a.step + 1 FROM ahead a
            JOIN {chain} ON e.start_id = a.id WHERE a.step < $2::int
        )
        SELECT origin, id, step FROM back WHERE step <> 0
        UNION ALL
        SELECT origin, id, step FROM ahead WHERE step <> 0
        ORDER BY origin, step
        """,
        list(ids),
        steps,
    )
    found: dict[int, list[tuple[int, int]]] = {}
    for origin, id_, step in rows:
        found.setdefault(origin, []).append((step, id_))
    return found
