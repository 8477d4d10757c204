"""Entities over REST: upsert by uid, read with facts, list, delete; bad input is a 4xx."""

from urllib.parse import quote

import httpx
import pytest

PROBLEM = "application/problem+json"
VEC = [0.25] * 384


def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == code and body["status"] == status
    assert body["title"] and body["detail"] and body["type"].endswith(code)
    return body


async def test_put_creates_then_replaces(client: httpx.AsyncClient, namespace: str) -> None:
    url = f"/v1/namespaces/{namespace}/entities/alice"
    created = await client.put(
        url,
        json={
            "label": "Person",
            "properties": {"name": "Alice"},
            "embedding": VEC,
            "location": {"lat": 1, "lon": 2},
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert (
        body["uid"] == "alice"
        and body["has_embedding"]
        and body["location"] == {"lat": 1.0, "lon": 2.0}
    )
    replaced = await client.put(url, json={"label": "Person", "properties": {"name": "Al"}})
    assert replaced.status_code == 200 and replaced.json()["properties"] == {"name": "Al"}


async def test_iri_uids_work_in_the_path(client: httpx.AsyncClient, namespace: str) -> None:
    uid = "http://example.org/people/alice#me"
    encoded = f"/v1/namespaces/{namespace}/entities/{quote(uid, safe='')}"
    put = await client.put(encoded, json={"properties": {"name": "A"}})
    assert put.status_code == 201 and put.json()["uid"] == uid
    got = await client.get(encoded)
    assert got.status_code == 200 and got.json()["entity"]["uid"] == uid


async def test_get_includes_facts_both_ways(client: httpx.AsyncClient, namespace: str) -> None:
    base = f"/v1/namespaces/{namespace}"
    for uid in ("a", "b"):
        await client.put(f"{base}/entities/{uid}", json={"properties": {"name": uid.upper()}})
    await client.post(f"{base}/facts", json={"subject": "a", "predicate": "KNOWS", "object": "b"})
    a = (await client.get(f"{base}/entities/a")).json()
    b = (await client.get(f"{base}/entities/b")).json()
    assert [f["object"] for f in a["outgoing"]] == ["b"] and a["incoming"] == []
    assert [f["subject"] for f in b["incoming"]] == ["a"]
    none = (await client.get(f"{base}/entities/a?facts_limit=0")).json()
    assert none["outgoing"] == []


async def test_list_pages(client: httpx.AsyncClient, namespace: str) -> None:
    base = f"/v1/namespaces/{namespace}/entities"
    for uid in "dcba":
        await client.put(f"{base}/{uid}", json={"label": "Person"})
    first = (await client.get(f"{base}?limit=3")).json()
    second = (await client.get(f"{base}?limit=3&cursor={first['next_cursor']}")).json()
    assert [e["uid"] for e in first["items"]] == ["a", "b", "c"]
    assert [e["uid"] for e in second["items"]] == ["d"] and second["next_cursor"] is None


async def test_delete(client: httpx.AsyncClient, namespace: str) -> None:
    url = f"/v1/namespaces/{namespace}/entities/gone"
    await client.put(url, json={})
    assert (await client.delete(url)).status_code == 204
    assert_problem(await client.get(url), 404, "entity_not_found")
    assert_problem(await client.delete(url), 404, "entity_not_found")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"label": "x" * 64}, 422, "invalid_identifier"),
        ({"label": "__kgmem_x"}, 422, "invalid_identifier"),
        ({"label": ""}, 422, "invalid_identifier"),
        ({"properties": {"bad-key": 1}}, 422, "invalid_identifier"),
        ({"properties": {"uid": "x"}}, 422, "invalid_property"),
        ({"label": "Person", "properties": {"birth_date": 12}}, 422, "invalid_property"),
        ({"embedding": [0.1, 0.2]}, 422, "invalid_vector_dimension"),
        ({"embedding": [0.0] * 384}, 422, "invalid_vector_dimension"),
        ({"location": {"lat": 91, "lon": 0}}, 422, "invalid_input"),
        ({"location": {"lat": 0, "lon": -180.5}}, 422, "invalid_input"),
        ({"properties": {"s": "x" * 100_001}}, 422, "limit_exceeded"),
        ({"unknown_field": 1}, 422, "invalid_request"),
        ({"properties": "not a map"}, 422, "invalid_request"),
        ({"label": "WORKS_AT"}, 422, "invalid_input"),
    ],
)
async def test_bad_entities_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, namespace: str, body: dict, status: int, code: str
) -> None:
    response = await client.put(f"/v1/namespaces/{namespace}/entities/x", json=body)
    assert_problem(response, status, code)
    listed = (await client.get(f"/v1/namespaces/{namespace}/entities")).json()
    assert listed["items"] == []


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"properties": {"x": NaN}}', "invalid_number"),
        (b'{"properties": {"x": [Infinity]}}', "invalid_number"),
        (b'{"embedding": [NaN' + b", 0.1" * 383 + b"]}", "invalid_number"),
        (b"{not json", "invalid_request"),
        (b"[]", "invalid_request"),
    ],
)
async def test_non_finite_numbers_and_broken_json(
    client: httpx.AsyncClient, namespace: str, raw: bytes, code: str
) -> None:
    response = await client.put(
        f"/v1/namespaces/{namespace}/entities/x",
        content=raw,
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 422, code)


async def test_bad_uid_and_paging_parameters(client: httpx.AsyncClient, namespace: str) -> None:
    base = f"/v1/namespaces/{namespace}/entities"
    assert_problem(await client.put(f"{base}/%20padded", json={}), 422, "invalid_uid")
    assert_problem(await client.put(f"{base}/{'x' * 600}", json={}), 422, "invalid_uid")
    assert_problem(await client.get(f"{base}?cursor=zzz"), 422, "invalid_cursor")
    assert_problem(await client.get(f"{base}?limit=0"), 422, "invalid_request")
    assert_problem(await client.get(f"{base}?label=no%0Agood"), 422, "invalid_identifier")


async def test_unknown_namespace_and_route(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/namespaces/t_none/entities/a"), 404, "namespace_not_found")
    assert_problem(await client.get("/v1/nothing"), 404, "route_not_found")
    assert_problem(await client.patch("/v1/namespaces"), 405, "method_not_allowed")


async def test_a_property_named_in_any_script_is_stored_and_read_in_cypher(
    client: httpx.AsyncClient, namespace: str
) -> None:
    url = f"/v1/namespaces/{namespace}"
    body = {"label": "Person", "properties": {"name": "Jürgen", "größe": 1.82, "名前": "ユルゲン"}}
    assert (await client.put(f"{url}/entities/jurgen", json=body)).status_code in (200, 201)
    got = (await client.get(f"{url}/entities/jurgen")).json()
    assert got["entity"]["properties"]["größe"] == 1.82
    query = "MATCH (n:Person) WHERE n.`größe` > 1.8 RETURN n.`名前` AS name"
    answer = await client.post(f"{url}/cypher", json={"query": query})
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == [["ユルゲン"]]
    bare = await client.post(f"{url}/cypher", json={"query": "MATCH (n) RETURN n.größe"})
    assert bare.status_code == 422 and "back quotes" in bare.json()["detail"]
    refused = await client.put(
        f"{url}/entities/x", json={"label": "Person", "properties": {"a-b": 1}}
    )
    assert_problem(refused, 422, "invalid_identifier")
    assert "any script" in refused.json()["detail"]
