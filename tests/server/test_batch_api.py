import httpx

from tests.server.test_entities_api import assert_problem


async def test_batch_writes_all(client: httpx.AsyncClient, namespace: str) -> None:
    response = await client.post(
        f"/v1/namespaces/{namespace}/batch",
        json={
            "entities": [{"uid": "a", "label": "Person"}, {"uid": "b", "label": "Person"}],
            "facts": [{"subject": "a", "predicate": "KNOWS", "object": "b", "uid": "ab"}],
        },
    )
    assert response.status_code == 200
    assert response.json() == {
        "entities": [{"uid": "a", "created": True}, {"uid": "b", "created": True}],
        "facts": [{"uid": "ab", "created": True}],
        "closed": [],
        "notes": [],
    }


async def test_batch_with_one_bad_fact_writes_nothing(
    client: httpx.AsyncClient, namespace: str
) -> None:
    response = await client.post(
        f"/v1/namespaces/{namespace}/batch",
        json={
            "entities": [{"uid": "a"}, {"uid": "b"}],
            "facts": [
                {"subject": "a", "predicate": "KNOWS", "object": "b"},
                {"subject": "a", "predicate": "KNOWS", "object": "nobody"},
            ],
        },
    )
    assert_problem(response, 404, "entity_not_found")
    assert (await client.get(f"/v1/namespaces/{namespace}/entities")).json()["items"] == []


async def test_invalid_batch_item_is_located(client: httpx.AsyncClient, namespace: str) -> None:
    response = await client.post(
        f"/v1/namespaces/{namespace}/batch",
        json={"entities": [{"uid": "a"}, {"uid": "b", "label": "not\tvalid"}]},
    )
    body = assert_problem(response, 422, "invalid_identifier")
    assert body["detail"].startswith("entities[1]:")


async def test_batch_item_limit(client: httpx.AsyncClient, namespace: str, memory) -> None:
    limit = memory.settings.limits.max_batch_items
    response = await client.post(
        f"/v1/namespaces/{namespace}/batch",
        json={"entities": [{"uid": f"e{i}"} for i in range(limit + 1)]},
    )
    assert_problem(response, 422, "limit_exceeded")


async def test_empty_batch_is_fine(client: httpx.AsyncClient, namespace: str) -> None:
    response = await client.post(f"/v1/namespaces/{namespace}/batch", json={})
    assert response.json() == {"entities": [], "facts": [], "closed": [], "notes": []}
