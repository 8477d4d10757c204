"""Agents' decisions and their basis in ``kgmem.decision`` and ``kgmem.decision_basis``."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

import asyncpg

from kgmem.errors import DecisionNotFound, UidConflict
from kgmem.model.agent_model import Decision, DecisionQuery, DecisionWrite
from kgmem.storage import rows
from kgmem.storage.agent_state import check_namespace

_COLUMNS = (
    "d.id, d.uid, d.agent, d.decision, d.rationale, d.options::text, d.outcome, d.cost, "
    "d.metadata::text, d.decided_at, d.outcome_at, "
    "coalesce((SELECT array_agg(b.uid ORDER BY b.uid) FROM kgmem.decision_basis b "
    "WHERE b.decision_id = d.id AND b.kind = 'fact'), '{}') AS facts, "
    "coalesce((SELECT array_agg(b.uid ORDER BY b.uid) FROM kgmem.decision_basis b "
    "WHERE b.decision_id = d.id AND b.kind = 'episode'), '{}') AS episodes"
)


class DecisionRow(NamedTuple):
    """A decision as ``_COLUMNS`` reads it (options and metadata as JSON text)."""

    id: int
    uid: str
    agent: str
    decision: str
    rationale: str
    options: str
    outcome: str | None
    cost: Decimal | None
    metadata: str
    decided_at: datetime
    outcome_at: datetime | None
    facts: list[str]
    episodes: list[str]


def _decision(row: DecisionRow) -> Decision:
    return Decision(
        uid=row.uid,
        agent=row.agent,
        decision=row.decision,
        rationale=row.rationale,
        options=tuple(json.loads(row.options)),
        facts=tuple(row.facts),
        episodes=tuple(row.episodes),
        outcome=row.outcome,
        cost=float(row.cost) if row.cost is not None else None,
        metadata=json.loads(row.metadata),
        decided_at=row.decided_at,
        outcome_at=row.outcome_at,
    )


async def record(
    conn: asyncpg.Connection, namespace: str, write: DecisionWrite, uid: str
) -> Decision:
    """Store a decision and its basis (``UidConflict`` when ``uid`` is taken)."""
    await check_namespace(conn, namespace)
    decision_id = await conn.fetchval(
        "INSERT INTO kgmem.decision (namespace, uid, agent, decision, rationale, options, "
        "outcome, cost, metadata, outcome_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, "
        "$9::jsonb, CASE WHEN $7::text IS NULL THEN NULL ELSE clock_timestamp() END) "
        "ON CONFLICT (namespace, uid) DO NOTHING RETURNING id",
        namespace,
        uid,
        write.agent,
        write.decision,
        write.rationale,
        json.dumps(list(write.options)),
        write.outcome,
        Decimal(repr(write.cost)) if write.cost is not None else None,
        json.dumps(dict(write.metadata)),
    )
    if decision_id is None:
        raise UidConflict(f"a decision with uid {uid!r} exists already", uid=uid)
    basis = [(decision_id, "fact", u) for u in set(write.facts)]
    basis += [(decision_id, "episode", u) for u in set(write.episodes)]
    await conn.executemany(
        "INSERT INTO kgmem.decision_basis (decision_id, kind, uid) VALUES ($1, $2, $3)", basis
    )
    return await get(conn, namespace, uid)


async def get(conn: asyncpg.Connection, namespace: str, uid: str) -> Decision:
    """One decision (``DecisionNotFound``)."""
    await check_namespace(conn, namespace)
    row = await rows.fetchrow(
        conn,
        DecisionRow,
        f"SELECT {_COLUMNS} FROM kgmem.decision d WHERE d.namespace = $1 AND d.uid = $2",
        namespace,
        uid,
    )
    if row is None:
        raise DecisionNotFound(f"no decision {uid!r}", uid=uid)
    return _decision(row)


async def search(conn: asyncpg.Connection, namespace: str, query: DecisionQuery) -> list[Decision]:
    """Decisions matching ``query`` (all but its ``flagged`` filter), newest first."""
    await check_namespace(conn, namespace)
    found = await rows.fetch(
        conn,
        DecisionRow,
        f"SELECT {_COLUMNS} FROM kgmem.decision d WHERE d.namespace = $1 "
        "AND ($2::text IS NULL OR d.agent = $2) "
        "AND ($3::timestamptz IS NULL OR d.decided_at >= $3) "
        "AND ($4::timestamptz IS NULL OR d.decided_at < $4) "
        "AND ($5::text IS NULL OR d.outcome = $5) "
        "AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM kgmem.decision_basis b "
        "WHERE b.decision_id = d.id AND b.kind = 'fact' AND b.uid = $6)) "
        "ORDER BY d.decided_at DESC, d.id DESC LIMIT $7",
        namespace,
        query.agent,
        query.since,
        query.until,
        query.outcome,
        query.fact,
        query.limit if query.flagged is None else None,
    )
    return [_decision(r) for r in found]


async def set_outcome(
    conn: asyncpg.Connection, namespace: str, uid: str, outcome: str, cost: float | None
) -> datetime:
    """Record a decision's outcome (and cost, kept when None); when it was recorded."""
    when: datetime | None = await conn.fetchval(
        "UPDATE kgmem.decision SET outcome = $3, cost = coalesce($4, cost), "
        "outcome_at = clock_timestamp() WHERE namespace = $1 AND uid = $2 RETURNING outcome_at",
        namespace,
        uid,
        outcome,
        Decimal(repr(cost)) if cost is not None else None,
    )
    if when is None:
        raise DecisionNotFound(f"no decision {uid!r}", uid=uid)
    return when
