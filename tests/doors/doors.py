"""The front doors of one running server, each asked the same thing: REST over httpx,
MCP through the SDK's client, and ``kgmem.client``; each answer is an ``Outcome``.

The client's requests go through a transport that keeps the JSON it sent, so a test
can check the client names the fields as the model does.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from mcp import Client as McpClient
from pydantic import ValidationError

from kgmem.client import ApiError, AsyncClient
from kgmem.errors import refused_input
from tests.mcp.test_mcp_http import mcp_client

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """Accepted with an answer, or refused with a stable error code."""

    code: str | None
    answer: Any = None

    @property
    def accepted(self) -> bool:
        return self.code is None


class Recording(httpx.AsyncHTTPTransport):
    """The real HTTP transport, keeping each request's JSON body."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[Any] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        self.bodies.append(json.loads(content) if content else None)
        return await super().handle_async_request(request)


@dataclass
class Doors:
    http: httpx.AsyncClient
    mcp: McpClient
    client: AsyncClient
    sent: Recording = field(default_factory=Recording)

    async def rest(self, method: str, path: str, body: Any = None) -> Outcome:
        """``method path`` with a JSON ``body`` over REST."""
        response = await self.http.request(method, path, json=body)
        if response.is_success:
            return Outcome(None, response.json() if response.content else None)
        return Outcome(str(response.json()["code"]))

    async def rest_query(self, path: str, params: dict[str, Any]) -> Outcome:
        """GET ``path`` with ``params`` as its query string over REST."""
        response = await self.http.get(path, params=params)
        if response.is_success:
            return Outcome(None, response.json())
        return Outcome(str(response.json()["code"]))

    async def tool(self, name: str, arguments: dict[str, Any]) -> Outcome:
        """The MCP tool ``name``; a refusal reads ``code: detail``."""
        result = await self.mcp.call_tool(name, arguments)
        text = result.content[0].text  # type: ignore[union-attr]
        if result.is_error:
            return Outcome(text.split(":", 1)[0])
        return Outcome(None, json.loads(text))

    async def call(self, make: Callable[[], Awaitable[T]]) -> Outcome:
        """A client call; refused by the server (``ApiError``) or, for input the
        model's record cannot read, by the record's own validation."""
        try:
            return Outcome(None, await make())
        except ApiError as exc:
            return Outcome(exc.code)
        except ValidationError as exc:
            return Outcome(refused_input(exc.errors(include_url=False)).code)


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Doors]:
    """The three doors of the server at ``url``."""
    sent = Recording()
    async with (
        httpx.AsyncClient(base_url=url, timeout=60) as http,
        mcp_client(url) as mcp,
        AsyncClient(url, transport=sent) as client,
    ):
        yield Doors(http, mcp, client, sent)
