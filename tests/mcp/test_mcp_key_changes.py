"""Open MCP sessions follow their key (``kgmem.keys.key_watch``): revoked or narrowed by
another process, or a namespace deleted elsewhere, the next tool call within a second
gets what a new request with that key gets, over streamable HTTP and over stdio."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client, MCPError

from kgmem import Memory
from tests.fixtures.database import store_settings
from tests.fixtures.key_changes import (
    Served,
    regrant_elsewhere,
    revoke_elsewhere,
    served_store,
    within,
)
from tests.mcp.test_mcp_http import error_text, mcp_client
from tests.mcp.test_mcp_stdio import stdio_client

SEARCH = {"namespace": "alpha", "text": "anything"}


@pytest.fixture
async def keyed(fresh_database, tmp_path: Path) -> AsyncIterator[Served]:  # type: ignore[no-untyped-def]
    """A real server over a store of its own (its keys affect no other test)."""
    url = await fresh_database()
    async with served_store(url, store_settings(url, tmp_path), ("alpha",)) as served:
        yield served


async def new_request(base: str, secret: str) -> httpx.Response:
    """What a new MCP request presenting ``secret`` is answered."""
    async with httpx.AsyncClient() as http:
        return await http.post(
            f"{base}/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={
                "Accept": "application/json, text/event-stream",
                "Authorization": f"Bearer {secret}",
            },
        )


async def refusal(client: Client, tool: str, arguments: dict[str, Any]) -> str | None:
    """How a call is refused: the MCP error's text, a tool error's text, or None."""
    try:
        result = await client.call_tool(tool, arguments)
    except MCPError as exc:
        return f"mcp error: {exc}"
    return error_text(result) if result.is_error else None


async def test_an_open_session_of_a_revoked_key_is_refused_within_a_second(
    keyed: Served,
) -> None:
    issued = await keyed.memory.create_key("doomed", ["read"])
    async with mcp_client(keyed.url, issued.secret) as client:
        assert await refusal(client, "search", SEARCH) is None
        await revoke_elsewhere(keyed.database_url, issued.key.id)
        took = await within(1.0, lambda: _is_refused(client, "search", SEARCH))
        refused = await refusal(client, "list_namespaces", {})
    print(f"mcp http: revoked key refused after {took:.3f} s ({refused})")
    fresh = await new_request(keyed.url, issued.secret)
    assert fresh.status_code == 401 and fresh.json()["code"] == "unauthenticated"
    assert refused is not None and "mcp error" in refused


async def test_a_grant_no_longer_covering_the_namespace_is_refused_there(keyed: Served) -> None:
    issued = await keyed.memory.create_key("narrowed", ["read"], ["alpha"])
    async with mcp_client(keyed.url, issued.secret) as client:
        assert await refusal(client, "search", SEARCH) is None
        await regrant_elsewhere(keyed.database_url, issued.key.id, ["beta"])
        took = await within(1.0, lambda: _is_refused(client, "search", SEARCH))
        refused = await refusal(client, "search", SEARCH)
    print(f"mcp http: narrowed grant refused after {took:.3f} s")
    async with mcp_client(keyed.url, issued.secret) as client:
        assert await refusal(client, "search", SEARCH) == refused
    assert refused is not None and "forbidden:" in refused and "alpha" in refused


async def test_a_namespace_deleted_elsewhere_is_not_found(keyed: Served, tmp_path: Path) -> None:
    issued = await keyed.memory.create_key("reader", ["read"])
    other = await Memory.open(store_settings(keyed.database_url, tmp_path / "other"))
    try:
        async with mcp_client(keyed.url, issued.secret) as client:
            assert await refusal(client, "search", SEARCH) is None
            await other.delete_namespace("alpha")
            took = await within(1.0, lambda: _is_refused(client, "search", SEARCH))
            refused = await refusal(client, "search", SEARCH)
    finally:
        await other.close()
    print(f"mcp http: deleted namespace refused after {took:.3f} s")
    assert refused is not None and "namespace_not_found:" in refused


@pytest.mark.slow
async def test_a_stdio_session_of_a_revoked_key_is_refused_within_a_second(
    keyed: Served,
) -> None:
    issued = await keyed.memory.create_key("doomed", ["read"])
    settings = keyed.memory.settings
    async with stdio_client(settings, KGMEM_API_KEY=issued.secret) as client:
        assert await refusal(client, "search", SEARCH) is None
        revoked = await revoke_elsewhere(keyed.database_url, issued.key.id)
        took = await within(1.0, lambda: _is_refused(client, "search", SEARCH))
        refused = await refusal(client, "list_namespaces", {})
        since = time.monotonic() - revoked
    print(f"mcp stdio: revoked key refused after {took:.3f} s")
    assert since < 2.0
    assert refused is not None and "unauthenticated:" in refused


async def _is_refused(client: Client, tool: str, arguments: dict[str, Any]) -> bool:
    return await refusal(client, tool, arguments) is not None
