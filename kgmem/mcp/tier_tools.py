"""MCP tools for memory tiers and distillation: set and apply the namespace's tier
policy, archive and restore episodes, search the archive, distil episodes into
summaries and ask where a summary came from."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from kgmem.distill import Distiller
from kgmem.mcp import results
from kgmem.mcp.door import READ, WRITE, Door, Namespace, reported
from kgmem.mcp.record_arguments import takes_fields_of
from kgmem.model.tier_input import ArchiveSearchIn, DistillIn, PolicyIn, UidsIn
from kgmem.model.tier_model import ArchiveHit, Moved, policy_data


def register(server: MCPServer, door: Door) -> None:
    """Add the tier and distillation tools to ``server``."""

    @server.tool(annotations=WRITE)
    async def set_tier_policy(
        namespace: Namespace,
        policy: Annotated[
            PolicyIn, Field(description="The policy's fields to set; the rest take defaults")
        ],
        ctx: Context,
    ) -> dict[str, Any]:
        """Set how episodes are promoted to semantic memory, how their weight in search
        decays with age and idleness, and when they are archived."""
        door.admit(ctx, "write", namespace)
        with reported():
            stored = await door.memory.tiers.set_policy(namespace, policy.to_data())
        return policy_data(stored)

    @server.tool(annotations=WRITE)
    async def apply_tier_policy(namespace: Namespace, ctx: Context) -> dict[str, Any]:
        """Promote and archive what the policy says now; returns what changed and the
        episodes per tier. Safe to call at any time (idempotent)."""
        door.admit(ctx, "write", namespace)
        with reported():
            report = await door.memory.tiers.apply(namespace)
        return results.record(report)

    @server.tool(annotations=WRITE)
    @takes_fields_of(UidsIn)
    async def archive_episodes(namespace: Namespace, ctx: Context, **fields: Any) -> dict[str, Any]:
        """Take episodes out of search (they stay stored; restore_episodes undoes it);
        `uids`: those this call archived."""
        return results.record(await _moved(door, ctx, namespace, fields, archive=True))

    @server.tool(annotations=WRITE)
    @takes_fields_of(UidsIn)
    async def restore_episodes(namespace: Namespace, ctx: Context, **fields: Any) -> dict[str, Any]:
        """Put archived episodes back into search (their text and vector return to the
        indexes; `uids`: those this call restored)."""
        return results.record(await _moved(door, ctx, namespace, fields, archive=False))

    @server.tool(annotations=READ)
    @takes_fields_of(ArchiveSearchIn)
    async def search_archive(namespace: Namespace, ctx: Context, **fields: Any) -> dict[str, Any]:
        """Search the archived episodes, which ordinary search no longer returns."""
        door.admit(ctx, "read", namespace)
        params = ArchiveSearchIn.model_validate(fields)
        with reported():
            found = await door.memory.tiers.search_archive(namespace, params.text, params.k)
        return {"hits": results.jsonable([ArchiveHit(e, s) for e, s in found])}

    @server.tool(annotations=WRITE)
    @takes_fields_of(DistillIn)
    async def distill_episodes(namespace: Namespace, ctx: Context, **fields: Any) -> dict[str, Any]:
        """Consolidate episodes (`episodes`, or those not distilled yet) into summaries
        (abstractive: with facts, by the LLM within the llm-tokens budget), linked to
        their episodes. The arguments are the fields of REST's distill body."""
        door.admit(ctx, "write", namespace)
        request = DistillIn.model_validate(fields).to_request()
        with reported():
            made = await Distiller(door.memory).distill(namespace, request)
        return results.record(made)

    @server.tool(annotations=READ)
    async def summary_provenance(
        namespace: Namespace,
        uid: Annotated[str, Field(min_length=1, description="The summary's uid")],
        ctx: Context,
    ) -> dict[str, Any]:
        """Where a distilled summary came from: its episodes still remembered, its
        sources with their reliability, its support and trust."""
        door.admit(ctx, "read", namespace)
        with reported():
            found = await Distiller(door.memory).provenance(namespace, uid)
        return results.record(found)


async def _moved(
    door: Door, ctx: Context, namespace: str, fields: dict[str, Any], *, archive: bool
) -> Moved:
    """Archive (or restore) the episodes ``fields`` name; REST's answer: those this call
    moved."""
    door.admit(ctx, "write", namespace)
    uids = UidsIn.model_validate(fields).uids
    tiers = door.memory.tiers
    with reported():
        moved = await (tiers.archive if archive else tiers.restore)(namespace, uids)
    return Moved(tuple(moved))
