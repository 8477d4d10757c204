"""Ports and keys as a newcomer meets them: a Bolt port another program holds, a second
`kgmem serve` on the same home, a desktop MCP configuration with a key line on a store
without keys, and Neo4j's habit of sending a user and password. Real processes, a real
MCP client over stdio and the real neo4j driver."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import neo4j
import pytest
from mcp import Client as McpClient
from mcp import StdioServerParameters

from kgmem import Memory
from tests.cli import test_serve
from tests.cli.test_serve import Server, env_for, free_port, kgmem

pytestmark = pytest.mark.slow

home = test_serve.home
QUICK = {"KGMEM_EMBEDDING_PROVIDER": "none", "KGMEM_EMBEDDING_DIMENSION": "384"}


def test_serve_help_names_the_bolt_port() -> None:
    helped = kgmem("serve", "--help", env=env_for(Path("/nonexistent")))
    assert helped.returncode == 0
    text = " ".join(helped.stdout.split())
    assert "--bolt-port" in text and "KGMEM_BOLT_PORT" in text and "7687" in text


def test_a_bolt_port_in_use_is_one_line_naming_the_setting(home: Path) -> None:
    with socket.socket() as taken:  # as a Neo4j server on 7687 would
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        env = env_for(home, **QUICK, KGMEM_BOLT_PORT=str(port))
        refused = kgmem("serve", "--port", str(free_port()), env=env)
    assert refused.returncode == 1, refused.stderr
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert "Traceback" not in refused.stderr, refused.stderr
    said = " ".join(refused.stderr.split())
    assert f"cannot serve Bolt on 127.0.0.1:{port}" in said and "KGMEM_BOLT_PORT" in said
    assert len(lines) <= 3, refused.stderr  # one message (wrapped to the terminal)
    assert not test_serve.postgres_running(home / "pgdata")


def counted_requests(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=30).text
    found = re.findall(r"^kgmem_http_requests_total\{[^}]*\} (\S+)$", text, flags=re.M)
    return sum(float(n) for n in found)


def test_a_refused_second_server_leaves_the_first_ones_metrics(home: Path) -> None:
    server = Server(home, free_port(), **QUICK)
    try:
        server.wait_healthy()
        for _ in range(5):
            httpx.get(f"{server.url}/v1/namespaces").raise_for_status()
        before = counted_requests(server.url)
        assert before >= 5
        second = kgmem("serve", "--port", str(free_port()), env=env_for(home, **QUICK))
        assert second.returncode == 1 and "another kgmem server" in second.stderr
        assert counted_requests(server.url) >= before + 1  # nothing lost, /metrics counted
        folders = sorted(p.name for p in (home / "metrics").iterdir())
        assert folders == [str(server.proc.pid)]  # the refused one left nothing behind
    finally:
        server.stop()


def desktop_env(home: Path, **extra: str) -> dict[str, str]:
    env = env_for(home, **QUICK, **extra)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return env


async def test_a_key_on_a_store_without_keys_is_explained_to_the_agent(home: Path) -> None:
    """The configuration with a key line, copied onto a fresh store: the MCP session
    opens, each tool call answers why, and the reason is on stderr for the client's log."""
    env = desktop_env(home, KGMEM_API_KEY="kgm_notakey")
    params = StdioServerParameters(command=sys.executable, args=["-m", "kgmem", "mcp"], env=env)
    async with McpClient(params, read_timeout_seconds=120) as client:
        answer = await client.call_tool("list_namespaces", {})
    assert answer.is_error
    assert "this store has no API keys yet" in answer.content[0].text
    assert "leave the key out" in answer.content[0].text
    # The same reason, on stderr, when the process starts (stdin closed at once).
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "kgmem", "mcp"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "this store has no API keys yet" in done.stderr and "KGMEM_API_KEY" in done.stderr
    assert done.stdout == ""  # stdout is the protocol's


async def test_the_fresh_store_configuration_works(home: Path) -> None:
    env = desktop_env(home)
    params = StdioServerParameters(command=sys.executable, args=["-m", "kgmem", "mcp"], env=env)
    async with McpClient(params, read_timeout_seconds=120) as client:
        answer = await client.call_tool("list_namespaces", {})
    assert not answer.is_error and "namespaces" in json.loads(answer.content[0].text)


async def test_bolt_basic_auth_with_any_user_on_a_store_without_keys(
    bare_bolt: tuple[Memory, str],
) -> None:
    memory, address = bare_bolt
    uri = f"bolt://{address}"
    for auth in (("neo4j", "password"), ("anyone", "anything"), None):
        async with neo4j.AsyncGraphDatabase.driver(uri, auth=auth) as driver:
            records, _, _ = await driver.execute_query("RETURN 1 AS one")
        assert records[0]["one"] == 1, auth
    # Once a key exists, the password must be one.
    key = await memory.create_key("ops", ["read"])
    async with neo4j.AsyncGraphDatabase.driver(uri, auth=("neo4j", "password")) as driver:
        with pytest.raises(neo4j.exceptions.AuthError):
            await driver.execute_query("RETURN 1 AS one")
    async with neo4j.AsyncGraphDatabase.driver(uri, auth=("neo4j", key.secret)) as driver:
        records, _, _ = await driver.execute_query("RETURN 1 AS one")
    assert records[0]["one"] == 1
