"""Every time argument of every MCP tool, read from the tools' own input schemas: a time
kgmem cannot hold is refused with an error naming the argument, as REST refuses it
(tests/server/test_time_limits.py)."""

from __future__ import annotations

from typing import Any

from tests.mcp.test_mcp_http import error_text, mcp_client
from tests.server.test_time_limits import time_paths

OUT_OF_RANGE = ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00Z")
# What each tool's other required arguments get.
REQUIRED = {
    "query": "Alice",
    "text": "Alice joined Acme.",
    "budget": "tokens",
    "episodes": [],
    "uid": "alice",
}


def _arguments(schema: dict[str, Any], namespace: str, path: str, value: str) -> dict[str, Any]:
    head, _, rest = path.partition(".")
    args: dict[str, Any] = {"namespace": namespace}
    args |= {k: REQUIRED[k] for k in schema.get("required", []) if k not in ("namespace", head)}
    if rest:  # a field of an object argument: its other required fields from REQUIRED
        inner = schema["properties"][head]
        defs = schema.get("$defs", {})
        if "$ref" in inner:
            inner = defs[inner["$ref"].rsplit("/", 1)[-1]]
        args[head] = {k: REQUIRED[k] for k in inner.get("required", [])} | {rest: value}
    else:
        args[head] = value
    return args


async def test_a_time_no_argument_can_hold_is_refused_naming_it(
    live_url: str, namespace: str
) -> None:
    async with mcp_client(live_url) as client:
        tools = (await client.list_tools()).tools
        found = [
            (t, p)
            for t in tools
            for p in time_paths(t.input_schema, t.input_schema.get("$defs", {}))
            if "[]" not in p
        ]
        assert {t.name for t, _ in found} >= {"search", "get_context", "add_episode"}
        for tool, path in found:
            for value in OUT_OF_RANGE:
                args = _arguments(tool.input_schema, namespace, path, value)
                answer = await client.call_tool(tool.name, args)
                assert answer.is_error, f"{tool.name} {path}={value} was accepted"
                text = error_text(answer)
                assert path.rsplit(".", 1)[-1] in text, f"{tool.name} {path}={value}: {text}"
