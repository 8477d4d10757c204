"""Memory tiers in ``kgmem.tier_policy`` and ``kgmem.memory_tier`` (migration 0014).

An archived episode's indexed text (``_kg_vertex.text``, what keyword search indexes) and vector
(``_kg_vertex_vector``, what HNSW indexes) move into its ``memory_tier`` row; the graph
vertex, its properties and its edges are left as they are. Archiving and restoring
lock the episodes' side rows first, so a concurrent write of the same episode waits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg

from kgmem.storage import rows
from kgmem.storage.indexes.embeddings import vector_array
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

EPISODE = "Episode"


@dataclass(frozen=True, slots=True)
class TierRow:
    """An episode's stored tier state (no row: episodic, never recalled)."""

    id: int
    uid: str
    occurred_at: datetime | None
    tier: str
    recalls: int
    last_recalled_at: datetime | None
    promoted_at: datetime | None
    promoted_because: str | None
    archived_at: datetime | None


class _Decay(NamedTuple):
    """The namespace's policy (JSON text) beside one episode's tier row (all None on
    the one row returned when no episode has one)."""

    policy: str | None
    id: int | None
    tier: str | None
    last_recalled_at: datetime | None
    archived_at: datetime | None


class _Promotable(NamedTuple):
    id: int
    uid: str
    facts: int
    recalls: int


class _Counts(NamedTuple):
    semantic: int
    working: int
    episodic: int
    archived: int


async def policy(conn: asyncpg.Connection, namespace: str) -> dict[str, Any] | None:
    """The stored policy of ``namespace`` (None: the defaults)."""
    text = await conn.fetchval(
        "SELECT policy::text FROM kgmem.tier_policy WHERE namespace = $1", namespace
    )
    return None if text is None else dict(json.loads(text))


async def set_policy(conn: asyncpg.Connection, namespace: str, value: dict[str, Any]) -> None:
    """Store ``namespace``'s policy, replacing any."""
    await conn.execute(
        "INSERT INTO kgmem.tier_policy (namespace, policy) VALUES ($1, $2::jsonb) "
        "ON CONFLICT (namespace) DO UPDATE SET policy = excluded.policy, "
        "updated_at = clock_timestamp()",
        namespace,
        json.dumps(value),
    )


async def note_recalls(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str], at: datetime
) -> int:
    """Count one recall at ``at`` for each episode among ``uids``; rows are taken in id
    order so that concurrent recalls of the same episodes queue instead of deadlocking."""
    status: str = await conn.execute(
        "INSERT INTO kgmem.memory_tier (namespace, id, uid, recalls, last_recalled_at) "
        f"SELECT $1, v.id, v.uid, 1, $3 FROM {table(ns.name, '_kg_vertex')} v "
        "WHERE v.uid = ANY($2::text[]) AND v.label = 'Episode' ORDER BY v.id "
        "ON CONFLICT (namespace, id) DO UPDATE SET recalls = memory_tier.recalls + 1, "
        "last_recalled_at = greatest(memory_tier.last_recalled_at, excluded.last_recalled_at)",
        ns.name,
        list(uids),
        at,
    )
    return int(status.rsplit(" ", 1)[-1])


async def decay_rows(
    conn: asyncpg.Connection, namespace: str, ids: Sequence[int]
) -> tuple[dict[str, Any] | None, dict[int, tuple[str, datetime | None, datetime | None]]]:
    """The namespace's policy and, per episode among ``ids`` with a tier row, (tier,
    last recall, archived at): one statement."""
    found = await rows.fetch(
        conn,
        _Decay,
        "SELECT p.policy::text AS policy, t.id, t.tier, t.last_recalled_at, t.archived_at "
        "FROM (SELECT 1) one "
        "LEFT JOIN kgmem.tier_policy p ON p.namespace = $1 "
        "LEFT JOIN kgmem.memory_tier t ON t.namespace = $1 AND t.id = ANY($2::graphid[])",
        namespace,
        list(ids),
    )
    text = found[0].policy if found else None
    tiers = {
        int(r.id): (r.tier, r.last_recalled_at, r.archived_at)
        for r in found
        if r.id is not None and r.tier is not None
    }
    return (None if text is None else dict(json.loads(text))), tiers


_STATE = (
    "SELECT v.id, v.uid, coalesce(v.occurred_at, v.created_at) AS occurred_at, "
    "coalesce(t.tier, 'episodic') AS tier, coalesce(t.recalls, 0) AS recalls, "
    "t.last_recalled_at, t.promoted_at, t.promoted_because, t.archived_at "
    "FROM {side} v LEFT JOIN kgmem.memory_tier t ON t.namespace = $1 AND t.id = v.id "
    "WHERE v.label = 'Episode'"
)


async def states(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    *,
    uids: Sequence[str] | None = None,
    archived: bool | None = None,
    limit: int = 1000,
) -> list[TierRow]:
    """Episodes' tier state, by uid; only ``uids`` or only the (not) archived ones."""
    sql = _STATE.format(side=table(ns.name, "_kg_vertex"))
    return await rows.fetch(
        conn,
        TierRow,
        f"{sql} AND ($2::text[] IS NULL OR v.uid = ANY($2::text[])) "
        "AND ($3::boolean IS NULL OR (t.archived_at IS NOT NULL) = $3) ORDER BY v.uid LIMIT $4",
        ns.name,
        None if uids is None else list(uids),
        archived,
        limit,
    )


async def promotable(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    *,
    min_facts: int | None,
    verified_only: bool,
    min_recalls: int | None,
) -> list[tuple[int, str, str]]:
    """(id, uid, why) of the episodes not yet semantic that the rules promote."""
    claims, scores = table(ns.name, "_kg_claim"), table(ns.name, "_kg_fact_score")
    found = await rows.fetch(
        conn,
        _Promotable,
        "WITH n AS (SELECT c.episode_id AS id, count(DISTINCT c.fact_id) AS facts "
        f"FROM {claims} c LEFT JOIN {scores} s ON s.fact_id = c.fact_id "
        "WHERE c.episode_id IS NOT NULL AND (NOT $3 OR s.status = 'verified') GROUP BY 1) "
        "SELECT v.id, v.uid, coalesce(n.facts, 0) AS facts, coalesce(t.recalls, 0) AS recalls "
        f"FROM {table(ns.name, '_kg_vertex')} v LEFT JOIN n ON n.id = v.id "
        "LEFT JOIN kgmem.memory_tier t ON t.namespace = $1 AND t.id = v.id "
        "WHERE v.label = 'Episode' AND coalesce(t.tier, 'episodic') <> 'semantic' "
        "AND (($2::int IS NOT NULL AND coalesce(n.facts, 0) >= $2) "
        "OR ($4::int IS NOT NULL AND coalesce(t.recalls, 0) >= $4)) ORDER BY v.id",
        ns.name,
        min_facts,
        verified_only,
        min_recalls,
    )
    out = []
    for r in found:
        by_facts = min_facts is not None and r.facts >= min_facts
        why = f"{r.facts} facts extracted" if by_facts else f"recalled {r.recalls} times"
        out.append((int(r.id), r.uid, why))
    return out


async def promote(
    conn: asyncpg.Connection, ns: NamespaceRef, found: Sequence[tuple[int, str, str]]
) -> list[str]:
    """Make the episodes ``found`` semantic (those not already); their uids."""
    promoted = await conn.fetch(
        "INSERT INTO kgmem.memory_tier (namespace, id, uid, tier, promoted_at, promoted_because) "
        "SELECT $1, i, u, 'semantic', clock_timestamp(), w "
        "FROM unnest($2::graphid[], $3::text[], $4::text[]) AS x(i, u, w) ORDER BY i "
        "ON CONFLICT (namespace, id) DO UPDATE SET tier = 'semantic', "
        "promoted_at = excluded.promoted_at, promoted_because = excluded.promoted_because "
        "WHERE memory_tier.tier <> 'semantic' RETURNING uid",
        ns.name,
        [f[0] for f in found],
        [f[1] for f in found],
        [f[2] for f in found],
    )
    return sorted(uid for (uid,) in promoted)


async def archivable(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    *,
    older_than: datetime,
    idle_since: datetime | None,
    working_since: datetime,
    tiers: Sequence[str],
) -> list[str]:
    """Uids of the episodes not archived yet in ``tiers`` (working: occurred after
    ``working_since``) that occurred before ``older_than`` and were not recalled
    after ``idle_since``."""
    sql = _STATE.format(side=table(ns.name, "_kg_vertex"))
    found = await conn.fetch(
        f"SELECT uid FROM ({sql}) s WHERE archived_at IS NULL AND occurred_at < $2 "
        "AND ($3::timestamptz IS NULL OR coalesce(last_recalled_at, occurred_at) < $3) "
        "AND (CASE WHEN tier = 'semantic' THEN 'semantic' WHEN occurred_at > $4 "
        "THEN 'working' ELSE 'episodic' END) = ANY($5::text[]) ORDER BY uid",
        ns.name,
        older_than,
        idle_since,
        working_since,
        list(tiers),
    )
    return [uid for (uid,) in found]


async def _locked_episodes(
    conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str]
) -> list[tuple[int, str]]:
    found = await conn.fetch(
        f"SELECT id, uid FROM {table(ns.name, '_kg_vertex')} "
        "WHERE uid = ANY($1::text[]) AND label = 'Episode' ORDER BY id FOR UPDATE",
        list(uids),
    )
    return [(int(id_), uid) for id_, uid in found]


async def archive(conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str]) -> list[str]:
    """Move the indexed text and vector of the episodes ``uids`` not archived yet into
    their tier rows; the uids archived now."""
    locked = await _locked_episodes(conn, ns, uids)
    side, vectors = table(ns.name, "_kg_vertex"), table(ns.name, "_kg_vertex_vector")
    archived = await conn.fetch(
        "INSERT INTO kgmem.memory_tier (namespace, id, uid, archived_at, archived_text, "
        "archived_vector) "
        f"SELECT $1, v.id, v.uid, clock_timestamp(), v.text, x.embedding FROM {side} v "
        f"LEFT JOIN {vectors} x ON x.id = v.id WHERE v.id = ANY($2::graphid[]) ORDER BY v.id "
        "ON CONFLICT (namespace, id) DO UPDATE SET archived_at = excluded.archived_at, "
        "archived_text = excluded.archived_text, archived_vector = excluded.archived_vector "
        "WHERE memory_tier.archived_at IS NULL RETURNING id, uid",
        ns.name,
        [i for i, _ in locked],
    )
    ids = [int(id_) for id_, _ in archived]
    if ids:
        await conn.execute(f"UPDATE {side} SET text = '' WHERE id = ANY($1::graphid[])", ids)
        await conn.execute(f"DELETE FROM {vectors} WHERE id = ANY($1::graphid[])", ids)
    return sorted(uid for _, uid in archived)


async def restore(conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str]) -> list[str]:
    """Put the archived episodes among ``uids`` back in the indexes (a text or vector
    written since the archive wins); the uids restored."""
    locked = await _locked_episodes(conn, ns, uids)
    side, vectors = table(ns.name, "_kg_vertex"), table(ns.name, "_kg_vertex_vector")
    found = await conn.fetch(
        "SELECT id, uid FROM kgmem.memory_tier "
        "WHERE namespace = $1 AND id = ANY($2::graphid[]) AND archived_at IS NOT NULL "
        "ORDER BY id FOR UPDATE",
        ns.name,
        [i for i, _ in locked],
    )
    if not found:
        return []
    ids = [int(id_) for id_, _ in found]
    archived = "FROM kgmem.memory_tier t WHERE t.namespace = $1 AND t.id = ANY($2::graphid[])"
    await conn.execute(
        f"UPDATE {side} s SET text = coalesce(nullif(s.text, ''), t.archived_text) "
        f"{archived} AND s.id = t.id",
        ns.name,
        ids,
    )
    await conn.execute(
        f"INSERT INTO {vectors} (id, embedding) SELECT t.id, t.archived_vector {archived} "
        "AND t.archived_vector IS NOT NULL ON CONFLICT (id) DO NOTHING",
        ns.name,
        ids,
    )
    await conn.execute(
        "UPDATE kgmem.memory_tier SET archived_at = NULL, archived_text = NULL, "
        "archived_vector = NULL WHERE namespace = $1 AND id = ANY($2::graphid[])",
        ns.name,
        ids,
    )
    return sorted(uid for _, uid in found)


async def search_archive(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    text: str | None,
    vector: Sequence[float] | None,
    k: int,
) -> list[tuple[str, float]]:
    """(uid, score) of the archived episodes best matching ``text`` (full-text rank,
    scaled into [0, 1)) and ``vector`` (cosine similarity), by the sum; a scan of the
    archive, which no index covers."""
    found = await conn.fetch(
        "SELECT t.uid, "
        "coalesce(1 - (t.archived_vector <=> $3::vector), 0) * ($3::vector IS NOT NULL)::int "
        "+ CASE WHEN $2::text IS NULL THEN 0 ELSE ts_rank_cd(to_tsvector('english', "
        "coalesce(t.archived_text, '')), plainto_tsquery('english', $2), 32) END AS score "
        f"FROM kgmem.memory_tier t JOIN {table(ns.name, '_kg_vertex')} v ON v.id = t.id "
        "WHERE t.namespace = $1 AND t.archived_at IS NOT NULL "
        "ORDER BY score DESC, t.uid LIMIT $4",
        ns.name,
        text,
        None if vector is None else vector_array([vector])[0],
        k,
    )
    return [(uid, float(score)) for uid, score in found]


async def counts(
    conn: asyncpg.Connection, ns: NamespaceRef, working_since: datetime
) -> dict[str, int]:
    """Episodes per tier (working: occurred after ``working_since``), and archived."""
    sql = _STATE.format(side=table(ns.name, "_kg_vertex"))
    row = await rows.fetchrow(
        conn,
        _Counts,
        "SELECT count(*) FILTER (WHERE tier = 'semantic') AS semantic, "
        "count(*) FILTER (WHERE tier <> 'semantic' AND occurred_at > $2) AS working, "
        "count(*) FILTER (WHERE tier <> 'semantic' AND occurred_at <= $2) AS episodic, "
        f"count(*) FILTER (WHERE archived_at IS NOT NULL) AS archived FROM ({sql}) s",
        ns.name,
        working_since,
    )
    assert row is not None  # an aggregate without GROUP BY returns one row
    return {
        "working": row.working,
        "episodic": row.episodic,
        "semantic": row.semantic,
        "archived": row.archived,
    }


async def lock_namespace(conn: asyncpg.Connection, namespace: str) -> None:
    """Take ``namespace``'s tier lock until the transaction ends (one tier change at a
    time per namespace)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('kgmem.tiers'), hashtext($1))", namespace
    )
