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

_TAG_DESCRIPTIONS = {
    "namespaces": "Tenants: each namespace is its own graph.",
    "entities": "Vertices by uid, with their facts and timelines.",
    "facts": "Bi-temporal fact edges: add, list, close, delete.",
    "batch": "Many entities and facts in one transaction.",
    "episodes": "Raw memories, the pipeline that builds the graph "
    "from them, merges and communities.",
    "search": "Hybrid retrieval along every axis, fused.",
    "context": "Ready-to-use memory blocks for prompts.",
    "causal": "Causes and effects along causal edges.",
    "verification": "Trust, consensus and source reliability.",
    "cypher": "Analyst openCypher and named queries.",
    "import and export": "Bulk loads and streamed dumps.",
    "live": "Committed changes as server-sent events.",
    "agents": "Agents' versioned state and expiring scratch keys.",
    "budgets": "Budgets on an append-only double-entry ledger.",
    "decisions": "Agents' decisions and the facts they relied on.",
    "memory tiers": "Working, episodic and semantic memory: promotion, decay, archive, "
    "and distillation of episodes into summaries and facts.",
    "health": "Health, liveness and metrics (no key needed).",
}
# The tag groups, in the order the documentation pages show them.
TAGS: list[dict[str, str]] = [
    {"name": name, "description": text} for name, text in _TAG_DESCRIPTIONS.items()
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
