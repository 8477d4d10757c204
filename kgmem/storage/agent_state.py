"""Agents' versioned state and scratch keys in ``kgmem.agent_state``,
``kgmem.agent_state_version`` and ``kgmem.agent_scratch``.

A write takes a transaction-level advisory lock on (namespace, agent) before it reads
the current version, so concurrent writers of one agent queue up even before the
agent has a row; the version check and the write are then one atomic step. A reset
(``delete``) is itself a version whose state is null, so versions never repeat.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import NamedTuple

import asyncpg

from kgmem.errors import AgentStateNotFound, NamespaceNotFound, ScratchKeyNotFound, StaleVersion
from kgmem.model.agent_model import AgentState, AgentSummary, JsonValue, ScratchEntry
from kgmem.storage import rows

_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 1070))"
_LIVE = "(expires_at IS NULL OR expires_at > clock_timestamp())"


async def check_namespace(conn: asyncpg.Connection, namespace: str) -> None:
    """``NamespaceNotFound`` unless ``namespace`` exists."""
    if await conn.fetchval("SELECT 1 FROM kgmem.namespace WHERE name = $1", namespace) is None:
        raise NamespaceNotFound(f"namespace {namespace!r} does not exist", namespace=namespace)


class _StateRow(NamedTuple):
    """A version of an agent's state (JSON text; None after a reset)."""

    agent: str
    version: int
    state: str | None
    written_at: datetime


class _ScratchRow(NamedTuple):
    """A scratch key (its value JSON text)."""

    key: str
    value: str
    updated_at: datetime
    expires_at: datetime | None


def _state(row: _StateRow | None) -> AgentState:
    assert row is not None  # from an INSERT ... RETURNING, or found (callers check)
    return AgentState(
        agent=row.agent,
        version=int(row.version),
        state=json.loads(row.state) if row.state is not None else None,
        written_at=row.written_at,
    )


async def _latest(conn: asyncpg.Connection, namespace: str, agent: str) -> int:
    version = await conn.fetchval(
        "SELECT max(version) FROM kgmem.agent_state_version WHERE namespace = $1 AND agent = $2",
        namespace,
        agent,
    )
    return int(version or 0)


async def _claim(conn: asyncpg.Connection, namespace: str, agent: str, expected: int | None) -> int:
    """Lock the agent's state and return the next version, or ``StaleVersion``."""
    await check_namespace(conn, namespace)
    await conn.execute(_LOCK, namespace, agent)
    current = await _latest(conn, namespace, agent)
    if expected is not None and expected != current:
        raise StaleVersion(
            f"agent {agent!r} is at version {current}, not {expected}; read it again, "
            "apply the change and send it with the new version",
            agent=agent,
            current_version=current,
            expected_version=expected,
        )
    return current + 1


async def put(
    conn: asyncpg.Connection, namespace: str, agent: str, state: JsonValue, expected: int | None
) -> AgentState:
    """Store ``state`` as the agent's next version; with ``expected``, only if the
    current version is that (0: the agent has none yet), else ``StaleVersion``."""
    version = await _claim(conn, namespace, agent, expected)
    text = json.dumps(state)
    stored = _state(
        await rows.fetchrow(
            conn,
            _StateRow,
            "INSERT INTO kgmem.agent_state_version (namespace, agent, version, state) "
            "VALUES ($1, $2, $3, $4::jsonb) RETURNING agent, version, state::text, written_at",
            namespace,
            agent,
            version,
            text,
        )
    )
    await conn.execute(
        "INSERT INTO kgmem.agent_state (namespace, agent, version, state, updated_at) "
        "VALUES ($1, $2, $3, $4::jsonb, $5) ON CONFLICT (namespace, agent) DO UPDATE "
        "SET version = EXCLUDED.version, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at",
        namespace,
        agent,
        version,
        text,
        stored.written_at,
    )
    return stored


async def delete(
    conn: asyncpg.Connection, namespace: str, agent: str, expected: int | None
) -> AgentState:
    """Reset the agent's state: a new version with null state; the history stays."""
    version = await _claim(conn, namespace, agent, expected)
    if version == 1:
        raise AgentStateNotFound(f"agent {agent!r} has no state", agent=agent)
    await conn.execute(
        "DELETE FROM kgmem.agent_state WHERE namespace = $1 AND agent = $2", namespace, agent
    )
    row = await rows.fetchrow(
        conn,
        _StateRow,
        "INSERT INTO kgmem.agent_state_version (namespace, agent, version, state) "
        "VALUES ($1, $2, $3, NULL) RETURNING agent, version, state::text, written_at",
        namespace,
        agent,
        version,
    )
    return _state(row)


async def get(
    conn: asyncpg.Connection, namespace: str, agent: str, version: int | None = None
) -> AgentState:
    """The agent's current state, or the given ``version`` of it."""
    await check_namespace(conn, namespace)
    if version is None:
        row = await rows.fetchrow(
            conn,
            _StateRow,
            "SELECT agent, version, state::text, updated_at AS written_at "
            "FROM kgmem.agent_state WHERE namespace = $1 AND agent = $2",
            namespace,
            agent,
        )
    else:
        row = await rows.fetchrow(
            conn,
            _StateRow,
            "SELECT agent, version, state::text, written_at FROM kgmem.agent_state_version "
            "WHERE namespace = $1 AND agent = $2 AND version = $3",
            namespace,
            agent,
            version,
        )
    if row is None:
        which = f"version {version} of " if version is not None else ""
        raise AgentStateNotFound(f"no {which}state for agent {agent!r}", agent=agent)
    return _state(row)


async def history(
    conn: asyncpg.Connection, namespace: str, agent: str, *, before: int | None, limit: int
) -> list[AgentState]:
    """The agent's versions, newest first, those below ``before`` when given."""
    await check_namespace(conn, namespace)
    found = await rows.fetch(
        conn,
        _StateRow,
        "SELECT agent, version, state::text, written_at FROM kgmem.agent_state_version "
        "WHERE namespace = $1 AND agent = $2 AND ($3::bigint IS NULL OR version < $3) "
        "ORDER BY version DESC LIMIT $4",
        namespace,
        agent,
        before,
        limit,
    )
    return [_state(r) for r in found]


async def agents(conn: asyncpg.Connection, namespace: str) -> list[AgentSummary]:
    """The agents with current state in ``namespace``, by name."""
    await check_namespace(conn, namespace)
    return await rows.fetch(
        conn,
        AgentSummary,
        "SELECT agent, version, updated_at FROM kgmem.agent_state WHERE namespace = $1 "
        "ORDER BY agent",
        namespace,
    )


def _entry(row: _ScratchRow | None) -> ScratchEntry:
    assert row is not None  # from an INSERT ... RETURNING, or found (callers check)
    return ScratchEntry(
        key=row.key,
        value=json.loads(row.value),
        updated_at=row.updated_at,
        expires_at=row.expires_at,
    )


_SCRATCH = "key, value::text, updated_at, expires_at"


async def scratch_put(
    conn: asyncpg.Connection,
    namespace: str,
    agent: str,
    key: str,
    value: JsonValue,
    ttl_s: float | None,
) -> ScratchEntry:
    """Set a scratch key, living ``ttl_s`` seconds from now (forever without)."""
    await check_namespace(conn, namespace)
    await conn.execute(
        f"DELETE FROM kgmem.agent_scratch WHERE namespace = $1 AND agent = $2 AND NOT {_LIVE}",
        namespace,
        agent,
    )
    row = await rows.fetchrow(
        conn,
        _ScratchRow,
        "INSERT INTO kgmem.agent_scratch (namespace, agent, key, value, expires_at) "
        "VALUES ($1, $2, $3, $4::jsonb, clock_timestamp() + make_interval(secs => $5)) "
        "ON CONFLICT (namespace, agent, key) DO UPDATE SET value = EXCLUDED.value, "
        "expires_at = EXCLUDED.expires_at, updated_at = clock_timestamp() "
        f"RETURNING {_SCRATCH}",
        namespace,
        agent,
        key,
        json.dumps(value),
        ttl_s,
    )
    return _entry(row)


async def scratch_get(
    conn: asyncpg.Connection, namespace: str, agent: str, key: str
) -> ScratchEntry:
    """A live scratch key, or ``ScratchKeyNotFound`` (also once it has expired)."""
    await check_namespace(conn, namespace)
    row = await rows.fetchrow(
        conn,
        _ScratchRow,
        f"SELECT {_SCRATCH} FROM kgmem.agent_scratch "
        f"WHERE namespace = $1 AND agent = $2 AND key = $3 AND {_LIVE}",
        namespace,
        agent,
        key,
    )
    if row is None:
        raise ScratchKeyNotFound(f"agent {agent!r} has no live scratch key {key!r}", key=key)
    return _entry(row)


async def scratch_list(conn: asyncpg.Connection, namespace: str, agent: str) -> list[ScratchEntry]:
    """The agent's live scratch keys, by key."""
    await check_namespace(conn, namespace)
    found = await rows.fetch(
        conn,
        _ScratchRow,
        f"SELECT {_SCRATCH} FROM kgmem.agent_scratch "
        f"WHERE namespace = $1 AND agent = $2 AND {_LIVE} ORDER BY key",
        namespace,
        agent,
    )
    return [_entry(r) for r in found]


async def scratch_delete(conn: asyncpg.Connection, namespace: str, agent: str, key: str) -> bool:
    """Delete a scratch key; whether a live one was there."""
    await check_namespace(conn, namespace)
    deleted: datetime | None = await conn.fetchval(
        f"DELETE FROM kgmem.agent_scratch WHERE namespace = $1 AND agent = $2 AND key = $3 "
        f"RETURNING CASE WHEN {_LIVE} THEN updated_at END",
        namespace,
        agent,
        key,
    )
    return deleted is not None
