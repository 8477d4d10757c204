"""Every example of the README's "Use kgmem from an agent" section runs as written: the
MCP configurations start or reach a real server, the Python blocks run against one."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from mcp import Client as McpClient
from mcp import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from kgmem import Memory, Settings
from kgmem.server.app import create_app
from tests.fixtures.app import serving
from tests.fixtures.database import store_settings

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
DOC_URL = "http://127.0.0.1:7420"


def section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Use kgmem from an agent")
    end = text.index("\n## ", start + 3)
    return text[start:end]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section(), flags=re.DOTALL)


def test_the_section_has_the_examples_this_file_runs() -> None:
    assert len(blocks("json")) == 3 and len(blocks("python")) == 2


@pytest.fixture
async def keyed(fresh_database, tmp_path: Path) -> AsyncIterator[tuple[Settings, str, str]]:
    """A store with a write key for namespace demo, served on a loopback port."""
    settings = store_settings(await fresh_database(), tmp_path)
    memory = await Memory.open(settings)
    await memory.create_namespace("demo")
    key = await memory.create_key("agent", ["write"], namespaces=["demo"])
    try:
        async with serving(create_app(memory=memory)) as url:
            yield settings, url, key.secret
    finally:
        await memory.close()


async def test_desktop_configuration_starts_kgmem_mcp(keyed) -> None:
    settings, _, secret = keyed
    server = json.loads(blocks("json")[1])["mcpServers"]["kgmem"]
    # As a desktop client starts it: the checkout's absolute path, no virtualenv on PATH.
    command = server["command"].replace("/path/to/kgmem", str(ROOT))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KGMEM_", "VIRTUAL_ENV"))}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    env["KGMEM_VENV"] = str(Path(sys.executable).parents[1])
    env |= {k: v.replace("kgm_...", secret) for k, v in server["env"].items()}
    env |= {
        "PYTHONPATH": str(ROOT),
        "KGMEM_HOME": str(settings.home),
        "KGMEM_DATABASE_URL": settings.database.url.get_secret_value(),
        "KGMEM_EMBEDDING_PROVIDER": "none",
        "KGMEM_EMBEDDING_DIMENSION": str(settings.embedding.dimension),
    }
    params = StdioServerParameters(command=command, args=server["args"], env=env)
    async with McpClient(params, read_timeout_seconds=120) as client:
        listed = await client.call_tool("list_namespaces", {})
    assert (
        not listed.is_error
        and json.loads(listed.content[0].text)["namespaces"][0]["name"] == "demo"
    )


async def test_fresh_store_desktop_configuration_needs_no_key(
    fresh_database, tmp_path: Path
) -> None:
    settings = store_settings(await fresh_database(), tmp_path)
    server = json.loads(blocks("json")[0])["mcpServers"]["kgmem"]
    assert "env" not in server
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KGMEM_", "VIRTUAL_ENV"))}
    env |= {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "KGMEM_VENV": str(Path(sys.executable).parents[1]),
        "PYTHONPATH": str(ROOT),
        "KGMEM_HOME": str(settings.home),
        "KGMEM_DATABASE_URL": settings.database.url.get_secret_value(),
        "KGMEM_EMBEDDING_PROVIDER": "none",
        "KGMEM_EMBEDDING_DIMENSION": str(settings.embedding.dimension),
    }
    command = server["command"].replace("/path/to/kgmem", str(ROOT))
    params = StdioServerParameters(command=command, args=server["args"], env=env)
    async with McpClient(params, read_timeout_seconds=120) as client:
        listed = await client.call_tool("list_namespaces", {})
    assert not listed.is_error, listed.content


async def test_url_configuration_reaches_a_running_server(keyed) -> None:
    _, url, secret = keyed
    server = json.loads(blocks("json")[2])["mcpServers"]["kgmem"]
    headers = {k: v.replace("kgm_...", secret) for k, v in server["headers"].items()}
    async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
        transport = streamable_http_client(server["url"].replace(DOC_URL, url), http_client=http)
        async with McpClient(transport) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
    assert {"get_context", "add_episode", "search"} <= tools


async def test_python_examples_run_against_a_server(live_url: str, memory: Memory) -> None:
    script = "\n".join(blocks("python")).replace(DOC_URL, live_url)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs: list[tuple[int | None, bytes, bytes]] = []
    try:
        for _ in range(2):  # as a newcomer does: the same example, run again
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                script,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(proc.communicate(), 180)
            runs.append((proc.returncode, out, err))
    finally:
        if "agent" in {n.name for n in await memory.list_namespaces()}:
            await memory.delete_namespace("agent")
    for code, _, err in runs:
        assert code == 0, err.decode()
    printed = runs[-1][1].decode()
    assert "Memory relevant to: Where does Alice live?" in printed
    assert "LIVES_IN" in printed
    assert "I prefer window seats." in printed
