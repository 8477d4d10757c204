"""Facts over REST: add, read, list, close (kept), delete; bad input is a 4xx."""

import httpx
import pytest

from tests.server.test_entities_api import assert_problem


@pytest.fixture
async def base(client: httpx.AsyncClient, namespace: str) -> str:
    url = f"/v1/namespaces/{namespace}"
    for uid, label in [("alice", "Person"), ("acme", "Organization"), ("beta", "Organization")]:
        await client.put(
            f"{url}/entities/{uid}", json={"label": label, "properties": {"name": uid.title()}}
        )
    return url


async def test_add_read_close_and_list(client: httpx.AsyncClient, base: str) -> None:
    added = await client.post(
        f"{base}/facts",
        json={
            "subject": "alice",
            "predicate": "WORKS_AT",
            "object": "acme",
            "valid_from": "2020-01-01T00:00:00+02:00",
            "properties": {"role": "CTO"},
            "confidence": 0.8,
            "source": "hr",
        },
    )
    assert added.status_code == 201
    fact = added.json()
    assert fact["status"] == "current" and fact["valid_from"] == "2019-12-31T22:00:00Z"
    assert fact["text"] == "Alice works at Acme" and fact["sources"] == ["hr"]
    got = await client.get(f"{base}/facts/{fact['uid']}")
    assert got.json() == fact
    closed = await client.post(
        f"{base}/facts/{fact['uid']}/close", json={"valid_to": "2023-06-01T00:00:00Z"}
    )
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed" and closed.json()["valid_to"] == (
        "2023-06-01T00:00:00Z"
    )
    assert (await client.get(f"{base}/facts")).json()["items"] == []
    listed = (await client.get(f"{base}/facts?include_closed=true&subject=alice")).json()
    assert [f["uid"] for f in listed["items"]] == [fact["uid"]]
    assert_problem(
        await client.post(f"{base}/facts/{fact['uid']}/close"), 409, "fact_already_closed"
    )


async def test_delete(client: httpx.AsyncClient, base: str) -> None:
    fact = (
        await client.post(
            f"{base}/facts", json={"subject": "alice", "predicate": "KNOWS", "object": "acme"}
        )
    ).json()
    assert (await client.delete(f"{base}/facts/{fact['uid']}")).status_code == 204
    assert_problem(await client.get(f"{base}/facts/{fact['uid']}"), 404, "fact_not_found")
    assert_problem(await client.delete(f"{base}/facts/{fact['uid']}"), 404, "fact_not_found")
    assert_problem(await client.post(f"{base}/facts/{fact['uid']}/close"), 404, "fact_not_found")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"subject": "alice", "predicate": "WORKS_AT", "object": "ghost"}, 404, "entity_not_found"),
        (
            {"subject": "alice", "predicate": "works " * 11, "object": "acme"},
            422,
            "invalid_identifier",
        ),
        ({"subject": "alice", "predicate": "Person", "object": "acme"}, 422, "invalid_input"),
        (
            {
                "subject": "alice",
                "predicate": "KNOWS",
                "object": "acme",
                "valid_from": "2021-01-01T00:00:00Z",
                "valid_to": "2020-01-01T00:00:00Z",
            },
            422,
            "invalid_timestamp",
        ),
        (
            {
                "subject": "alice",
                "predicate": "KNOWS",
                "object": "acme",
                "valid_from": "2021-01-01T00:00:00",
            },
            422,
            "invalid_timestamp",
        ),
        (
            {
                "subject": "alice",
                "predicate": "KNOWS",
                "object": "acme",
                "recorded_at": "2999-01-01T00:00:00Z",
            },
            422,
            "invalid_timestamp",
        ),
        (
            {"subject": "alice", "predicate": "KNOWS", "object": "acme", "confidence": 2},
            422,
            "invalid_input",
        ),
        (
            {
                "subject": "alice",
                "predicate": "KNOWS",
                "object": "acme",
                "episode": "no_such_episode",
            },
            404,
            "entity_not_found",
        ),
        ({"subject": "alice", "predicate": "KNOWS"}, 422, "invalid_request"),
        (
            {
                "subject": "alice",
                "predicate": "KNOWS",
                "object": "acme",
                "valid_from": "when pigs fly",
            },
            422,
            "invalid_timestamp",
        ),
        (
            {
                "subject": "alice",
                "predicate": "KNOWS",
                "object": "acme",
                "properties": {"expired_at": 1},
            },
            422,
            "invalid_property",
        ),
        (
            {"subject": "alice", "predicate": "KNOWS", "object": "acme", "embedding": [1.0] * 10},
            422,
            "invalid_vector_dimension",
        ),
    ],
)
async def test_bad_facts_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, base: str, body: dict, status: int, code: str
) -> None:
    assert_problem(await client.post(f"{base}/facts", json=body), status, code)
    assert (await client.get(f"{base}/facts?include_closed=true")).json()["items"] == []


async def test_close_with_bad_times(client: httpx.AsyncClient, base: str) -> None:
    fact = (
        await client.post(
            f"{base}/facts",
            json={
                "subject": "alice",
                "predicate": "KNOWS",
                "object": "acme",
                "valid_from": "2020-01-01T00:00:00Z",
            },
        )
    ).json()
    url = f"{base}/facts/{fact['uid']}/close"
    assert_problem(
        await client.post(url, json={"valid_to": "2019-01-01T00:00:00Z"}), 422, "invalid_timestamp"
    )
    assert_problem(
        await client.post(url, json={"valid_to": "2021-01-01T00:00:00"}), 422, "invalid_timestamp"
    )
    assert (await client.get(f"{base}/facts/{fact['uid']}")).json()["status"] == "current"


async def test_list_with_bad_parameters(client: httpx.AsyncClient, base: str) -> None:
    assert_problem(await client.get(f"{base}/facts?predicate=a%00b"), 422, "invalid_identifier")
    assert_problem(await client.get(f"{base}/facts?cursor=%%%"), 422, "invalid_cursor")
    assert_problem(await client.get(f"{base}/facts?limit=100000"), 422, "invalid_request")
