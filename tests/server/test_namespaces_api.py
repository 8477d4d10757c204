import uuid

import httpx

from tests.server.test_entities_api import assert_problem


async def test_create_list_get_stats_delete(client: httpx.AsyncClient) -> None:
    name = f"t_{uuid.uuid4().hex[:10]}"
    created = await client.post("/v1/namespaces", json={"name": name, "description": "d"})
    assert created.status_code == 201 and created.json()["name"] == name
    assert name in [n["name"] for n in (await client.get("/v1/namespaces")).json()]
    assert (await client.get(f"/v1/namespaces/{name}")).json()["description"] == "d"
    await client.put(f"/v1/namespaces/{name}/entities/a", json={"label": "Person"})
    stats = (await client.get(f"/v1/namespaces/{name}/stats")).json()
    assert stats["vertices"]["Person"] == 1 and stats["facts_current"] == 0
    assert (await client.delete(f"/v1/namespaces/{name}")).status_code == 204
    assert_problem(await client.get(f"/v1/namespaces/{name}"), 404, "namespace_not_found")
    assert_problem(await client.get(f"/v1/namespaces/{name}/stats"), 404, "namespace_not_found")
    assert_problem(await client.delete(f"/v1/namespaces/{name}"), 404, "namespace_not_found")


async def test_bad_namespace_requests(client: httpx.AsyncClient, namespace: str) -> None:
    for bad in ("ab", "Has-Caps", "public", "pg_x", "x" * 70, "a;b"):
        assert_problem(
            await client.post("/v1/namespaces", json={"name": bad}), 422, "invalid_namespace_name"
        )
    assert_problem(
        await client.post("/v1/namespaces", json={"name": namespace}), 409, "namespace_exists"
    )
    assert_problem(await client.post("/v1/namespaces", json={}), 422, "invalid_request")
    for body in ({"name": "okname", "text_config": "x" * 64}, {"name": "okname", "other": 1}):
        assert_problem(await client.post("/v1/namespaces", json=body), 422, "invalid_request")
    assert (await client.get("/v1/namespaces/okname")).status_code == 404  # nothing made
    assert_problem(
        await client.post("/v1/namespaces", json={"name": "okname", "description": "x" * 3000}),
        422,
        "limit_exceeded",
    )
    assert_problem(await client.get("/v1/namespaces/BAD"), 422, "invalid_namespace_name")
