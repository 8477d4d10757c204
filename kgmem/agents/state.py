"""``AgentStates``: each agent's JSON state per namespace, versioned, with optimistic
concurrency, its history, and scratch keys that expire.

A conditional write (``expected_version``) succeeds only when the stored version is
that one (0: none yet); otherwise ``StaleVersion`` and nothing changes. Every version
is kept and readable; a reset is a version with null state.
"""

from __future__ import annotations

import math

from kgmem.agents import input_checks as values
from kgmem.errors import InvalidInput
from kgmem.model.agent_model import AgentState, AgentSummary, JsonValue, ScratchEntry
from kgmem.storage import Database
from kgmem.storage import agent_state as store

MAX_TTL_S = 10 * 365 * 24 * 3600.0


class AgentStates:
    """The agent state store of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def put(
        self,
        namespace: str,
        agent: str,
        state: JsonValue,
        *,
        expected_version: int | None = None,
    ) -> AgentState:
        """Store ``state`` as the agent's next version (``StaleVersion`` if
        ``expected_version`` is given and is not the current one)."""
        values.name(agent, "agent")
        values.document(state, "state")
        _version(expected_version)
        async with self.db.transaction() as conn:
            return await store.put(conn, namespace, agent, state, expected_version)

    async def get(self, namespace: str, agent: str, *, version: int | None = None) -> AgentState:
        """The agent's current state, or one past ``version`` of it
        (``AgentStateNotFound`` when there is none)."""
        values.name(agent, "agent")
        _version(version)
        async with self.db.transaction(readonly=True) as conn:
            return await store.get(conn, namespace, agent, version)

    async def history(
        self, namespace: str, agent: str, *, before: int | None = None, limit: int = 100
    ) -> list[AgentState]:
        """The agent's versions, newest first (below version ``before`` when given)."""
        values.name(agent, "agent")
        _version(before)
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000")
        async with self.db.transaction(readonly=True) as conn:
            return await store.history(conn, namespace, agent, before=before, limit=limit)

    async def reset(
        self, namespace: str, agent: str, *, expected_version: int | None = None
    ) -> AgentState:
        """Clear the agent's state: a new version with null state; history stays."""
        values.name(agent, "agent")
        _version(expected_version)
        async with self.db.transaction() as conn:
            return await store.delete(conn, namespace, agent, expected_version)

    async def agents(self, namespace: str) -> list[AgentSummary]:
        """The agents with state in ``namespace``."""
        async with self.db.transaction(readonly=True) as conn:
            return await store.agents(conn, namespace)

    async def set_scratch(
        self,
        namespace: str,
        agent: str,
        key: str,
        value: JsonValue,
        *,
        ttl_s: float | None = None,
    ) -> ScratchEntry:
        """Set a scratch key that disappears ``ttl_s`` seconds from now (never without)."""
        values.name(agent, "agent")
        values.name(key, "key")
        values.document(value, "value")
        if ttl_s is not None and not (math.isfinite(ttl_s) and 0 < ttl_s <= MAX_TTL_S):
            raise InvalidInput(f"ttl_s must be a number of seconds in (0, {MAX_TTL_S:g}]")
        async with self.db.transaction() as conn:
            return await store.scratch_put(conn, namespace, agent, key, value, ttl_s)

    async def scratch(self, namespace: str, agent: str, key: str) -> ScratchEntry:
        """A live scratch key (``ScratchKeyNotFound`` when absent or expired)."""
        values.name(agent, "agent")
        values.name(key, "key")
        async with self.db.transaction(readonly=True) as conn:
            return await store.scratch_get(conn, namespace, agent, key)

    async def scratch_keys(self, namespace: str, agent: str) -> list[ScratchEntry]:
        """The agent's live scratch keys."""
        values.name(agent, "agent")
        async with self.db.transaction(readonly=True) as conn:
            return await store.scratch_list(conn, namespace, agent)

    async def delete_scratch(self, namespace: str, agent: str, key: str) -> bool:
        """Delete a scratch key; whether a live one was there."""
        values.name(agent, "agent")
        values.name(key, "key")
        async with self.db.transaction() as conn:
            return await store.scratch_delete(conn, namespace, agent, key)


def _version(version: int | None) -> None:
    if version is not None and not 0 <= version < 2**63:
        raise InvalidInput("a version is a whole number from 0")
