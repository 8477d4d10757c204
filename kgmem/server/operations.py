"""What the OpenAPI document says about each operation beyond its code: a stable,
readable id, the tag groups, and examples (``kgmem.server.examples``).

An operation's id is its handler's name unless ``RENAMED`` gives a clearer one; ids are
what generated clients name their methods after, so they change only on purpose (the
OpenAPI snapshot pins them).
"""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute

from kgmem.server import examples

RENAMED: dict[str, str] = {
    "timeline": "entity_timeline",
    "trace": "trace_causal_paths",
    "merge": "merge_entities",
    "merges": "list_merges",
    "unmerge": "undo_merge",
    "list_queries": "list_named_queries",
    "run_query": "run_named_query",
    "export": "export_namespace",
    "events": "stream_events",
}

TAGS: list[dict[str, str]] = [
    {"name": "namespaces", "description": "Tenants: each namespace is its own graph."},
    {"name": "entities", "description": "Vertices by uid, with their facts and timelines."},
    {"name": "facts", "description": "Bi-temporal fact edges: add, list, close, delete."},
    {"name": "batch", "description": "Many entities and facts in one transaction."},
    {
        "name": "episodes",
        "description": "Raw memories, the pipeline that builds the graph "
        "from them, merges and communities.",
    },
    {"name": "search", "description": "Hybrid retrieval along every axis, fused."},
    {"name": "context", "description": "Ready-to-use memory blocks for prompts."},
    {"name": "causal", "description": "Causes and effects along causal edges."},
    {"name": "verification", "description": "Trust, consensus and source reliability."},
    {"name": "cypher", "description": "Analyst openCypher and named queries."},
    {"name": "import and export", "description": "Bulk loads and streamed dumps."},
    {"name": "live", "description": "Committed changes as server-sent events."},
    {"name": "agents", "description": "Agents' versioned state and expiring scratch keys."},
    {"name": "budgets", "description": "Budgets on an append-only double-entry ledger."},
    {"name": "decisions", "description": "Agents' decisions and the facts they relied on."},
    {
        "name": "memory tiers",
        "description": "Working, episodic and semantic memory: promotion, decay, archive, "
        "and distillation of episodes into summaries and facts.",
    },
    {"name": "health", "description": "Health, liveness and metrics (no key needed)."},
]


def operation_id(route: APIRoute) -> str:
    """The operation id of ``route``."""
    return RENAMED.get(route.name, route.name)


def add_examples(schema: dict[str, Any]) -> None:
    """Put the request, response and parameter examples into ``schema`` in place."""
    for operation in (op for path in schema["paths"].values() for op in path.values()):
        name = operation["operationId"]
        for parameter in operation.get("parameters", []):
            if parameter["name"] in examples.PARAMETERS:
                parameter["example"] = examples.PARAMETERS[parameter["name"]]
        for media in operation.get("requestBody", {}).get("content", {}).values():
            if name in examples.REQUESTS:
                media["example"] = examples.REQUESTS[name]
        for status, response in operation.get("responses", {}).items():
            if status.startswith("2") and name in examples.RESPONSES:
                _response_example(response, examples.RESPONSES[name])


def _response_example(response: dict[str, Any], example: Any) -> None:
    content = response.get("content", {})
    if not content:
        return
    media = "application/x-ndjson" if "application/x-ndjson" in content else next(iter(content))
    content[media]["example"] = example
