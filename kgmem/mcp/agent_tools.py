"""MCP tools for what an agent keeps besides the graph: its state (versioned, with
optimistic concurrency), scratch keys that expire, and budgets it spends from.

Each tool takes the fields of the record REST's route reads (``kgmem.model.agent_input``),
so its arguments are named, bounded and defaulted as REST's."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from kgmem.mcp import results
from kgmem.mcp.door import READ, WRITE, Door, Namespace, reported
from kgmem.mcp.record_arguments import takes_fields_of
from kgmem.model.agent_input import (
    BalanceParams,
    ScratchIn,
    StateHistoryParams,
    StateIn,
    StateReadParams,
    TransactionIn,
)

Agent = Annotated[str, Field(min_length=1, description="Your agent name, e.g. 'planner'")]
Budget = Annotated[str, Field(min_length=1, description="The budget's name")]


def register(server: MCPServer, door: Door) -> None:
    """Add the state and budget tools to ``server``."""
    _state(server, door)
    _scratch(server, door)
    _budgets(server, door)


def _state(server: MCPServer, door: Door) -> None:
    @server.tool(annotations=READ)
    @takes_fields_of(StateReadParams)
    async def get_agent_state(
        namespace: Namespace, agent: Agent, ctx: Context, **fields: Any
    ) -> dict[str, Any]:
        """Your saved state (any JSON) and its version. Keep the version: pass it as
        expected_version to save_agent_state so a concurrent change is not overwritten."""
        door.admit(ctx, "read", namespace)
        params = StateReadParams.model_validate(fields)
        with reported():
            state = await door.memory.agent_states.get(namespace, agent, version=params.version)
        return results.record(state)

    @server.tool(annotations=WRITE)
    @takes_fields_of(StateIn)
    async def save_agent_state(
        namespace: Namespace, agent: Agent, ctx: Context, **fields: Any
    ) -> dict[str, Any]:
        """Save your state (`state`: your whole new state, any JSON value) as a new
        version; it survives restarts. With expected_version, the save is refused
        (stale_version) when someone saved since you read: read again, merge, save
        again."""
        door.admit(ctx, "write", namespace)
        body = StateIn.model_validate(fields)
        with reported():
            saved = await door.memory.agent_states.put(
                namespace, agent, body.state, expected_version=body.expected_version
            )
        return results.record(saved)

    @server.tool(annotations=READ)
    @takes_fields_of(StateHistoryParams)
    async def agent_state_history(
        namespace: Namespace, agent: Agent, ctx: Context, **fields: Any
    ) -> dict[str, Any]:
        """Your past states, newest first, with their versions and times."""
        door.admit(ctx, "read", namespace)
        params = StateHistoryParams.model_validate(fields)
        with reported():
            found = await door.memory.agent_states.history(
                namespace, agent, before=params.before, limit=params.limit
            )
        return {"versions": results.jsonable(found)}


def _scratch(server: MCPServer, door: Door) -> None:
    @server.tool(annotations=WRITE)
    @takes_fields_of(ScratchIn)
    async def set_scratch(
        namespace: Namespace,
        agent: Agent,
        key: Annotated[str, Field(min_length=1)],
        ctx: Context,
        **fields: Any,
    ) -> dict[str, Any]:
        """Keep a short-lived note (a draft, a cursor, a lock) under `key`; it is gone
        after ttl_s seconds (kept until deleted without)."""
        door.admit(ctx, "write", namespace)
        body = ScratchIn.model_validate(fields)
        with reported():
            entry = await door.memory.agent_states.set_scratch(
                namespace, agent, key, body.value, ttl_s=body.ttl_s
            )
        return results.record(entry)

    @server.tool(annotations=READ)
    async def get_scratch(
        namespace: Namespace,
        agent: Agent,
        ctx: Context,
        key: Annotated[str | None, Field(description="One key; all live keys without")] = None,
    ) -> dict[str, Any]:
        """Your live scratch notes (one key, or all); expired ones are gone."""
        door.admit(ctx, "read", namespace)
        with reported():
            states = door.memory.agent_states
            if key is not None:
                return results.record(await states.scratch(namespace, agent, key))
            found = await states.scratch_keys(namespace, agent)
        return {"keys": results.jsonable(found)}


def _budgets(server: MCPServer, door: Door) -> None:
    @server.tool(annotations=WRITE)
    @takes_fields_of(TransactionIn)
    async def record_spend(
        namespace: Namespace, budget: Budget, ctx: Context, **fields: Any
    ) -> dict[str, Any]:
        """Post a transaction on a budget: `kind` spend (of `amount`, by `agent`),
        refund or grant. A spend is refused whole (budget_exceeded) when the budget or
        the agent's share would be overdrawn; check budget_balance first. Give an
        idempotency_key so a retry never spends twice."""
        door.admit(ctx, "write", namespace)
        write = TransactionIn.model_validate(fields).to_write()
        with reported():
            posted = await door.memory.budgets.post(namespace, budget, write)
        return results.record(posted)

    @server.tool(annotations=READ)
    @takes_fields_of(BalanceParams)
    async def budget_balance(
        namespace: Namespace, budget: Budget, ctx: Context, **fields: Any
    ) -> dict[str, Any]:
        """What a budget has granted, spent and available (and an agent's share)."""
        door.admit(ctx, "read", namespace)
        params = BalanceParams.model_validate(fields)
        with reported():
            found = await door.memory.budgets.balance(
                namespace, budget, agent=params.agent, as_of=params.as_of
            )
        return results.record(found)
