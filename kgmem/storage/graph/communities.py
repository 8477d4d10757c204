"""SQL for communities of the entity graph (``kgmem.ingest.communities``): what links
entities, the facts that summarise each community, and the communities stored.

Every statement here is one set-based pass over the namespace's facts (or its
``Community`` vertices), whatever the number of communities: the work grows with the
facts, never with communities times facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from kgmem.storage import agtype
from kgmem.storage.graph import structural
from kgmem.storage.graph.bookkeeping import NON_ENTITY_LABELS
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

LABEL = "Community"
MEMBERSHIP = "MEMBER_OF"
# First key of the advisory locks that keep one refresh per namespace, in every process.
_REFRESH_LOCK = 0x6B67_6D36  # "kgm6"


@dataclass(frozen=True, slots=True)
class StoredCommunity:
    """A stored community: its uid, members' uids (sorted) and summary."""

    uid: str
    members: tuple[str, ...]
    summary: str


async def try_lock_refresh(conn: asyncpg.Connection, namespace: str) -> bool:
    """Hold the namespace's refresh lock (session-level; released by ``unlock_refresh``
    or when the connection closes) if no one else does; whether it is held now."""
    return bool(
        await conn.fetchval(
            "SELECT pg_try_advisory_lock($1, hashtext($2))", _REFRESH_LOCK, namespace
        )
    )


async def unlock_refresh(conn: asyncpg.Connection, namespace: str) -> None:
    """Release the namespace's refresh lock."""
    await conn.execute("SELECT pg_advisory_unlock($1, hashtext($2))", _REFRESH_LOCK, namespace)


async def weighted_pairs(
    conn: asyncpg.Connection, ns: NamespaceRef, *, co_mention_weight: float
) -> str:
    """A JSON array of ``[uid, uid, weight]``, one per pair of distinct entities linked by
    current facts (weight 1 per fact, either way) or mentioned by the same episodes
    (``co_mention_weight`` per episode), in uid order. One JSON text built by the
    database: the pairs of a large namespace cost no Python per row here."""
    vertex, fact = table(ns.name, "_kg_vertex"), table(ns.name, "_kg_fact")
    mentions = f"(SELECT DISTINCT start_id, end_id FROM {table(ns.name, 'MENTIONS')})"
    found = await conn.fetchval(
        f"WITH links AS ("
        f"SELECT least(f.subject_id, f.object_id) AS a, greatest(f.subject_id, f.object_id) AS b, "
        f"1.0::float8 AS w FROM {fact} f "
        f"JOIN {vertex} s ON s.id = f.subject_id JOIN {vertex} o ON o.id = f.object_id "
        "WHERE f.expired_at IS NULL AND f.predicate <> ALL($1::text[]) "
        "AND f.subject_id <> f.object_id "
        "AND s.label <> ALL($2::text[]) AND o.label <> ALL($2::text[]) "
        f"UNION ALL SELECT x.end_id, y.end_id, $3::float8 FROM {mentions} x "
        f"JOIN {mentions} y ON y.start_id = x.start_id AND x.end_id < y.end_id), "
        "summed AS (SELECT a, b, sum(w) AS w FROM links GROUP BY a, b) "
        "SELECT coalesce(json_agg(json_build_array(va.uid, vb.uid, summed.w) "
        "ORDER BY va.uid, vb.uid), '[]')::text FROM summed "
        f"JOIN {vertex} va ON va.id = summed.a JOIN {vertex} vb ON vb.id = summed.b",
        list(structural.PREDICATES),
        list(NON_ENTITY_LABELS),
        co_mention_weight,
    )
    return str(found)


async def summary_facts(
    conn: asyncpg.Connection, ns: NamespaceRef, groups: Sequence[Sequence[str]], per_group: int
) -> dict[int, list[str]]:
    """Per group index: the texts of up to ``per_group`` current facts between two of its
    members, one per pair of members, the pairs of the first-listed (most central)
    members first; a fact without text reads ``subject predicate object`` (uids)."""
    uids = [u for g in groups for u in g]
    index = [i for i, g in enumerate(groups) for _ in g]
    ranks = [r for g in groups for r in range(len(g))]
    fact = table(ns.name, "_kg_fact")
    found = await conn.fetch(
        "WITH m AS (SELECT v.id, v.uid, x.c, x.r "
        "FROM unnest($1::text[], $2::int[], $3::int[]) AS x(uid, c, r) "
        f"JOIN {table(ns.name, '_kg_vertex')} v ON v.uid = x.uid), "
        "pairs AS (SELECT DISTINCT ON (ms.c, least(ms.r, mo.r), greatest(ms.r, mo.r)) "
        "ms.c, ms.r + mo.r AS rank_sum, least(ms.r, mo.r) AS first_rank, "
        "coalesce(nullif(f.text, ''), ms.uid || ' ' || f.predicate || ' ' || mo.uid) AS text "
        f"FROM {fact} f JOIN m ms ON ms.id = f.subject_id "
        "JOIN m mo ON mo.id = f.object_id AND mo.c = ms.c "
        "WHERE f.expired_at IS NULL AND f.predicate <> ALL($4::text[]) "
        "AND f.subject_id <> f.object_id "
        "ORDER BY ms.c, least(ms.r, mo.r), greatest(ms.r, mo.r), f.id) "
        "SELECT c, text FROM (SELECT c, text, "
        "row_number() OVER (PARTITION BY c ORDER BY rank_sum, first_rank) AS n FROM pairs) t "
        "WHERE n <= $5 ORDER BY c, n",
        uids,
        index,
        ranks,
        list(structural.PREDICATES),
        per_group,
    )
    texts: dict[int, list[str]] = {}
    for c, text in found:
        texts.setdefault(c, []).append(text)
    return texts


async def names(conn: asyncpg.Connection, ns: NamespaceRef, uids: Sequence[str]) -> dict[str, str]:
    """The name of each vertex of ``uids`` (its uid when it has none)."""
    found = await conn.fetch(
        f"SELECT uid, coalesce(name, uid) FROM {table(ns.name, '_kg_vertex')} "
        "WHERE uid = ANY($1::text[])",
        list(uids),
    )
    return {uid: name for uid, name in found}


async def uids(conn: asyncpg.Connection, ns: NamespaceRef) -> list[str]:
    """The uids of the stored communities."""
    found = await conn.fetch(
        f"SELECT uid FROM {table(ns.name, '_kg_vertex')} WHERE label = $1 ORDER BY uid", LABEL
    )
    return [uid for (uid,) in found]


async def stored(conn: asyncpg.Connection, ns: NamespaceRef) -> list[StoredCommunity]:
    """The stored communities with their members and summaries, in uid order (one
    statement for all of them)."""
    vertex = table(ns.name, "_kg_vertex")
    # Through the facts (one scan), not MEMBER_OF's own table: it exists only once a
    # community has been written.
    found = await conn.fetch(
        "SELECT c.uid, g.properties, coalesce(mm.members, '{}') "
        f"FROM {vertex} c JOIN {table(ns.name, '_ag_label_vertex')} g ON g.id = c.id "
        "LEFT JOIN (SELECT f.object_id, array_agg(m.uid ORDER BY m.uid) AS members "
        f"FROM {table(ns.name, '_kg_fact')} f JOIN {vertex} m ON m.id = f.subject_id "
        "WHERE f.predicate = $2 GROUP BY f.object_id) mm ON mm.object_id = c.id "
        "WHERE c.label = $1 ORDER BY c.uid",
        LABEL,
        MEMBERSHIP,
    )
    return [
        StoredCommunity(uid, tuple(members), str(agtype.decode(props).get("summary") or ""))
        for uid, props, members in found
    ]
