"""What a newcomer trips over first, asked at every door of a running server (REST,
MCP, the Python client, Bolt for Cypher): the episode text limit is the documented
100,000 characters everywhere, search hits are summarised in words, creating a
namespace twice with ``exist_ok`` answers the one made, a form body is told to send
JSON, and Cypher kgmem does not support is called unsupported (not unsafe)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import neo4j
import pytest
from neo4j.exceptions import CypherSyntaxError

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.client import ApiError
from kgmem.model import SearchQuery
from tests.doors.doors import Doors, opened
from tests.fixtures.bolt import Bolt

DOCUMENTED_EPISODE_CHARS = 100_000  # README/docs: "100,000-character texts"


def _text(chars: int) -> str:
    return ("word " * (chars // 5 + 1))[:chars]


async def test_an_episode_of_the_documented_length_is_taken_and_one_more_refused_alike(
    live_url: str, memory: Memory, namespace: str
) -> None:
    async with opened(live_url) as doors:
        await _an_episode_of_the_documented_length_is_taken_and_one_more_refused_alike(
            doors, memory, namespace
        )


async def _an_episode_of_the_documented_length_is_taken_and_one_more_refused_alike(
    doors: Doors, memory: Memory, namespace: str
) -> None:
    assert memory.settings.limits.max_string_length == DOCUMENTED_EPISODE_CHARS
    assert memory.settings.limits.max_text_length == DOCUMENTED_EPISODE_CHARS
    path = f"/v1/namespaces/{namespace}/episodes"
    most = {"uid": "long-rest", "text": _text(DOCUMENTED_EPISODE_CHARS)}
    assert (await doors.rest("POST", path, most)).accepted
    over = {"text": _text(DOCUMENTED_EPISODE_CHARS + 1)}
    response = await doors.http.post(path, json=over)
    problem = response.json()
    assert response.status_code == 422 and problem["code"] == "limit_exceeded"
    assert problem["limit"] == DOCUMENTED_EPISODE_CHARS and problem["field"] == "text"
    assert f"more than the {DOCUMENTED_EPISODE_CHARS}" in problem["detail"]
    tool = await doors.tool("add_episode", {"namespace": namespace, "episode": over})
    assert tool.code == "limit_exceeded"
    taken = await doors.tool(
        "add_episode",
        {"namespace": namespace, "episode": {"uid": "long-mcp", "text": most["text"]}},
    )
    assert taken.accepted, taken
    client = await doors.call(lambda: doors.client.add_episodes(namespace, [over]))
    assert client.code == "limit_exceeded"
    stored = await doors.rest("GET", f"{path}/long-mcp")
    assert len(stored.answer["properties"]["text"]) == DOCUMENTED_EPISODE_CHARS


async def _pixel(memory: Memory, namespace: str) -> None:
    await memory.upsert_entity(
        namespace, EntityWrite("ent-pixel-03dc8cb2", "Animal", {"name": "Pixel"})
    )
    await memory.upsert_entity(
        namespace, EntityWrite("ent-tuna-b9149fd5", "Thing", {"name": "tuna"})
    )
    await memory.add_fact(
        namespace,
        FactWrite("ent-pixel-03dc8cb2", "LIKES", "ent-tuna-b9149fd5", text="Pixel likes tuna"),
    )


async def test_search_hits_are_summarised_in_words_on_every_door(
    live_url: str, memory: Memory, namespace: str
) -> None:
    async with opened(live_url) as doors:
        await _search_hits_are_summarised_in_words_on_every_door(doors, memory, namespace)


async def _search_hits_are_summarised_in_words_on_every_door(
    doors: Doors, memory: Memory, namespace: str
) -> None:
    await _pixel(memory, namespace)
    query = {"text": "Pixel likes tuna", "types": ["facts", "entities"], "k": 5}
    rest = await doors.rest("POST", f"/v1/namespaces/{namespace}/search", query)
    mcp = await doors.tool("search", {"namespace": namespace, **query})
    client = await doors.client.search(namespace, SearchQuery(**query))  # type: ignore[arg-type]
    shown = {
        "rest": {h["uid"]: h["summary"] for h in rest.answer["hits"]},
        "mcp": {h["uid"]: h["summary"] for h in mcp.answer["hits"]},
        "client": {h.uid: h.summary for h in client.hits},
    }
    assert shown["rest"] == shown["mcp"] == shown["client"], shown
    facts = [s for s in shown["rest"].values() if "tuna" in s.lower()]
    assert "Pixel likes tuna" in facts
    assert shown["rest"]["ent-pixel-03dc8cb2"] == "Pixel"
    assert not any("ent-" in s for s in shown["rest"].values()), shown


async def test_creating_a_namespace_twice_with_exist_ok_answers_the_one_made(
    live_url: str, memory: Memory
) -> None:
    async with opened(live_url) as doors:
        await _creating_a_namespace_twice_with_exist_ok_answers_the_one_made(doors, memory)


async def _creating_a_namespace_twice_with_exist_ok_answers_the_one_made(
    doors: Doors, memory: Memory
) -> None:
    name = f"again_{uuid.uuid4().hex[:8]}"
    try:
        first = await doors.http.post("/v1/namespaces", json={"name": name, "exist_ok": True})
        again = await doors.http.post("/v1/namespaces", json={"name": name, "exist_ok": True})
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json() == again.json()
        plain = await doors.http.post("/v1/namespaces", json={"name": name})
        assert plain.status_code == 409 and plain.json()["code"] == "namespace_exists"
        other = await doors.http.post(
            "/v1/namespaces", json={"name": name, "exist_ok": True, "text_config": "simple"}
        )
        assert other.status_code == 409 and "text_config 'english'" in other.json()["detail"]
        made = await doors.client.create_namespace(name, exist_ok=True)
        assert made.name == name and made.created_at.isoformat().startswith(
            first.json()["created_at"][:19]
        )
        with pytest.raises(ApiError) as refused:
            await doors.client.create_namespace(name)
        assert refused.value.code == "namespace_exists"
    finally:
        await memory.delete_namespace(name)


ROUTES_WITH_BODIES = [
    ("POST", "/v1/namespaces"),
    ("POST", "/v1/namespaces/{ns}/episodes"),
    ("POST", "/v1/namespaces/{ns}/search"),
    ("POST", "/v1/namespaces/{ns}/cypher"),
    ("PUT", "/v1/namespaces/{ns}/entities/alice"),
]


@pytest.mark.parametrize("kind", ["application/x-www-form-urlencoded", "text/plain", None])
async def test_a_body_that_is_not_json_is_told_to_send_json_on_every_route(
    live_url: str, namespace: str, kind: str | None
) -> None:
    async with opened(live_url) as doors:
        await _a_body_that_is_not_json_is_told_to_send_json_on_every_route(doors, namespace, kind)


async def _a_body_that_is_not_json_is_told_to_send_json_on_every_route(
    doors: Doors, namespace: str, kind: str | None
) -> None:
    for method, route in ROUTES_WITH_BODIES:
        path = route.format(ns=namespace)
        headers = {} if kind is None else {"content-type": kind}
        # What `curl -d '{"name": "x"}' URL` sends: JSON text under a form content type.
        response = await doors.http.request(
            method, path, content=b'{"name": "x", "text": "hi"}', headers=headers
        )
        assert response.status_code == 415, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["code"] == "unsupported_media_type"
        assert "send Content-Type: application/json" in problem["detail"]
        assert (kind or "no Content-Type") in problem["detail"]
    # The same JSON under its own content type is read.
    response = await doors.http.post(
        f"/v1/namespaces/{namespace}/search",
        content=b'{"text": "x"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text


UNSUPPORTED = [
    "MATCH (a) RETURN gds.shortestPath.dijkstra.stream(a) AS x",
    "RETURN apoc.text.join(['a', 'b'], '-') AS x",
    "RETURN levenshteinDistance('a', 'b') AS x",
]
UNSAFE = [
    "RETURN graph_stats('x') AS x",
    "RETURN pg_catalog.now() AS x",
    "MATCH (n) RETURN n; MATCH (m) RETURN m",
]


async def test_unsupported_cypher_is_called_unsupported_and_unsafe_cypher_unsafe(
    live_url: str, namespace: str
) -> None:
    async with opened(live_url) as doors:
        await _unsupported_cypher_is_called_unsupported_and_unsafe_cypher_unsafe(doors, namespace)


async def _unsupported_cypher_is_called_unsupported_and_unsafe_cypher_unsafe(
    doors: Doors, namespace: str
) -> None:
    path = f"/v1/namespaces/{namespace}/cypher"
    for query in UNSUPPORTED:
        response = await doors.http.post(path, json={"query": query})
        problem = response.json()
        assert response.status_code == 422, problem
        assert problem["code"] == "cypher_unsupported", (query, problem)
        assert problem["title"] == "Cypher feature not supported by kgmem"
        assert "unsafe" not in problem["title"] + problem["detail"]
        mcp = await doors.tool("cypher_read", {"namespace": namespace, "query": query})
        assert mcp.code == "cypher_unsupported"
        client = await doors.call(lambda q=query: doors.client.cypher(namespace, q))  # type: ignore[misc]
        assert client.code == "cypher_unsupported"
    shortest = (await doors.http.post(path, json={"query": UNSUPPORTED[0]})).json()
    assert "MATCH p = shortestPath(" in shortest["detail"]
    for query in UNSAFE:
        problem = (await doors.http.post(path, json={"query": query})).json()
        assert problem["code"] == "cypher_rejected", (query, problem)
        assert problem["title"] == "Cypher query rejected as unsafe"
    explain = (await doors.http.post(path, json={"query": "EXPLAIN ANALYZE RETURN 1"})).json()
    assert explain["code"] == "cypher_unsupported"


async def test_bolt_answers_unsupported_cypher_as_neo4j_does(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        with pytest.raises(CypherSyntaxError) as raised:
            await session.run(UNSUPPORTED[0])
        assert raised.value.code == "Neo.ClientError.Statement.SyntaxError"
        assert "not one kgmem answers" in (raised.value.message or "")
        assert "MATCH p = shortestPath(" in (raised.value.message or "")
        with pytest.raises(neo4j.exceptions.ClientError) as unsafe:
            await session.run(UNSAFE[1])
        assert "would run SQL" in (unsafe.value.message or "")


def test_the_readme_documents_exist_ok() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert 'kg.create_namespace("agent", exist_ok=True)' in readme


async def test_problem_bodies_are_json_documents(live_url: str) -> None:
    async with opened(live_url) as doors:
        await _problem_bodies_are_json_documents(doors)


async def _problem_bodies_are_json_documents(doors: Doors) -> None:
    response = await doors.http.post(
        "/v1/namespaces",
        content=b"name=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert isinstance(json.loads(response.text), dict)
    assert isinstance(response, httpx.Response)
