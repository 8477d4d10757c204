"""The keyword index per namespace's language, and bad keyword input: a correct
(possibly empty) answer or a clear 4xx, never a 5xx or a hang."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.server.test_entities_api import assert_problem

KEYWORD_ONLY = {"keyword": 1, "vector": 0, "temporal": 0, "spatial": 0, "causal": 0, "graph": 0}


async def _namespace(client: httpx.AsyncClient, **body: object) -> str:
    name = f"t_{uuid.uuid4().hex[:10]}"
    created = await client.post("/v1/namespaces", json={"name": name, **body})
    assert created.status_code == 201, created.text
    return name


async def _keyword(client: httpx.AsyncClient, ns: str, text: str) -> httpx.Response:
    return await client.post(
        f"/v1/namespaces/{ns}/search",
        json={"text": text, "weights": KEYWORD_ONLY, "k": 5},
        headers={"Cache-Control": "no-cache"},
    )


async def _uids(client: httpx.AsyncClient, ns: str, text: str) -> list[str]:
    found = await _keyword(client, ns, text)
    assert found.status_code == 200, found.text
    return [h["entity"]["uid"] for h in found.json()["hits"]]


async def test_a_namespace_stems_words_in_its_own_language(client: httpx.AsyncClient) -> None:
    french = await _namespace(client, text_config="french")
    english = await _namespace(client)
    assert (await client.get(f"/v1/namespaces/{french}")).json()["text_config"] == "french"
    assert (await client.get(f"/v1/namespaces/{english}")).json()["text_config"] == "english"
    for ns in (french, english):
        await client.put(
            f"/v1/namespaces/{ns}/entities/n1",
            json={"label": "Note", "properties": {"name": "Les chevaux des voisins mangeaient"}},
        )
    # French stems "mangeaient" and "mangeait" alike; English does not.
    assert await _uids(client, french, "mangeait") == ["n1"]
    assert await _uids(client, english, "mangeait") == []
    # "des" is a French stop word, not an English one.
    assert await _uids(client, french, "des") == []
    assert await _uids(client, english, "des") == ["n1"]


async def test_an_unknown_text_configuration_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    for bad in ("klingon", "english; DROP TABLE x", "", "x" * 64):
        answer = await client.post(
            "/v1/namespaces", json={"name": f"t_{uuid.uuid4().hex[:10]}", "text_config": bad}
        )
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "text_config" in answer.text


async def test_stop_words_punctuation_and_long_queries_answer_correctly(
    client: httpx.AsyncClient, namespace: str
) -> None:
    await client.put(
        f"/v1/namespaces/{namespace}/entities/a",
        json={"label": "Note", "properties": {"name": "the anvil of Acme"}},
    )
    assert await _uids(client, namespace, "the of and a") == []
    assert await _uids(client, namespace, "?!... ,;: --- ***") == []
    assert await _uids(client, namespace, " ".join(["anvil"] * 600)) == ["a"]
    assert await _uids(client, namespace, "ANVIL!!") == ["a"]
    too_long = await _keyword(client, namespace, "word " * 10_000)
    assert_problem(too_long, 422, "invalid_input")


SCRIPTS = [
    "東京の天気",
    "مرحبا بالعالم",
    "नमस्ते दुनिया",
    "Привет мир",
    "🦜🦜 emoji 🧪",
    "e\u0301te\u0301 combining",
    "\u200b\u200d\u202e zero width and bidi",
    "\x01\x02 control \x7f",
    "a\\b 'quoted' \"double\" & | ! ( ) : *",
]


async def test_queries_in_any_script_answer_within_a_time_limit(
    client: httpx.AsyncClient, namespace: str
) -> None:
    await client.put(
        f"/v1/namespaces/{namespace}/entities/tokyo",
        json={"label": "Place", "properties": {"name": "東京の天気 'quoted' a\\b"}},
    )
    for text in SCRIPTS:
        async with asyncio.timeout(10):
            answer = await _keyword(client, namespace, text)
        assert answer.status_code == 200, (text, answer.text)
    assert await _uids(client, namespace, "'quoted'") == ["tokyo"]
    lone = await client.post(
        f"/v1/namespaces/{namespace}/search",
        content=b'{"text": "\\ud800 x"}',
        headers={"content-type": "application/json"},
    )
    assert lone.status_code == 422
