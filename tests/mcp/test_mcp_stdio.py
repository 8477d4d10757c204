"""`kgmem mcp` as a desktop agent starts it: a subprocess speaking MCP on stdio, driven
by the SDK's stdio client, with the same keys and scopes as HTTP."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from kgmem import Memory, Settings
from tests.fixtures.database import SMALL_SERVER, store_settings

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def stdio_params(settings: Settings, **extra: str) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KGMEM_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "KGMEM_HOME": str(settings.home),
        "KGMEM_DATABASE_URL": settings.database.url.get_secret_value(),
        "KGMEM_EMBEDDING_PROVIDER": settings.embedding.provider,
        "KGMEM_EMBEDDING_DIMENSION": str(settings.embedding.dimension),
        "KGMEM_LOG_LEVEL": "warning",
        "KGMEM_BOLT_PORT": "0",  # `kgmem serve` started from these would share port 7687
        **SMALL_SERVER,
        **extra,
    }
    return StdioServerParameters(command=sys.executable, args=["-m", "kgmem", "mcp"], env=env)


@asynccontextmanager
async def stdio_client(settings: Settings, **extra: str) -> AsyncIterator[Client]:
    async with Client(stdio_params(settings, **extra), read_timeout_seconds=120) as client:
        yield client


async def test_stdio_serves_the_tools(settings: Settings, namespace: str) -> None:
    episode = {
        "text": "Dana moved to Lyon.",
        "entities": [
            {"name": "Dana", "label": "Person", "uid": "dana"},
            {"name": "Lyon", "label": "Place", "uid": "lyon"},
        ],
        "facts": [{"subject": "Dana", "predicate": "LIVES_IN", "object": "Lyon"}],
    }
    async with stdio_client(settings) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"add_episode", "search", "get_context", "cypher_read"} <= names
        added = await client.call_tool("add_episode", {"namespace": namespace, "episode": episode})
        assert not added.is_error, added.content
        got = await client.call_tool("get_entity", {"namespace": namespace, "uid": "dana"})
        detail = json.loads(got.content[0].text)
        assert [f["fact"]["object"] for f in detail["outgoing"]] == ["lyon"]
        bad = await client.call_tool("get_entity", {"namespace": namespace})
        assert bad.is_error and "uid" in bad.content[0].text


@pytest.fixture
async def keyed_settings(fresh_database, tmp_path: Path) -> AsyncIterator[tuple[Settings, Memory]]:
    settings = store_settings(await fresh_database(), tmp_path)
    memory = await Memory.open(settings)
    await memory.create_namespace("alpha")
    try:
        yield settings, memory
    finally:
        await memory.close()


async def test_stdio_uses_the_key_given(keyed_settings) -> None:
    settings, memory = keyed_settings
    reader = await memory.create_key("reader", ["read"])
    episode = {"namespace": "alpha", "episode": {"text": "Eve met Frank."}}
    async with stdio_client(settings, KGMEM_API_KEY=reader.secret) as client:
        assert not (await client.call_tool("list_namespaces", {})).is_error
        denied = await client.call_tool("add_episode", episode)
        assert denied.is_error and "forbidden:" in denied.content[0].text
    # No key once keys exist: the session opens (the agent sees why, not a closed
    # connection) and every call answers the refusal.
    async with stdio_client(settings, KGMEM_API_KEY="") as client:
        refused = await client.call_tool("list_namespaces", {})
    assert refused.is_error and "an API key is required" in refused.content[0].text
