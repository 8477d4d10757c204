"""The MCP tools and resources, each calling the core function its REST route calls.

Descriptions are written for a model choosing a tool: what it is for, what comes back,
and what to try when the answer is empty.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

import kgmem
from kgmem.context import build_context
from kgmem.mcp import agent_tools, decision_tools, results, tier_tools
from kgmem.mcp.door import READ, WRITE, Door, Namespace, reported, resource_reported
from kgmem.mcp.record_arguments import takes_fields_of
from kgmem.mcp.strict import StrictServer
from kgmem.model.context_input import ContextIn
from kgmem.model.cypher_input import CypherReadIn
from kgmem.model.episode_input import EpisodeBatchIn, EpisodeIn
from kgmem.model.graph_input import EntityReadIn, TimelineIn
from kgmem.model.search_input import SearchIn, TraceIn
from kgmem.model.verification_input import CandidateIn

Uid = Annotated[str, Field(description="An entity's uid, as search or get_entity returned it")]

INSTRUCTIONS = """kgmem is a long-term memory: a knowledge graph of entities and facts (with
validity in time, trust and sources) built from episodes (conversation turns, notes).
Start with list_namespaces. Before answering from memory, call get_context for a ready
memory block, or search for ranked hits. Store what you learn with add_episode, naming
the entities and facts you already know. Facts can be contradicted: check trust and
status, and use verify_claim before asserting a disputed value."""


def build_server(door: Door) -> MCPServer:
    """An MCP server whose tools serve ``door.memory`` to ``door.caller``."""
    server: MCPServer = StrictServer(
        "kgmem", instructions=INSTRUCTIONS, version=kgmem.__version__, log_level="WARNING"
    )
    _writes(server, door)
    _retrieval(server, door)
    _graph(server, door)
    _resources(server, door)
    agent_tools.register(server, door)
    decision_tools.register(server, door)
    tier_tools.register(server, door)
    return server


def _writes(server: MCPServer, door: Door) -> None:
    @server.tool(annotations=WRITE)
    async def add_episode(namespace: Namespace, episode: EpisodeIn, ctx: Context) -> dict[str, Any]:
        """Remember something: store one episode (a turn, a note) and build the graph from
        it. Name the entities and facts you already know in `episode.entities` and
        `episode.facts`; relative dates ('last May') resolve against reference_time.
        Returns the episode uid, the entities it resolved to and the facts written."""
        door.admit(ctx, "write", namespace)
        with reported():
            [outcome] = await door.memory.add_episodes(namespace, [episode.to_core()])
        return results.record(outcome)

    @server.tool(annotations=WRITE)
    @takes_fields_of(EpisodeBatchIn)
    async def add_episodes(namespace: Namespace, ctx: Context, **fields: Any) -> dict[str, Any]:
        """Remember several episodes at once (all stored or none), built in order. Use
        for a conversation's turns; give them one `session` so they keep their context."""
        door.admit(ctx, "write", namespace)
        batch = EpisodeBatchIn.model_validate(fields)
        with reported():
            outcomes = await door.memory.add_episodes(
                namespace, [e.to_core() for e in batch.episodes]
            )
        return {"episodes": results.jsonable(outcomes)}


def _retrieval(server: MCPServer, door: Door) -> None:
    @server.tool(annotations=READ)
    @takes_fields_of(ContextIn)
    async def get_context(namespace: Namespace, ctx: Context, **fields: Any) -> dict[str, Any]:
        """A ready-to-paste memory block about `query`: current facts with their validity
        and trust, relevant episodes with the surrounding turns of their session, and
        contradictions flagged, within `budget_tokens`. Best first call before answering.
        The arguments are the fields of REST's context body."""
        door.admit(ctx, "read", namespace)
        question = ContextIn.model_validate(fields).to_query()
        with reported():
            block = await build_context(door.memory, namespace, question)
        return results.record(block)

    @server.tool(annotations=READ)
    @takes_fields_of(SearchIn)
    async def search(namespace: Namespace, ctx: Context, **fields: Any) -> dict[str, Any]:
        """Ranked hits (entities, facts, episodes) along any mix of axes, fused: `text`
        (semantic and keyword), `time` ({valid_at, known_at, start, end}), `place`
        ({near: {lat, lon}, radius_km} or {box}), `causal` ({anchor, direction: forward
        for effects, backward for causes}) and `expansion` ({seeds}: graph
        neighbourhood); `filters` ({labels, predicates}) keep only some. The arguments
        are the fields of REST's search body. Each hit has a one-line summary, its fused
        score and per-axis scores with reasons. Empty? Try fewer words, drop filters, or
        get_entity on a uid you know."""
        door.admit(ctx, "read", namespace)
        with reported():
            search_query = SearchIn.model_validate(fields).to_query()
            found = await door.memory.search(namespace, search_query)
        return results.search(found)

    @server.tool(annotations=READ)
    @takes_fields_of(CandidateIn)
    async def verify_claim(namespace: Namespace, ctx: Context, **fields: Any) -> dict[str, Any]:
        """Check a statement before asserting it: the stored facts that support
        `subject predicate value`, those that contradict it, and the trust it gets
        (status verified, contested, unverified or refuted). The arguments are the
        fields of REST's verify body."""
        door.admit(ctx, "read", namespace)
        claim = CandidateIn.model_validate(fields)
        with reported():
            check = await door.memory.check_statement(
                namespace, claim.subject, claim.predicate, claim.value
            )
        return results.record(check)


def _graph(server: MCPServer, door: Door) -> None:
    @server.tool(annotations=READ)
    async def list_namespaces(ctx: Context) -> dict[str, Any]:
        """The namespaces (separate memories) you may use, with their descriptions."""
        who = door.admit(ctx, "read", None)
        only = sorted(who.namespaces) if who.namespaces is not None else None
        with reported():
            found = await door.memory.list_namespaces(only)
        return {"namespaces": results.jsonable(found)}

    @server.tool(annotations=READ)
    @takes_fields_of(EntityReadIn)
    async def get_entity(
        namespace: Namespace, uid: Uid, ctx: Context, **fields: Any
    ) -> dict[str, Any]:
        """One entity with its facts (outgoing and incoming), each with validity and trust.
        The arguments are the parameters of REST's GET .../entities/{uid}."""
        door.admit(ctx, "read", namespace)
        with reported():
            params = EntityReadIn.model_validate(fields)
            detail = await door.memory.get_entity(
                namespace,
                uid,
                include_closed=params.include_closed,
                facts_limit=params.facts_limit,
                known_at=params.known_at,
            )
        return results.entity(detail)

    @server.tool(annotations=READ)
    @takes_fields_of(TimelineIn)
    async def timeline(
        namespace: Namespace, uid: Uid, ctx: Context, **fields: Any
    ) -> dict[str, Any]:
        """The history of an entity: every fact about it, closed ones too, in valid-time
        order with when each was recorded and closed. Use for 'what changed, when'. The
        arguments are the parameters of REST's GET .../entities/{uid}/timeline."""
        door.admit(ctx, "read", namespace)
        params = TimelineIn.model_validate(fields)
        with reported():
            entries = await door.memory.timeline(namespace, uid, **params.model_dump())
        return {
            "uid": uid,
            "entries": [
                {"direction": e.direction, "summary": results.fact_line(e.fact)}
                | {"fact": results.jsonable(e.fact)}
                for e in entries
            ],
        }

    @server.tool(annotations=READ)
    @takes_fields_of(TraceIn)
    async def trace(namespace: Namespace, ctx: Context, **fields: Any) -> dict[str, Any]:
        """Causal chains from an entity or event (`anchor`): its effects (`direction`
        forward) or its causes (backward) along causal edges, strongest first (a path's
        strength is the product along it), up to `depth` hops and `limit` paths. A step
        whose cause starts after its effect is flagged cause_after_effect. The arguments
        are the parameters of REST's GET .../causal/trace."""
        door.admit(ctx, "read", namespace)
        with reported():
            params = TraceIn.model_validate(fields)
            query = params.to_query()
            paths = await door.memory.causal_trace(namespace, query)
        found = results.jsonable(paths[: params.limit])
        return {"anchor": query.anchor, "direction": query.direction, "paths": found}

    @server.tool(annotations=READ)
    @takes_fields_of(CypherReadIn)
    async def cypher_read(namespace: Namespace, ctx: Context, **fields: Any) -> dict[str, Any]:
        """Run a read-only openCypher query on the namespace's graph, e.g.
        `MATCH (p:Person)-[r:WORKS_AT]->(o) RETURN p.name, o.name`. Vertices carry
        uid and name; fact edges carry valid_from, valid_to and expired_at. Writes are
        refused. Returns columns, rows and whether the row cap cut the answer. The
        arguments are the fields of REST's cypher body, read mode only."""
        who = door.admit(ctx, "read", namespace)
        read = CypherReadIn.model_validate(fields)
        with reported(who):
            result = await door.memory.cypher(
                namespace, read.query, read.params, mode="read", limit=read.limit
            )
        return {
            "columns": result.columns,
            "rows": results.jsonable(result.rows),
            "truncated": result.truncated,
        }


def _resources(server: MCPServer, door: Door) -> None:
    @server.resource(
        "kgmem://namespaces/{namespace}/stats",
        name="namespace_stats",
        mime_type="application/json",
    )
    async def namespace_stats(namespace: str, ctx: Context) -> dict[str, Any]:
        """Counts per label, facts current and closed, embeddings and bytes on disk."""
        with resource_reported():
            door.allowed(ctx, "read", namespace)
            stats = await door.memory.namespace_stats(namespace)
        return results.record(stats)

    @server.resource(
        "kgmem://namespaces/{namespace}/schema",
        name="graph_schema",
        mime_type="application/json",
    )
    async def graph_schema(namespace: str, ctx: Context) -> dict[str, Any]:
        """The graph schema: entity types and predicates with their properties, which
        predicates are functional (one value at a time) or causal, and the labels the
        namespace uses now with their counts."""
        with resource_reported():
            door.allowed(ctx, "read", namespace)
            stats = await door.memory.namespace_stats(namespace)
        return results.schema(door.memory.schema, stats)
