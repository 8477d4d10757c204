"""MCP tools for what an agent keeps besides the graph: its state (versioned, with
optimistic concurrency), scratch keys that expire, and budgets it spends from."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field

from kgmem.agent_model import TransactionWrite
from kgmem.mcp import results
from kgmem.mcp.door import Door, reported
from kgmem.model.times import Instant

Namespace = Annotated[str, Field(description="The namespace (memory) to use; see list_namespaces")]
Agent = Annotated[str, Field(min_length=1, description="Your agent name, e.g. 'planner'")]
READ = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
WRITE = ToolAnnotations(readOnlyHint=False, destructiveHint=False, openWorldHint=False)


def register(server: MCPServer, door: Door) -> None:
    """Add the state and budget tools to ``server``."""
    _state(server, door)
    _scratch(server, door)
    _budgets(server, door)


def _state(server: MCPServer, door: Door) -> None:
    @server.tool(annotations=READ)
    async def get_agent_state(
        namespace: Namespace,
        agent: Agent,
        ctx: Context,
        version: Annotated[int | None, Field(ge=1, description="A past version")] = None,
    ) -> dict[str, Any]:
        """Your saved state (any JSON) and its version. Keep the version: pass it as
        expected_version to save_agent_state so a concurrent change is not overwritten."""
        door.admit(ctx, "read", namespace)
        with reported():
            state = await door.memory.agent_states.get(namespace, agent, version=version)
        return results.record(state)

    @server.tool(annotations=WRITE)
    async def save_agent_state(
        namespace: Namespace,
        agent: Agent,
        state: Annotated[Any, Field(description="Your whole new state, any JSON value")],
        ctx: Context,
        expected_version: Annotated[
            int | None, Field(ge=0, description="The version you read (0: none yet)")
        ] = None,
    ) -> dict[str, Any]:
        """Save your state as a new version; it survives restarts. With
        expected_version, the save is refused (stale_version) when someone saved since
        you read: read again, merge, save again."""
        door.admit(ctx, "write", namespace)
        with reported():
            saved = await door.memory.agent_states.put(
                namespace, agent, state, expected_version=expected_version
            )
        return results.record(saved)

    @server.tool(annotations=READ)
    async def agent_state_history(
        namespace: Namespace,
        agent: Agent,
        ctx: Context,
        limit: Annotated[int, Field(ge=1, le=100)] = 10,
    ) -> dict[str, Any]:
        """Your past states, newest first, with their versions and times."""
        door.admit(ctx, "read", namespace)
        with reported():
            found = await door.memory.agent_states.history(namespace, agent, limit=limit)
        return {"versions": results.jsonable(found)}


def _scratch(server: MCPServer, door: Door) -> None:
    @server.tool(annotations=WRITE)
    async def set_scratch(
        namespace: Namespace,
        agent: Agent,
        key: Annotated[str, Field(min_length=1)],
        value: Annotated[Any, Field(description="Any JSON value")],
        ctx: Context,
        ttl_s: Annotated[float | None, Field(gt=0, description="Seconds it lives")] = None,
    ) -> dict[str, Any]:
        """Keep a short-lived note (a draft, a cursor, a lock) under `key`; it is gone
        after ttl_s seconds (kept until deleted without)."""
        door.admit(ctx, "write", namespace)
        with reported():
            entry = await door.memory.agent_states.set_scratch(
                namespace, agent, key, value, ttl_s=ttl_s
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
    async def record_spend(  # noqa: PLR0913 - one argument per ledger field
        namespace: Namespace,
        agent: Agent,
        budget: Annotated[str, Field(min_length=1, description="The budget's name")],
        amount: Annotated[float, Field(gt=0)],
        ctx: Context,
        *,
        kind: Literal["spend", "refund"] = "spend",
        idempotency_key: Annotated[
            str | None, Field(description="Same key again: recorded once")
        ] = None,
        memo: str = "",
    ) -> dict[str, Any]:
        """Spend `amount` from a budget (or refund it). Refused whole (budget_exceeded)
        when the budget or your share would be overdrawn; check budget_balance first.
        Give an idempotency_key so a retry never spends twice."""
        door.admit(ctx, "write", namespace)
        write = TransactionWrite(
            kind, amount, agent=agent, idempotency_key=idempotency_key, memo=memo
        )
        with reported():
            posted = await door.memory.budgets.post(namespace, budget, write)
        return results.record(posted)

    @server.tool(annotations=READ)
    async def budget_balance(
        namespace: Namespace,
        budget: Annotated[str, Field(min_length=1)],
        ctx: Context,
        agent: Annotated[str | None, Field(description="Also this agent's spend")] = None,
        as_of: Annotated[Instant | None, Field(description="As it stood then")] = None,
    ) -> dict[str, Any]:
        """What a budget has granted, spent and available (and an agent's share)."""
        door.admit(ctx, "read", namespace)
        with reported():
            found = await door.memory.budgets.balance(namespace, budget, agent=agent, as_of=as_of)
        return results.record(found)
