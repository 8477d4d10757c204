"""Bad input gets a clear 4xx problem with a stable code, writes nothing, and the
server goes on serving other namespaces: text that is not valid Unicode, EXPLAIN,
results nested too deep, imports of an unknown format, bodies that cannot be parsed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from kgmem import EntityWrite, Memory
from kgmem.cypher import cost
from kgmem.cypher.values import MAX_DEPTH
from tests.server.test_entities_api import assert_problem

LONE = "x\ud800y"


def escaped(body: object) -> bytes:
    """JSON with every non-ASCII character escaped (``\\ud800`` stays a lone escape)."""
    return json.dumps(body).encode()


async def send(client: httpx.AsyncClient, method: str, url: str, body: object) -> httpx.Response:
    headers = {"content-type": "application/json"}
    return await client.request(method, url, content=escaped(body), headers=headers)


@pytest.fixture
async def other(memory: Memory, namespace: str) -> AsyncIterator[str]:
    """A second namespace with one entity, to show the server still serves it."""
    name = namespace + "_o"
    await memory.create_namespace(name, "bystander")
    await memory.upsert_entity(name, EntityWrite("kept", "Person", {"name": "Kept"}))
    try:
        yield name
    finally:
        await memory.delete_namespace(name)


async def assert_serving(client: httpx.AsyncClient, ns: str) -> None:
    response = await client.get(f"/v1/namespaces/{ns}/entities/kept")
    assert response.status_code == 200, response.text
    assert response.json()["entity"]["properties"]["name"] == "Kept"


SURROGATE_BODIES = [
    ("PUT", "entities/a", {"label": "Person", "properties": {"name": LONE}}),
    ("PUT", "entities/a", {"label": "Person", "properties": {LONE: 1}}),
    ("POST", "search", {"text": LONE}),
    ("POST", "episodes", {"text": LONE}),
    ("POST", "facts", {"subject": "a", "predicate": "KNOWS", "object": "b", "text": LONE}),
    ("POST", "batch", {"entities": [{"uid": "a", "properties": {"n": [LONE]}}]}),
    ("POST", "cypher", {"query": f"RETURN '{LONE}' AS s"}),
    ("POST", "cypher", {"query": "RETURN $p AS s", "params": {"p": {"deep": [LONE]}}}),
    ("POST", "queries/entity_by_uid", {"params": {"uid": LONE}}),
    ("POST", "verify", {"subject": "a", "predicate": "P", "value": LONE}),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), SURROGATE_BODIES, ids=[f"{m} {p}" for m, p, _ in SURROGATE_BODIES]
)
async def test_a_lone_surrogate_anywhere_in_a_body_is_invalid_text(
    client: httpx.AsyncClient, namespace: str, other: str, method: str, path: str, body: object
) -> None:
    response = await send(client, method, f"/v1/namespaces/{namespace}/{path}", body)
    problem = assert_problem(response, 422, "invalid_text")
    assert "\\ud800" in problem["detail"]
    assert (await client.get(f"/v1/namespaces/{namespace}/entities/a")).status_code == 404
    await assert_serving(client, other)


async def test_a_namespace_description_with_a_lone_surrogate_is_refused(
    client: httpx.AsyncClient,
) -> None:
    response = await send(client, "POST", "/v1/namespaces", {"name": "nsl", "description": LONE})
    assert_problem(response, 422, "invalid_text")
    assert (await client.get("/v1/namespaces/nsl")).status_code == 404


async def test_escaped_surrogate_pairs_and_escaped_backslashes_are_valid_text(
    client: httpx.AsyncClient, namespace: str
) -> None:
    name = "smile \U0001f600 and a literal \\ud800"
    response = await send(
        client, "PUT", f"/v1/namespaces/{namespace}/entities/a", {"properties": {"name": name}}
    )
    assert response.status_code in (200, 201), response.text
    got = await client.get(f"/v1/namespaces/{namespace}/entities/a")
    assert got.json()["entity"]["properties"]["name"] == name


async def test_a_body_that_is_not_utf8_is_invalid_text(
    client: httpx.AsyncClient, namespace: str, other: str
) -> None:
    for raw in (b'{"label": "\xed\xa0\x80"}', b'{"label": "\xff"}'):
        response = await client.put(
            f"/v1/namespaces/{namespace}/entities/a",
            content=raw,
            headers={"content-type": "application/json"},
        )
        assert_problem(response, 422, "invalid_text")
    await assert_serving(client, other)


async def test_explain_returns_the_plan_and_runs_nothing(
    client: httpx.AsyncClient, namespace: str, other: str
) -> None:
    response = await send(
        client,
        "POST",
        f"/v1/namespaces/{namespace}/cypher",
        {"query": "explain CREATE (n:Person {name: 'ghost'}) RETURN n", "mode": "write"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == ["plan"]
    lines = [row[0] for row in body["rows"]]
    assert "writes: yes" in lines and "PostgreSQL plan:" in lines
    count = await send(
        client, "POST", f"/v1/namespaces/{namespace}/cypher", {"query": "MATCH (n) RETURN n"}
    )
    assert count.json()["rows"] == []
    await assert_serving(client, other)


async def test_explain_with_options_is_rejected(client: httpx.AsyncClient, namespace: str) -> None:
    for query in ("EXPLAIN ANALYZE MATCH (n) RETURN n", "EXPLAIN (COSTS) MATCH (n) RETURN n"):
        response = await send(
            client, "POST", f"/v1/namespaces/{namespace}/cypher", {"query": query}
        )
        assert_problem(response, 422, "cypher_unsupported")


async def test_explain_of_a_write_in_read_mode_needs_write_mode(
    client: httpx.AsyncClient, namespace: str
) -> None:
    response = await send(
        client, "POST", f"/v1/namespaces/{namespace}/cypher", {"query": "EXPLAIN CREATE (n)"}
    )
    assert response.status_code == 403 and response.json()["code"] == "cypher_access_mode"


def nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


async def test_a_result_nested_too_deep_is_a_limit_not_a_crash(
    client: httpx.AsyncClient, namespace: str, other: str
) -> None:
    url = f"/v1/namespaces/{namespace}/cypher"
    # Past the deepest value, the value's limit; far past it, the query's own nesting
    # bound, checked before anything is planned.
    for depth, limit in ((MAX_DEPTH + 1, MAX_DEPTH), (3000, cost.MAX_NESTING)):
        response = await send(client, "POST", url, {"query": f"RETURN {nested(depth)} AS x"})
        problem = assert_problem(response, 422, "limit_exceeded")
        assert problem["limit"] == limit
    deepest = await send(client, "POST", url, {"query": f"RETURN {nested(MAX_DEPTH)} AS x"})
    assert deepest.status_code == 200, deepest.text
    value = deepest.json()["rows"][0][0]
    for _ in range(MAX_DEPTH):
        [value] = value
    assert value == 1
    await assert_serving(client, other)


async def test_a_node_with_deeply_nested_properties_is_a_limit_not_a_crash(
    client: httpx.AsyncClient, namespace: str
) -> None:
    url = f"/v1/namespaces/{namespace}/cypher"
    create = f"CREATE (n:Deep {{v: {nested(MAX_DEPTH)}}}) RETURN 1 AS one"
    created = await send(client, "POST", url, {"query": create, "mode": "write"})
    assert created.status_code == 200, created.text
    response = await send(client, "POST", url, {"query": "MATCH (n:Deep) RETURN n"})
    assert_problem(response, 422, "limit_exceeded")


async def test_parameters_nested_too_deep_are_a_limit_not_a_crash(
    client: httpx.AsyncClient, namespace: str, other: str
) -> None:
    # 300 levels parse but cannot be encoded for AGE; 3,000 are past what the JSON parser
    # takes at all, so the body cannot be read.
    for depth, status, code in ((300, 422, "limit_exceeded"), (3000, 400, "malformed_request")):
        body = '{"query": "RETURN $p AS p", "params": {"p": ' + nested(depth) + "}}"
        response = await client.post(
            f"/v1/namespaces/{namespace}/cypher",
            content=body.encode(),
            headers={"content-type": "application/json"},
        )
        assert_problem(response, status, code)
    await assert_serving(client, other)


async def test_a_search_filter_nested_deeper_than_any_property_is_refused(
    client: httpx.AsyncClient, namespace: str
) -> None:
    url = f"/v1/namespaces/{namespace}/search"
    deep = json.loads(nested(9))  # stored properties nest at most 8 levels
    refused = await client.post(url, json={"text": "x", "filters": {"properties": {"p": deep}}})
    assert_problem(refused, 422, "invalid_request")
    kept = await client.post(url, json={"text": "x", "filters": {"properties": {"p": deep[0]}}})
    assert kept.status_code == 200, kept.text


async def test_a_parameter_past_64_bits_is_an_invalid_number(
    client: httpx.AsyncClient, namespace: str
) -> None:
    response = await client.post(
        f"/v1/namespaces/{namespace}/cypher",
        json={"query": "RETURN $p AS p", "params": {"p": [1, 10**30]}},
    )
    assert_problem(response, 422, "invalid_number")


async def test_a_parameter_that_is_not_a_finite_number_is_refused_not_nulled(
    client: httpx.AsyncClient, namespace: str
) -> None:
    for number in (b"NaN", b"Infinity", b"-Infinity"):
        response = await client.post(
            f"/v1/namespaces/{namespace}/cypher",
            content=b'{"query": "RETURN $p AS p", "params": {"p": [1, ' + number + b"]}}",
            headers={"content-type": "application/json"},
        )
        assert_problem(response, 422, "invalid_number")


async def test_an_import_of_an_unknown_format_is_refused_before_a_job_starts(
    client: httpx.AsyncClient, namespace: str, other: str
) -> None:
    url = f"/v1/namespaces/{namespace}/imports"
    named = await client.post(
        url, files={"file": ("d.nt", b"x", "text/plain")}, data={"format": "nope"}
    )
    assert "unknown import format" in assert_problem(named, 422, "invalid_input")["detail"]
    unnamed = await client.post(url, files={"file": ("d.zzz", b"x", "text/plain")})
    assert "d.zzz" in assert_problem(unnamed, 422, "invalid_input")["detail"]
    await assert_serving(client, other)


async def test_a_body_that_cannot_be_parsed_has_a_documented_code(
    client: httpx.AsyncClient, namespace: str
) -> None:
    response = await client.post(
        f"/v1/namespaces/{namespace}/imports",
        content=b"--b\r\nnot a part",
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert_problem(response, 400, "malformed_request")
    deep = b'{"label": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = await client.put(
        f"/v1/namespaces/{namespace}/entities/a",
        content=deep,
        headers={"content-type": "application/json"},
    )
    assert response.status_code in (400, 422) and response.json()["code"] in (
        "malformed_request",
        "invalid_request",
    )
