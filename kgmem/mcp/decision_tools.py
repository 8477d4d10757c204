"""MCP tools for an agent's decision history: record a decision with what it relied
on, ask why a past decision was taken, find decisions whose basis no longer holds."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field

from kgmem.agent_model import DecisionQuery, DecisionWrite
from kgmem.decisions import Decisions
from kgmem.mcp import results
from kgmem.mcp.door import Door, reported

Namespace = Annotated[str, Field(description="The namespace (memory) to use; see list_namespaces")]
Agent = Annotated[str, Field(min_length=1, description="Your agent name, e.g. 'planner'")]
READ = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
WRITE = ToolAnnotations(readOnlyHint=False, destructiveHint=False, openWorldHint=False)


def register(server: MCPServer, door: Door) -> None:
    """Add the decision tools to ``server``."""

    @server.tool(annotations=WRITE)
    async def record_decision(  # noqa: PLR0913 - one argument per part of a decision
        namespace: Namespace,
        agent: Agent,
        decision: Annotated[str, Field(min_length=1, description="What you decided")],
        ctx: Context,
        *,
        rationale: str = "",
        options: Annotated[list[Any] | None, Field(description="Options you weighed")] = None,
        facts: Annotated[list[str] | None, Field(description="Uids of facts relied on")] = None,
        episodes: Annotated[list[str] | None, Field(description="Episode uids relied on")] = None,
    ) -> dict[str, Any]:
        """Record a decision with the facts and episodes (uids from search or
        get_entity) it relied on, so that you can later ask why, and learn when one of
        them stops holding."""
        door.admit(ctx, "write", namespace)
        write = DecisionWrite(
            agent,
            decision,
            rationale,
            tuple(options or ()),
            tuple(facts or ()),
            tuple(episodes or ()),
        )
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
    async def list_decisions(
        namespace: Namespace,
        ctx: Context,
        agent: Annotated[str | None, Field(description="Only this agent's")] = None,
        flagged: Annotated[
            bool | None, Field(description="true: only those whose basis no longer holds")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
    ) -> dict[str, Any]:
        """Past decisions, newest first; flagged=true lists those to reconsider."""
        door.admit(ctx, "read", namespace)
        query = DecisionQuery(agent=agent, flagged=flagged, limit=limit)
        with reported():
            found = await Decisions(door.memory).search(namespace, query)
        return {"decisions": results.jsonable(found)}
