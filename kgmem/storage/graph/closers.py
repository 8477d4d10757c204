"""Which write closed a fact (``_kg_fact.closed_by``, migration 0020) and undoing that.

A fact a newer value superseded records the graph id of that value; a fact closed by
hand records none. ``history`` reads the facts of some data items with the validity
they were written with (before any supersession closed them), for
``kgmem.graph.replay`` to derive the closes again; ``erase_close`` takes a close back.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import NamedTuple

import asyncpg

from kgmem.storage import rows
from kgmem.storage.graph import facts as fact_store
from kgmem.storage.graph import revisions
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table


class ItemFact(NamedTuple):
    """A stored fact of a data item, closed or not."""

    uid: str
    id: int
    subject_id: int
    predicate: str
    object_id: int
    valid_from: datetime | None
    written_to: datetime | None
    """Its ``valid_to`` before a supersession closed it (its ``valid_to`` otherwise)."""
    valid_to: datetime | None
    recorded_at: datetime
    expired_at: datetime | None
    closed_by: int | None
    sources: list[int]


def _history_sql(ns: NamespaceRef) -> str:
    fact, revision = table(ns.name, "_kg_fact"), table(ns.name, "_kg_fact_revision")
    return (
        f"WITH e AS MATERIALIZED (SELECT e.id FROM {table(ns.name, '_ag_label_edge')} e "
        "WHERE e.start_id = ANY($1::graphid[])) "
        "SELECT f.uid, f.id, f.subject_id, f.predicate, f.object_id, f.valid_from, "
        "CASE WHEN f.closed_by IS NULL THEN f.valid_to ELSE r.valid_to END AS written_to, "
        "f.valid_to, f.recorded_at, f.expired_at, f.closed_by, "
        f"ARRAY(SELECT c.source_id FROM {table(ns.name, '_kg_claim')} c "
        "WHERE c.fact_id = f.id AND c.source_id IS NOT NULL) AS sources "
        f"FROM e JOIN {fact} f ON f.id = e.id AND f.predicate = ANY($2::text[]) "
        # The last version believed open is the one the close replaced.
        f"LEFT JOIN LATERAL (SELECT r.valid_to FROM {revision} r WHERE r.fact_id = f.id "
        "AND r.expired_at IS NULL ORDER BY r.known_to DESC LIMIT 1) r ON true "
        "ORDER BY f.id"
    )


async def history(
    conn: asyncpg.Connection, ns: NamespaceRef, items: Collection[tuple[int, str]]
) -> list[ItemFact]:
    """Every stored fact (closed ones too) of the data items (subject graph id,
    predicate) ``items``, oldest first (by graph id)."""
    if not items:
        return []
    found = await rows.fetch(
        conn,
        ItemFact,
        _history_sql(ns),
        sorted({s for s, _ in items}),
        sorted({p for _, p in items}),
    )
    wanted = set(items)
    return [f for f in found if (f.subject_id, f.predicate) in wanted]


class _Erased(NamedTuple):
    predicate: str
    valid_to: datetime | None


async def erase_close(conn: asyncpg.Connection, ns: NamespaceRef, fact_id: int) -> None:
    """Take back the supersession that closed fact ``fact_id``, as if it had not
    happened: when the close is the fact's last change, the version it replaced comes
    back and its revision goes (an "as of" read no longer sees the close); otherwise
    the fact is reopened from now on with its last open validity, the closed version
    kept as a revision."""
    fact, revision = table(ns.name, "_kg_fact"), table(ns.name, "_kg_fact_revision")
    erased = await rows.fetchrow(
        conn,
        _Erased,
        f"WITH last AS (DELETE FROM {revision} r USING {fact} f WHERE f.id = $1 "
        "AND r.fact_id = f.id AND r.known_to = f.revised_at AND r.expired_at IS NULL "
        "RETURNING r.valid_from, r.valid_to, r.known_from) "
        f"UPDATE {fact} f SET valid_from = last.valid_from, valid_to = last.valid_to, "
        "expired_at = NULL, closed_by = NULL, revised_at = nullif(last.known_from, f.recorded_at) "
        "FROM last WHERE f.id = $1 RETURNING f.predicate, f.valid_to",
        fact_id,
    )
    if erased is None:
        erased = await rows.fetchrow(
            conn,
            _Erased,
            f"WITH kept AS ({revisions.keep_sql(ns)}) UPDATE {fact} f SET valid_to = "
            f"(SELECT r.valid_to FROM {revision} r WHERE r.fact_id = f.id AND r.expired_at IS NULL "
            "ORDER BY r.known_to DESC LIMIT 1), expired_at = NULL, closed_by = NULL, "
            "revised_at = greatest($2, coalesce(revised_at, recorded_at)) "
            "WHERE id = $1 RETURNING f.predicate, f.valid_to",
            fact_id,
            await conn.fetchval("SELECT now()"),
        )
    assert erased is not None
    await fact_store.mirror_validity(conn, ns, fact_id, erased.predicate, erased.valid_to, None)
