"""What distillation reads: the episodes to distil with their vectors, and a summary's
provenance (its ``DISTILLED_FROM`` edges to the episodes still in the graph)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

EDGE = "DISTILLED_FROM"


@dataclass(frozen=True, slots=True)
class EpisodeRow:
    id: int
    uid: str
    occurred_at: datetime | None


async def episodes(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str] | None, limit: int
) -> list[EpisodeRow]:
    """Episodes in time order: ``uids``, or every episode not archived and not
    distilled yet (no ``DISTILLED_FROM`` edge ends at it)."""
    side, facts = table(ns.name, "_kg_vertex"), table(ns.name, "_kg_fact")
    rows = await conn.fetch(
        "SELECT v.id, v.uid, coalesce(v.occurred_at, v.created_at) AS occurred_at "
        f"FROM {side} v WHERE v.label = 'Episode' AND CASE WHEN $1::text[] IS NULL THEN "
        f"NOT EXISTS (SELECT 1 FROM {facts} f WHERE f.object_id = v.id AND f.predicate = $2) "
        "AND NOT EXISTS (SELECT 1 FROM kgmem.memory_tier t WHERE t.namespace = $3 "
        "AND t.id = v.id AND t.archived_at IS NOT NULL) "
        "ELSE v.uid = ANY($1::text[]) END ORDER BY 3, v.uid LIMIT $4",
        None if uids is None else list(uids),
        EDGE,
        ns.name,
        limit,
    )
    return [EpisodeRow(int(id_), uid, occurred_at) for id_, uid, occurred_at in rows]


async def vectors(
    conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int]
) -> dict[int, list[float]]:
    """The stored vectors of ``ids`` that have one."""
    rows = await conn.fetch(
        f"SELECT id, embedding::real[] AS v FROM {table(ns.name, '_kg_vertex_vector')} "
        "WHERE id = ANY($1::graphid[])",
        list(ids),
    )
    return {int(id_): list(v) for id_, v in rows}


async def sources_of(conn: asyncpg.Connection, ns: NamespaceRef, summary_id: int) -> list[str]:
    """Uids of the episodes a summary's ``DISTILLED_FROM`` edges still reach."""
    side, facts = table(ns.name, "_kg_vertex"), table(ns.name, "_kg_fact")
    rows = await conn.fetch(
        f"SELECT v.uid FROM {facts} f JOIN {side} v ON v.id = f.object_id "
        "WHERE f.subject_id = $1 AND f.predicate = $2 ORDER BY v.uid",
        summary_id,
        EDGE,
    )
    return [uid for (uid,) in rows]


async def by_names(
    conn: asyncpg.Connection, ns: NamespaceRef, names: Sequence[str]
) -> dict[str, str]:
    """lower-cased name -> uid of the entity (not an episode, summary or source) so
    named; the first by uid when several are."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (lower(name)) lower(name) AS n, uid "
        f"FROM {table(ns.name, '_kg_vertex')} "
        "WHERE lower(name) = ANY($1::text[]) AND label <> ALL('{Episode,Summary,Source}') "
        "ORDER BY lower(name), uid",
        [n.lower() for n in names],
    )
    return {n: uid for n, uid in rows}
