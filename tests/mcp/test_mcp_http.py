"""The MCP door over streamable HTTP, driven by the SDK's own client against a real
server on a loopback port: every tool, the resources, auth refusals, bad arguments."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp_types import INVALID_PARAMS

from kgmem import EntityWrite, FactWrite, GeoPoint, Memory
from kgmem.server.app import create_app
from tests.fixtures.app import serving
from tests.fixtures.database import store_settings
from tests.server.test_cypher_procedures import BROWSER, NAMES, called

TOOLS = {
    "add_episode",
    "add_episodes",
    "search",
    "get_entity",
    "timeline",
    "trace",
    "verify_claim",
    "cypher_read",
    "list_namespaces",
    "get_context",
}


@asynccontextmanager
async def mcp_client(url: str, key: str | None = None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
        transport = streamable_http_client(f"{url}/mcp", http_client=http)
        async with Client(transport) as client:
            yield client


def payload(result: Any) -> Any:
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


def error_text(result: Any) -> str:
    assert result.is_error
    return result.content[0].text


async def remember_alice(client: Client, namespace: str) -> dict[str, Any]:
    episode = {
        "text": "Alice Smith joined Acme as an engineer; she lives in Paris.",
        "session": "chat-1",
        "speaker": "alice",
        "reference_time": "2024-03-01T10:00:00Z",
        "entities": [
            {"name": "Alice Smith", "label": "Person", "uid": "alice"},
            {"name": "Acme", "label": "Organization", "uid": "acme"},
            {"name": "Paris", "label": "Place", "uid": "paris"},
        ],
        "facts": [
            {"subject": "Alice Smith", "predicate": "WORKS_AT", "object": "Acme"},
            {"subject": "Alice Smith", "predicate": "LIVES_IN", "object": "Paris"},
        ],
    }
    return payload(
        await client.call_tool("add_episode", {"namespace": namespace, "episode": episode})
    )


async def test_tools_are_listed_with_descriptions_and_schemas(live_url: str) -> None:
    async with mcp_client(live_url) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) >= TOOLS
    for tool in tools.values():
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.input_schema["type"] == "object"
    assert "namespace" in tools["search"].input_schema["required"]
    assert tools["search"].annotations.read_only_hint is True
    assert tools["add_episode"].annotations.read_only_hint is False


async def test_episode_then_every_read_tool(live_url: str, namespace: str) -> None:
    async with mcp_client(live_url) as client:
        outcome = await remember_alice(client, namespace)
        assert outcome["status"] == "done" and len(outcome["facts"]) == 2

        names = payload(await client.call_tool("list_namespaces", {}))["namespaces"]
        assert namespace in {n["name"] for n in names}

        hits = payload(
            await client.call_tool("search", {"namespace": namespace, "text": "Acme engineer"})
        )["hits"]
        assert hits and {"kind", "uid", "summary", "score", "scores", "reasons"} <= set(hits[0])
        assert any(h["uid"] in ("acme", "alice") or "Acme" in h["summary"] for h in hits)

        entity = payload(
            await client.call_tool("get_entity", {"namespace": namespace, "uid": "alice"})
        )
        predicates = {f["fact"]["predicate"] for f in entity["outgoing"]}
        assert predicates == {"WORKS_AT", "LIVES_IN"}
        assert entity["summary"] == 'Person "Alice Smith" (alice)'

        history = payload(
            await client.call_tool("timeline", {"namespace": namespace, "uid": "alice"})
        )
        told = {e["fact"]["predicate"] for e in history["entries"] if e["direction"] == "outgoing"}
        assert told == {"WORKS_AT", "LIVES_IN"}
        # The episode's MENTIONS edge is structure, not a fact: not in the timeline.
        assert not any("MENTIONS" in e["summary"] for e in history["entries"])

        check = payload(
            await client.call_tool(
                "verify_claim",
                {
                    "namespace": namespace,
                    "subject": "alice",
                    "predicate": "WORKS_AT",
                    "value": "acme",
                },
            )
        )
        assert len(check["matches"]) == 1
        kind = check["value_kind"]  # how the values compare, and why
        assert (kind["predicate"], kind["kind"], kind["values"]) == ("WORKS_AT", "category", 1)
        assert kind["evidence"].startswith("1 value, 1 distinct")

        rows = payload(
            await client.call_tool(
                "cypher_read",
                {
                    "namespace": namespace,
                    "query": "MATCH (p:Person)-[:WORKS_AT]->(o) RETURN p.uid AS p, o.uid AS o",
                },
            )
        )
        assert rows["columns"] == ["p", "o"] and rows["rows"] == [["alice", "acme"]]

        schema = payload(
            await client.call_tool("cypher_read", {"namespace": namespace, "query": BROWSER})
        )
        named = {row[0]["name"]: row[0]["data"] for row in schema["rows"]}
        assert "Person" in named["labels"] and "WORKS_AT" in named["relationshipTypes"]
        assert "uid" in named["propertyKeys"]

        block = payload(
            await client.call_tool(
                "get_context",
                {"namespace": namespace, "query": "Where does Alice work?", "budget_tokens": 300},
            )
        )
        assert "WORKS_AT" in block["text"] and block["tokens"] <= 300


async def test_trace_follows_causal_edges(live_url: str, namespace: str) -> None:
    episode = {
        "text": "The storm caused the outage, which caused the delay.",
        "entities": [
            {"name": "storm", "label": "Event", "uid": "storm"},
            {"name": "outage", "label": "Event", "uid": "outage"},
            {"name": "delay", "label": "Event", "uid": "delay"},
        ],
        "facts": [
            {"subject": "storm", "predicate": "CAUSES", "object": "outage"},
            {"subject": "outage", "predicate": "CAUSES", "object": "delay"},
        ],
    }
    async with mcp_client(live_url) as client:
        payload(await client.call_tool("add_episode", {"namespace": namespace, "episode": episode}))
        effects = payload(
            await client.call_tool("trace", {"namespace": namespace, "anchor": "storm"})
        )
        causes = payload(
            await client.call_tool(
                "trace", {"namespace": namespace, "anchor": "delay", "direction": "backward"}
            )
        )
    assert {p["end"] for p in effects["paths"]} == {"outage", "delay"}
    assert {p["end"] for p in causes["paths"]} == {"outage", "storm"}


async def test_resources_give_stats_and_schema(live_url: str, namespace: str) -> None:
    async with mcp_client(live_url) as client:
        await remember_alice(client, namespace)
        templates = {
            t.uri_template for t in (await client.list_resource_templates()).resource_templates
        }
        assert "kgmem://namespaces/{namespace}/stats" in templates
        stats = await client.read_resource(f"kgmem://namespaces/{namespace}/stats")
        schema = await client.read_resource(f"kgmem://namespaces/{namespace}/schema")
    counted = json.loads(stats.contents[0].text)
    assert counted["vertices"]["Episode"] == 1 and counted["vertices"]["Organization"] == 1
    assert counted["edges"]["WORKS_AT"] == 1 and counted["edges"]["LIVES_IN"] == 1
    declared = json.loads(schema.contents[0].text)
    assert declared["in_use"]["edges"]["WORKS_AT"] == 1
    assert "Person" in declared["entity_types"]


async def test_bad_arguments_are_tool_errors_a_model_can_read(
    live_url: str, namespace: str
) -> None:
    async with mcp_client(live_url) as client:
        missing = await client.call_tool("search", {"text": "x"})
        assert "namespace" in error_text(missing)
        wrong_type = await client.call_tool("search", {"namespace": namespace, "k": "many"})
        assert error_text(wrong_type).startswith("invalid_request: k:"), error_text(wrong_type)
        unknown = await client.call_tool("get_entity", {"namespace": namespace, "uid": "nobody"})
        assert "entity_not_found:" in error_text(unknown)
        no_ns = await client.call_tool("timeline", {"namespace": "no_such_ns", "uid": "a"})
        assert "namespace_not_found:" in error_text(no_ns)
        write = await client.call_tool(
            "cypher_read", {"namespace": namespace, "query": "CREATE (n:Person {uid: 'x'})"}
        )
        assert error_text(write).startswith("cypher_access_mode: Writing in read access mode")
        empty = await client.call_tool(
            "add_episode", {"namespace": namespace, "episode": {"text": ""}}
        )
        assert "text" in error_text(empty)


async def test_a_procedure_on_a_missing_namespace_is_namespace_not_found(
    live_url: str, namespace: str
) -> None:
    """Every procedure kgmem answers, as any other Cypher read of a missing namespace."""
    async with mcp_client(live_url) as client:
        plain = await client.call_tool(
            "cypher_read", {"namespace": "no_such_ns", "query": "MATCH (n) RETURN n"}
        )
        assert "namespace_not_found:" in error_text(plain)
        for name in NAMES:
            query = called("CALL {name}()", name)
            missing = await client.call_tool(
                "cypher_read", {"namespace": "no_such_ns", "query": query}
            )
            assert "namespace_not_found:" in error_text(missing), name
            found = await client.call_tool("cypher_read", {"namespace": namespace, "query": query})
            assert not found.is_error, (name, found.content)


@pytest.fixture
async def keyed_url(fresh_database, tmp_path: Path) -> AsyncIterator[tuple[str, Memory]]:
    """A real server over a store of its own with API keys (other tests stay keyless)."""
    memory = await Memory.open(store_settings(await fresh_database(), tmp_path))
    await memory.create_namespace("alpha")
    await memory.create_namespace("beta")
    try:
        async with serving(create_app(memory=memory)) as url:
            yield url, memory
    finally:
        await memory.close()


async def test_keys_scopes_and_namespaces_are_enforced(keyed_url) -> None:
    url, memory = keyed_url
    reader = await memory.create_key("reader", ["read"])
    alpha_writer = await memory.create_key("alpha", ["write"], namespaces=["alpha"])
    await memory.create_key("admin", ["admin"])

    # No key once keys exist: refused before MCP starts, as a problem document.
    async with httpx.AsyncClient() as http:
        refused = await http.post(
            f"{url}/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Accept": "application/json, text/event-stream"},
        )
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "unauthenticated"
    with pytest.raises(ExceptionGroup) as no_key:
        async with mcp_client(url):
            pass
    assert no_key.group_contains(MCPError)

    episode = {"namespace": "alpha", "episode": {"text": "Bob met Carol."}}
    async with mcp_client(url, reader.secret) as client:
        denied = await client.call_tool("add_episode", episode)
        assert "forbidden:" in error_text(denied) and "write" in error_text(denied)
        assert not (await client.call_tool("list_namespaces", {})).is_error
        write = await client.call_tool("cypher_read", {"namespace": "alpha", "query": "CREATE ()"})
        assert error_text(write).startswith("cypher_permission_denied: CREATE writes")

    async with mcp_client(url, alpha_writer.secret) as client:
        assert not (await client.call_tool("add_episode", episode)).is_error
        other = await client.call_tool("search", {"namespace": "beta", "text": "Bob"})
        assert "forbidden:" in error_text(other) and "beta" in error_text(other)
        seen = payload(await client.call_tool("list_namespaces", {}))["namespaces"]
        assert [n["name"] for n in seen] == ["alpha"]
        with pytest.raises(MCPError, match="beta"):
            await client.read_resource("kgmem://namespaces/beta/stats")


async def test_a_forbidden_resource_is_refused_in_kgmem_words_without_a_traceback(
    keyed_url, caplog: pytest.LogCaptureFixture
) -> None:
    url, memory = keyed_url
    alpha_reader = await memory.create_key("alpha", ["read"], namespaces=["alpha"])
    async with mcp_client(url, alpha_reader.secret) as client:
        tool = await client.call_tool("search", {"namespace": "beta", "text": "Bob"})
        caplog.clear()
        for uri in ("kgmem://namespaces/beta/stats", "kgmem://namespaces/beta/schema"):
            with caplog.at_level(logging.DEBUG), pytest.raises(MCPError) as refused:
                await client.read_resource(uri)
            assert refused.value.message == error_text(tool)  # the tools' refusal
            assert refused.value.message.startswith("forbidden: ")
            assert refused.value.code == INVALID_PARAMS
            assert refused.value.data == {"code": "forbidden"}
        missing = await memory.create_key("all", ["read"])
    async with mcp_client(url, missing.secret) as client:
        with pytest.raises(MCPError, match=r"^namespace_not_found: ") as gone:
            await client.read_resource("kgmem://namespaces/nowhere/stats")
        assert gone.value.code == INVALID_PARAMS
    told = [r for r in caplog.records if r.name.startswith(("mcp", "kgmem"))]
    assert not [r for r in told if r.exc_info or "Traceback" in r.getMessage()]
    assert all(r.levelno < logging.WARNING for r in told)


async def test_search_takes_every_axis(live_url: str, namespace: str, memory: Memory) -> None:
    await memory.upsert_entity(
        namespace,
        EntityWrite("louvre", "Place", {"name": "Louvre"}, location=GeoPoint(48.8606, 2.3376)),
    )
    await memory.upsert_entity(
        namespace,
        EntityWrite("tate", "Place", {"name": "Tate"}, location=GeoPoint(51.5076, -0.0994)),
    )
    await memory.upsert_entity(namespace, EntityWrite("mona", "Concept", {"name": "Mona Lisa"}))
    await memory.add_fact(
        namespace,
        FactWrite("mona", "LOCATED_IN", "louvre", valid_from=datetime(1797, 1, 1, tzinfo=UTC)),
    )
    async with mcp_client(live_url) as client:

        async def hits(**args: Any) -> list[str]:
            found = payload(await client.call_tool("search", {"namespace": namespace, **args}))
            return [h["uid"] for h in found["hits"]]

        near = await hits(
            place={"near": {"lat": 48.86, "lon": 2.34}, "radius_km": 5}, types=["entities"]
        )
        assert near == ["louvre"]
        graph = await hits(expansion={"seeds": ["mona"]}, types=["entities"])
        assert "louvre" in graph
        then = await hits(
            text="Mona Lisa", time={"valid_at": "1900-01-01T00:00:00Z"}, types=["facts"]
        )
        before = await hits(
            text="Mona Lisa", time={"valid_at": "1700-01-01T00:00:00Z"}, types=["facts"]
        )
        assert len(then) == 1 and before == []
        bad = await client.call_tool("search", {"namespace": namespace, "place": {"radius_km": 5}})
        assert bad.is_error
