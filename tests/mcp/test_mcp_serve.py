"""`kgmem serve` as a user runs it serves MCP at /mcp next to the REST API."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator

import httpx
import pytest

from kgmem import Settings
from tests.fixtures.app import free_port
from tests.mcp.test_mcp_http import mcp_client, payload
from tests.mcp.test_mcp_stdio import stdio_params

pytestmark = pytest.mark.slow


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[str]:
    port = free_port()
    env = stdio_params(settings).env
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kgmem",
        "serve",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                if proc.returncode is not None:
                    raise AssertionError((await proc.stderr.read()).decode())
                try:
                    if (await http.get(f"{url}/livez")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 60)


async def test_kgmem_serve_answers_mcp(served: str, namespace: str) -> None:
    async with mcp_client(served) as client:
        names = payload(await client.call_tool("list_namespaces", {}))["namespaces"]
        found = payload(await client.call_tool("search", {"namespace": namespace, "text": "x"}))
    assert namespace in {n["name"] for n in names}
    assert found == {"hits": []}
