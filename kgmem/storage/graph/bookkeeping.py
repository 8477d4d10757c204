"""SQL for memory-graph building: the name index, statements in force, sessions,
provenance of episodes, re-pointing facts, the merge log, LLM usage and the
per-namespace pipeline configuration.

Writes of vertices and facts themselves go through ``kgmem.storage.graph.vertices`` and
``kgmem.storage.graph.facts``; this module only reads around them and keeps the
bookkeeping that memory-graph building adds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg

from kgmem.storage import agtype, rows
from kgmem.storage.graph import structural
from kgmem.storage.graph.traversal import Direction
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import label_table, table

# Vertices that are bookkeeping, not real-world entities.
NON_ENTITY_LABELS = ("Episode", "Source", "Session", "Community")
# Edges that building adds around entities; they are not statements about the world.


@dataclass(frozen=True, slots=True)
class NamedVertex:
    """An entity's uid, label, name and aliases, for matching and resolution."""

    uid: str
    id: int
    label: str
    name: str | None
    aliases: tuple[str, ...]
    type_guessed: bool = False
    """Its label was a guess of the rules (the stored ``type_guessed`` property)."""


@dataclass(frozen=True, slots=True)
class StatementRow:
    """A current fact of a subject: its uid, predicate and object graph id."""

    uid: str
    id: int
    predicate: str
    object_id: int


@dataclass(frozen=True, slots=True)
class Predecessor:
    """For an episode of a session: whether the session exists, and the latest stored
    member episode at or before the episode's time (None if none)."""

    session: str
    episode: str
    previous: str | None
    previous_at: datetime | None


@dataclass(frozen=True, slots=True)
class MergeRow:
    """One merge-log entry: ``kgmem.ingest.MergeRecord``'s fields (by the same names)
    and the snapshot that undoes it."""

    id: int
    kept: str
    merged: str
    evidence: dict[str, Any]
    snapshot: dict[str, Any]
    merged_at: datetime
    undone_at: datetime | None


class _MergeLog(NamedTuple):
    """A row of ``kgmem.entity_merge``, its JSON as text."""

    id: int
    kept: str
    merged: str
    evidence: str
    snapshot: str
    merged_at: datetime
    undone_at: datetime | None


_MERGE_LOG = "id, kept_uid AS kept, merged_uid AS merged, evidence, snapshot, merged_at, undone_at"


class _NamedRecord(NamedTuple):
    uid: str
    id: int
    label: str
    name: str | None
    properties: str


async def entity_stamp(conn: asyncpg.Connection, ns: NamespaceRef) -> tuple[int, datetime | None]:
    """(count, latest change) of the namespace's entities: changes when one is written."""
    record = await conn.fetchrow(
        f"SELECT count(*), max(updated_at) FROM {table(ns.name, '_kg_vertex')} "
        "WHERE label <> ALL($1::text[])",
        list(NON_ENTITY_LABELS),
    )
    count, latest = record
    return int(count), latest


async def named_entities(conn: asyncpg.Connection, ns: NamespaceRef) -> list[NamedVertex]:
    """Every entity (not episodes, sources, sessions or communities) with its aliases."""
    records = await rows.fetch(
        conn,
        _NamedRecord,
        f"SELECT v.uid, v.id, v.label, v.name, g.properties FROM {table(ns.name, '_kg_vertex')} v "
        f"JOIN {table(ns.name, '_ag_label_vertex')} g ON g.id = v.id "
        "WHERE v.label <> ALL($1::text[])",
        list(NON_ENTITY_LABELS),
    )
    out = []
    for r in records:
        props = agtype.decode(r.properties)
        aliases = props.get("aliases") or []
        out.append(
            NamedVertex(
                uid=r.uid,
                id=r.id,
                label=r.label,
                name=r.name,
                aliases=tuple(a for a in aliases if isinstance(a, str)),
                type_guessed=props.get("type_guessed") is True,
            )
        )
    return out


async def current_statements(
    conn: asyncpg.Connection, ns: NamespaceRef, subject_id: int, predicates: Sequence[str]
) -> list[StatementRow]:
    """Facts in force whose subject is ``subject_id`` and predicate one of ``predicates``."""
    return await rows.fetch(
        conn,
        StatementRow,
        f"SELECT f.uid, f.id, f.predicate, f.object_id FROM {table(ns.name, '_kg_fact')} f "
        f"WHERE f.id IN (SELECT e.id FROM {table(ns.name, '_ag_label_edge')} e "
        "WHERE e.start_id = $1) AND f.predicate = ANY($2::text[]) AND f.expired_at IS NULL "
        "ORDER BY f.id",
        subject_id,
        list(predicates),
    )


async def neighbours(
    conn: asyncpg.Connection, ns: NamespaceRef, predicate: str, vertex_id: int, way: Direction
) -> list[int]:
    """Ids of the vertices at the other end of the ``predicate`` edges that leave
    (``out``) or reach (``in``) vertex ``vertex_id``."""
    here, there = ("start_id", "end_id") if way == "out" else ("end_id", "start_id")
    found = await conn.fetch(
        f"SELECT {there} FROM {label_table(ns.name, predicate)} WHERE {here} = $1", vertex_id
    )
    return [id_ for (id_,) in found]


async def uids_of(conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int]) -> dict[int, str]:
    """Vertex uids by graph id."""
    found = await conn.fetch(
        f"SELECT id, uid FROM {table(ns.name, '_kg_vertex')} WHERE id = ANY($1::graphid[])",
        list(ids),
    )
    return {id_: uid for id_, uid in found}


async def uids_by_label(conn: asyncpg.Connection, ns: NamespaceRef, label: str) -> list[str]:
    """All vertex uids of one label."""
    found = await conn.fetch(
        f"SELECT uid FROM {table(ns.name, '_kg_vertex')} WHERE label = $1 ORDER BY uid", label
    )
    return [uid for (uid,) in found]


async def episode_claims(
    conn: asyncpg.Connection, ns: NamespaceRef, episode_id: int
) -> list[tuple[str, int]]:
    """(fact uid, claims by anything else) for each fact the episode claims."""
    return await _claims_by(conn, ns, "episode_id", episode_id)


async def source_claims(
    conn: asyncpg.Connection, ns: NamespaceRef, source_id: int
) -> list[tuple[str, int]]:
    """(fact uid, claims by any other source) for each fact the source claims."""
    return await _claims_by(conn, ns, "source_id", source_id)


async def _claims_by(
    conn: asyncpg.Connection, ns: NamespaceRef, column: str, claimant: int
) -> list[tuple[str, int]]:
    claims = table(ns.name, "_kg_claim")
    found = await conn.fetch(
        f"SELECT DISTINCT f.uid, (SELECT count(*) FROM {claims} o WHERE o.fact_id = c.fact_id "
        f"AND o.{column} IS DISTINCT FROM $1) AS others "
        f"FROM {claims} c JOIN {table(ns.name, '_kg_fact')} f ON f.id = c.fact_id "
        f"WHERE c.{column} = $1",
        claimant,
    )
    return [(uid, int(others)) for uid, others in found]


async def drop_episode_claims(conn: asyncpg.Connection, ns: NamespaceRef, episode_id: int) -> None:
    """Remove every claim made by an episode (withdrawn ones too: forgetting erases)."""
    for claims in ("_kg_claim", "_kg_claim_history"):
        await conn.execute(
            f"DELETE FROM {table(ns.name, claims)} WHERE episode_id = $1", episode_id
        )


async def drop_source(conn: asyncpg.Connection, ns: NamespaceRef, source_id: int) -> None:
    """Remove every claim a source made (withdrawn ones too) and its learnt scores."""
    for claims in ("_kg_claim", "_kg_claim_history"):
        await conn.execute(f"DELETE FROM {table(ns.name, claims)} WHERE source_id = $1", source_id)
    for scores in ("_kg_source_score", "_kg_source_history", "_kg_source_predicate_score"):
        await conn.execute(f"DELETE FROM {table(ns.name, scores)} WHERE source_id = $1", source_id)
    for pairs in ("_kg_source_dependence", "_kg_source_predicate_dependence"):
        await conn.execute(
            f"DELETE FROM {table(ns.name, pairs)} WHERE source_a = $1 OR source_b = $1",
            source_id,
        )


async def degree(conn: asyncpg.Connection, ns: NamespaceRef, vertex_id: int) -> int:
    """How many edges touch a vertex."""
    return int(
        await conn.fetchval(
            f"SELECT count(*) FROM {table(ns.name, '_ag_label_edge')} "
            "WHERE start_id = $1 OR end_id = $1",
            vertex_id,
        )
    )


async def facts_touching(
    conn: asyncpg.Connection, ns: NamespaceRef, vertex_id: int
) -> list[tuple[str, int, bool, bool]]:
    """(uid, id, vertex is subject, vertex is object) of every fact touching a vertex."""
    found = await conn.fetch(
        f"SELECT f.uid, f.id, f.subject_id = $1 AS s, f.object_id = $1 AS o "
        f"FROM {table(ns.name, '_kg_fact')} f WHERE f.id IN (SELECT e.id FROM "
        f"{table(ns.name, '_ag_label_edge')} e WHERE e.start_id = $1 OR e.end_id = $1)",
        vertex_id,
    )
    return [(uid, id_, s, o) for uid, id_, s, o in found]


async def repoint(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    fact_uids: Sequence[str],
    old_id: int,
    new_id: int,
) -> None:
    """Move the endpoint ``old_id`` of the given facts (and their edges) to ``new_id``."""
    facts, edges = table(ns.name, "_kg_fact"), table(ns.name, "_ag_label_edge")
    ids = [
        id_
        for (id_,) in await conn.fetch(
            f"SELECT id FROM {facts} WHERE uid = ANY($1::text[])", list(fact_uids)
        )
    ]
    for column, edge_column in (("subject_id", "start_id"), ("object_id", "end_id")):
        await conn.execute(
            f"UPDATE {facts} SET {column} = $3 WHERE id = ANY($1::graphid[]) AND {column} = $2",
            ids,
            old_id,
            new_id,
        )
        await conn.execute(
            f"UPDATE {edges} SET {edge_column} = $3 "
            f"WHERE id = ANY($1::graphid[]) AND {edge_column} = $2",
            ids,
            old_id,
            new_id,
        )


async def record_merge(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    *,
    kept: str,
    merged: str,
    evidence: dict[str, Any],
    snapshot: dict[str, Any],
) -> int:
    """Log a merge; returns its id."""
    return int(
        await conn.fetchval(
            "INSERT INTO kgmem.entity_merge (namespace, kept_uid, merged_uid, evidence, snapshot) "
            "VALUES ($1, $2, $3, $4::jsonb, $5::jsonb) RETURNING id",
            ns.name,
            kept,
            merged,
            json.dumps(evidence),
            json.dumps(snapshot, default=str),
        )
    )


async def add_merge_facts(
    conn: asyncpg.Connection, merge_id: int, subject_of: Sequence[str], object_of: Sequence[str]
) -> None:
    """Add fact uids that a merge pointed at the kept entity after it was logged."""
    await conn.execute(
        "UPDATE kgmem.entity_merge SET snapshot = jsonb_set(jsonb_set(snapshot, '{subject_of}', "
        "coalesce(snapshot->'subject_of', '[]') || $2::jsonb), '{object_of}', "
        "coalesce(snapshot->'object_of', '[]') || $3::jsonb) WHERE id = $1",
        merge_id,
        json.dumps(list(subject_of)),
        json.dumps(list(object_of)),
    )


def _merge(r: _MergeLog) -> MergeRow:
    return MergeRow(
        id=r.id,
        kept=r.kept,
        merged=r.merged,
        evidence=json.loads(r.evidence),
        snapshot=json.loads(r.snapshot),
        merged_at=r.merged_at,
        undone_at=r.undone_at,
    )


async def merges(
    conn: asyncpg.Connection, ns: NamespaceRef, *, entity: str | None = None, limit: int = 100
) -> list[MergeRow]:
    """Merge-log entries, newest first, optionally of one kept or merged uid."""
    found = await rows.fetch(
        conn,
        _MergeLog,
        f"SELECT {_MERGE_LOG} FROM kgmem.entity_merge WHERE namespace = $1 AND "
        "($2::text IS NULL OR kept_uid = $2 OR merged_uid = $2) ORDER BY id DESC LIMIT $3",
        ns.name,
        entity,
        limit,
    )
    return [_merge(r) for r in found]


async def lock_merge(conn: asyncpg.Connection, ns: NamespaceRef, merge_id: int) -> MergeRow | None:
    """One merge-log entry, row-locked."""
    row = await rows.fetchrow(
        conn,
        _MergeLog,
        f"SELECT {_MERGE_LOG} FROM kgmem.entity_merge WHERE namespace = $1 AND id = $2 FOR UPDATE",
        ns.name,
        merge_id,
    )
    return _merge(row) if row else None


async def mark_undone(conn: asyncpg.Connection, merge_id: int) -> None:
    """Record that a merge was reversed."""
    await conn.execute("UPDATE kgmem.entity_merge SET undone_at = now() WHERE id = $1", merge_id)


async def tokens_spent(conn: asyncpg.Connection, ns: NamespaceRef) -> int:
    """LLM tokens the namespace has spent on extraction."""
    value = await conn.fetchval("SELECT tokens FROM kgmem.llm_usage WHERE namespace = $1", ns.name)
    return int(value or 0)


async def spend_tokens(conn: asyncpg.Connection, ns: NamespaceRef, tokens: int) -> int:
    """Add to the namespace's LLM token count; returns the new total."""
    return int(
        await conn.fetchval(
            "INSERT INTO kgmem.llm_usage (namespace, tokens) VALUES ($1, $2) "
            "ON CONFLICT (namespace) DO UPDATE SET tokens = kgmem.llm_usage.tokens + $2, "
            "updated_at = now() RETURNING tokens",
            ns.name,
            tokens,
        )
    )


async def ingest_config(conn: asyncpg.Connection, ns: NamespaceRef) -> dict[str, Any]:
    """The namespace's pipeline configuration ({} when never set)."""
    value = await conn.fetchval(
        "SELECT config->'ingest' FROM kgmem.namespace WHERE name = $1", ns.name
    )
    return json.loads(value) if value else {}


async def set_ingest_config(
    conn: asyncpg.Connection, ns: NamespaceRef, config: dict[str, Any]
) -> None:
    """Replace the namespace's pipeline configuration."""
    await conn.execute(
        "UPDATE kgmem.namespace SET config = jsonb_set(config, '{ingest}', $2::jsonb) "
        "WHERE name = $1",
        ns.name,
        json.dumps(config),
    )


async def graph_edges(
    conn: asyncpg.Connection, ns: NamespaceRef
) -> list[tuple[str, str, str, str | None]]:
    """(subject uid, object uid, predicate, text) of current facts between entities."""
    vertex = table(ns.name, "_kg_vertex")
    found = await conn.fetch(
        f"SELECT s.uid AS s, o.uid AS o, f.predicate, f.text FROM {table(ns.name, '_kg_fact')} f "
        f"JOIN {vertex} s ON s.id = f.subject_id JOIN {vertex} o ON o.id = f.object_id "
        "WHERE f.expired_at IS NULL AND f.predicate <> ALL($1::text[]) "
        "AND s.label <> ALL($2::text[]) AND o.label <> ALL($2::text[])",
        list(structural.PREDICATES),
        list(NON_ENTITY_LABELS),
    )
    return [(s, o, predicate, text) for s, o, predicate, text in found]


async def co_mentions(conn: asyncpg.Connection, ns: NamespaceRef) -> list[tuple[str, str]]:
    """(episode uid, entity uid) for every MENTIONS edge."""
    vertex = table(ns.name, "_kg_vertex")
    found = await conn.fetch(
        f"SELECT a.uid AS e, b.uid AS m FROM {table(ns.name, 'MENTIONS')} x "
        f"JOIN {vertex} a ON a.id = x.start_id JOIN {vertex} b ON b.id = x.end_id"
    )
    return [(e, m) for e, m in found]


async def fact_stamp(conn: asyncpg.Connection, ns: NamespaceRef) -> str:
    """A value that changes whenever a fact is added, closed or removed."""
    record = await conn.fetchrow(
        f"SELECT count(*), count(expired_at), max(id::text) "
        f"FROM {table(ns.name, '_kg_fact')} WHERE predicate <> 'MEMBER_OF'"
    )
    count, closed, latest = record
    return f"{count}:{closed}:{latest}"


async def community_stamp(conn: asyncpg.Connection, ns: NamespaceRef) -> str | None:
    """The fact stamp recorded when communities were last computed."""
    value = await conn.fetchval(
        "SELECT config->>'community_stamp' FROM kgmem.namespace WHERE name = $1", ns.name
    )
    return str(value) if value is not None else None


async def set_community_stamp(conn: asyncpg.Connection, ns: NamespaceRef, stamp: str) -> None:
    """Record the fact stamp communities were computed from."""
    await conn.execute(
        "UPDATE kgmem.namespace SET config = jsonb_set(config, '{community_stamp}', "
        "to_jsonb($2::text)) WHERE name = $1",
        ns.name,
        stamp,
    )


async def session_predecessors(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    episodes: Sequence[tuple[str, datetime, str]],
) -> list[Predecessor]:
    """For each (session uid, time, episode uid) whose session vertex exists: the
    session's latest member (``PART_OF`` it) at or before that time, ties by uid, other
    than the episode itself. One round trip for a whole batch; sessions that do not
    exist yet give no row."""
    vertex = table(ns.name, "_kg_vertex")
    part_of = table(ns.name, "PART_OF")
    return await rows.fetch(
        conn,
        Predecessor,
        f"SELECT q.session, q.episode, m.uid AS previous, m.occurred_at AS previous_at "
        f"FROM unnest($1::text[], $2::timestamptz[], $3::text[]) AS q(session, at, episode) "
        f"JOIN {vertex} s ON s.uid = q.session LEFT JOIN LATERAL ("
        f"SELECT v.uid, v.occurred_at FROM {part_of} e JOIN {vertex} v ON v.id = e.start_id "
        "WHERE e.end_id = s.id AND v.uid <> q.episode AND v.occurred_at IS NOT NULL "
        "AND (v.occurred_at, v.uid) <= (q.at, q.episode) "
        "ORDER BY v.occurred_at DESC, v.uid DESC LIMIT 1) m ON true",
        [e[0] for e in episodes],
        [e[1] for e in episodes],
        [e[2] for e in episodes],
    )


@dataclass(frozen=True, slots=True)
class SessionMember:
    """A stored member episode of a session near an episode being built."""

    id: int
    uid: str
    occurred_at: datetime


async def session_window(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    episodes: Sequence[tuple[str, datetime, str]],
    *,
    before: int,
    after: int,
    leave_out: Sequence[str] = (),
) -> list[SessionMember]:
    """For each (session uid, time, episode uid): the session's ``before`` latest stored
    members before it and ``after`` earliest after it (by time, then uid), none of
    ``leave_out`` (the episodes being built); each member once, in no order. One round
    trip for a whole batch."""
    vertex = table(ns.name, "_kg_vertex")
    part_of = table(ns.name, "PART_OF")
    side = (
        f"SELECT v.id, v.uid, v.occurred_at FROM {part_of} e JOIN {vertex} v ON v.id = e.start_id "
        "WHERE e.end_id = s.id AND v.occurred_at IS NOT NULL AND v.uid <> ALL($4::text[]) AND "
    )
    return await rows.fetch(
        conn,
        SessionMember,
        "SELECT DISTINCT m.id, m.uid, m.occurred_at "
        "FROM unnest($1::text[], $2::timestamptz[], $3::text[]) AS q(session, at, episode) "
        f"JOIN {vertex} s ON s.uid = q.session CROSS JOIN LATERAL ("
        f"({side}(v.occurred_at, v.uid) < (q.at, q.episode) "
        "ORDER BY v.occurred_at DESC, v.uid DESC LIMIT $5) UNION ALL "
        f"({side}(v.occurred_at, v.uid) > (q.at, q.episode) "
        "ORDER BY v.occurred_at, v.uid LIMIT $6)) m",
        [e[0] for e in episodes],
        [e[1] for e in episodes],
        [e[2] for e in episodes],
        list(leave_out),
        before,
        after,
    )


async def nearest_entities_many(
    conn: asyncpg.Connection, ns: NamespaceRef, vectors: Sequence[Sequence[float]], limit: int
) -> list[list[tuple[str, float]]]:
    """For each vector, in order: (uid, cosine similarity) of the ``limit`` entities
    whose vectors are nearest it; one round trip for all."""
    from kgmem.storage.indexes.embeddings import vector_array, vector_table

    found = await conn.fetch(
        "SELECT q.i, m.uid, m.similarity FROM unnest($1::vector[]) WITH ORDINALITY AS q(v, i) "
        "CROSS JOIN LATERAL (SELECT v.uid, 1 - (x.embedding <=> q.v) AS similarity "
        f"FROM {vector_table(ns, 'vertex')} x JOIN {table(ns.name, '_kg_vertex')} v "
        "ON v.id = x.id WHERE v.label <> ALL($2::text[]) ORDER BY x.embedding <=> q.v "
        "LIMIT $3) m ORDER BY q.i, m.similarity DESC",
        vector_array(vectors),
        list(NON_ENTITY_LABELS),
        limit,
    )
    nearest: list[list[tuple[str, float]]] = [[] for _ in vectors]
    for i, uid, similarity in found:
        nearest[int(i) - 1].append((uid, float(similarity)))
    return nearest


# First key of the advisory locks that serialise memory-graph building per namespace.
_BUILD_LOCK = 0x6B67_6D35  # "kgm5"


async def lock_building(
    conn: asyncpg.Connection, namespace: str
) -> tuple[NamespaceRef | None, dict[str, Any]]:
    """Wait for, then hold, the namespace's building lock (session-level; released by
    ``unlock_building`` or when the connection is reset or closed), and read the
    namespace (None: it does not exist; the lock is held all the same) and its pipeline
    configuration, in one round trip."""
    row = await conn.fetchrow(
        "SELECT g.graphid, n.config->'ingest' AS config "
        "FROM (SELECT pg_advisory_lock($1, hashtext($2))) AS l "
        "LEFT JOIN (kgmem.namespace n JOIN ag_catalog.ag_graph g ON g.name = n.name::name) "
        "ON n.name = $2",
        _BUILD_LOCK,
        namespace,
    )
    graphid, config = row if row is not None else (None, None)
    if graphid is None:
        return None, {}
    ref = NamespaceRef(name=namespace, graph_oid=int(graphid))
    return ref, json.loads(config) if config else {}


async def unlock_building(conn: asyncpg.Connection, namespace: str) -> None:
    """Release the namespace's building lock."""
    await conn.execute("SELECT pg_advisory_unlock($1, hashtext($2))", _BUILD_LOCK, namespace)
