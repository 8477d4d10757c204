"""MCP over streamable HTTP, for a host ASGI app to serve at ``/mcp``.

Each request is authenticated like a REST request (a key as ``Authorization: Bearer``
or ``X-API-Key``; without keys, loopback clients only) before the SDK sees it; the
tools then read the caller from the request. Authentication failures are raised as
kgmem errors for the host app to answer as problems, and so is a key past its request
rate (``kgmem.keys.quotas``: 429 ``rate_limited``). Sessions are stateless, so any worker
process can answer any request, and there is no session for a key to hold open.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from kgmem.access import Principal, identify, is_loopback
from kgmem.errors import Forbidden
from kgmem.mcp.door import Door
from kgmem.mcp.tools import build_server
from kgmem.memory import Memory

_PRINCIPAL = "kgmem_principal"
_LOCAL_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class McpEndpoint:
    """The ASGI endpoint serving MCP for ``memory`` (run it inside ``running()``)."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self.server = build_server(Door(memory, caller_of))
        # The SDK's own host check is replaced by ours: it matters only for keyless
        # local callers (a web page resolving a name to 127.0.0.1), see __call__.
        self.server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        self.manager = self.server.session_manager

    @asynccontextmanager
    async def running(self) -> AsyncIterator[McpEndpoint]:
        """Serve requests while inside."""
        async with self.manager.run():
            yield self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        presented = _presented(request)
        client = request.client.host if request.client else None
        who = await identify(self.memory, presented, local=is_loopback(client))
        if who.key is None and request.url.hostname not in _LOCAL_NAMES:
            raise Forbidden(
                "without an API key, MCP is served only to http://127.0.0.1 or localhost"
            )
        self.memory.quotas.spend(who.key.id if who.key is not None else None)
        state = {**scope.get("state", {}), _PRINCIPAL: who}
        await self.manager.handle_request({**scope, "state": state}, receive, send)


def caller_of(ctx: Context[Any, Any]) -> Principal:
    """The principal ``McpEndpoint`` admitted for the request a tool serves."""
    request = ctx.request_context.request
    state = request.scope.get("state", {}) if isinstance(request, Request) else {}
    who = state.get(_PRINCIPAL)
    if not isinstance(who, Principal):
        raise Forbidden("the MCP request was not authenticated")
    return who


def _presented(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key") or None
