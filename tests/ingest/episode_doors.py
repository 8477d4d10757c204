"""Episodes sent the way a user sends them, over REST and over MCP, for tests that
check both doors answer alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from tests.mcp.test_mcp_http import mcp_client, payload


async def over_rest(
    http: httpx.AsyncClient, namespace: str, episodes: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each episode POSTed in turn; the answers (each must be 201)."""
    answers = []
    for episode in episodes:
        r = await http.post(f"/v1/namespaces/{namespace}/episodes", json=episode)
        assert r.status_code == 201, r.text
        answers.append(r.json())
    return answers


async def over_mcp(
    url: str, namespace: str, episodes: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each episode sent with MCP's ``add_episode`` tool in turn; the answers."""
    async with mcp_client(url) as client:
        return [
            payload(await client.call_tool("add_episode", {"namespace": namespace, "episode": e}))
            for e in episodes
        ]
