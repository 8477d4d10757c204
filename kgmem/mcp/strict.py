"""An MCP server that refuses arguments its tools do not take, and names the error of
arguments it cannot read with REST's code.

The SDK builds each tool's argument model from the function's signature and drops
arguments it does not know, so a misspelled one (``speakr``, ``ttl``) would be
silently lost where REST answers 422. Here a call naming one is refused with
``invalid_request`` and the arguments the tool takes, as REST refuses unknown fields;
an argument of the wrong type or out of range is refused ``invalid_request`` (an
unreadable time ``invalid_timestamp``) as REST refuses that field. Every refusal reads
``code: detail``, without the SDK's "Error executing tool" prefix. A call refused
while the database is away runs again by itself (``kgmem.mcp.transient``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp_types import CallToolResult, InputRequiredResult
from pydantic import ValidationError

from kgmem.errors import refused_input
from kgmem.mcp import transient


class StrictServer(MCPServer):
    """``MCPServer`` whose tools refuse unknown arguments."""

    _taken: dict[str, frozenset[str]] | None = None

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        taken = (await self._arguments()).get(name)
        unknown = sorted(set(arguments) - taken) if taken is not None else []
        if unknown:
            raise ToolError(
                f"invalid_request: {name} takes no argument {', '.join(map(repr, unknown))}; "
                f"its arguments are {', '.join(sorted(taken or ()))}"
            )
        for attempt in range(1, transient.ATTEMPTS + 1):
            try:
                return await super().call_tool(name, arguments, context)
            except UnexpectedToolError:
                raise  # a crash: the SDK logs it and tells the caller no more
            except ToolError as exc:
                wait = transient.wait_before_retry(exc)
                if wait is None or attempt == transient.ATTEMPTS:
                    raise _coded(name, exc) from exc.__cause__
            await asyncio.sleep(wait)  # the database is away: nothing was written
        raise AssertionError("unreachable")

    async def _arguments(self) -> dict[str, frozenset[str]]:
        """Each tool's argument names (the tools are all registered before serving)."""
        if self._taken is None:
            self._taken = {
                t.name: frozenset(t.input_schema.get("properties", {}))
                for t in await self.list_tools()
            }
        return self._taken


def _coded(tool: str, exc: ToolError) -> ToolError:
    """The refusal as ``code: detail``, as every door's refusals read: REST's code for
    arguments that fail validation, the tool's own error without the SDK's prefix."""
    cause = exc.__cause__
    if isinstance(cause, ValidationError):
        error = refused_input(cause.errors(include_url=False))
        return ToolError(f"{error.code}: {error.detail}")
    return ToolError(str(exc).removeprefix(f"Error executing tool {tool}: "))
