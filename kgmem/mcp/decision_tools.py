"""MCP tools for an agent's decision history: record a decision with what it relied
on, ask why a past decision was taken, find decisions whose basis no longer holds."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from kgmem.decisions import Decisions
from kgmem.mcp import results
from kgmem.mcp.door import READ, WRITE, Door, Namespace, reported
from kgmem.mcp.record_arguments import takes_fields_of
from kgmem.model.agent_input import DecisionIn, DecisionListParams


def register(server: MCPServer, door: Door) -> None:
    """Add the decision tools to ``server``."""

    @server.tool(annotations=WRITE)
    @takes_fields_of(DecisionIn)
    async def record_decision(namespace: Namespace, ctx: Context, **fields: Any) -> dict[str, Any]:
        """Record a decision with the facts and episodes (uids from search or
        get_entity) it relied on, so that you can later ask why, and learn when one of
        them stops holding. The arguments are the fields of REST's decision body."""
        door.admit(ctx, "write", namespace)
        write = DecisionIn.model_validate(fields).to_write()
        with reported():
            recorded = await Decisions(door.memory).record(namespace, write)
        return results.record(recorded)

    @server.tool(annotations=READ)
    async def explain_decision(
        namespace: Namespace,
        uid: Annotated[str, Field(min_length=1, description="The decision's uid")],
        ctx: Context,
    ) -> dict[str, Any]:
        """Why a decision was taken: its rationale and options, the facts it relied on
        as they stand now (one summary line each) and the episodes, with concerns for
        whatever has since been closed, refuted, deleted or forgotten."""
        door.admit(ctx, "read", namespace)
        with reported():
            decision, facts, episodes = await Decisions(door.memory).why(namespace, uid)
        return {
            "decision": results.jsonable(decision),
            "facts": [results.fact_line(f) for f in facts],
            "episodes": [str(e.properties.get("text", ""))[:300] for e in episodes],
        }

    @server.tool(annotations=READ)
    @takes_fields_of(DecisionListParams)
    async def list_decisions(namespace: Namespace, ctx: Context, **fields: Any) -> dict[str, Any]:
        """Past decisions, newest first, filtered by agent, time, outcome, a relied-on
        fact; flagged=true lists those whose basis no longer holds, to reconsider. The
        arguments are the parameters of REST's GET .../decisions."""
        door.admit(ctx, "read", namespace)
        query = DecisionListParams.model_validate(fields).to_query()
        with reported():
            found = await Decisions(door.memory).search(namespace, query)
        return {"decisions": results.jsonable(found)}
