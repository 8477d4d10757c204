"""Agent state and scratch keys over REST: ETags, If-Match, 409 on a stale write with
nothing changed, history, clear 4xx for bad input."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.server.test_entities_api import assert_problem


@pytest.fixture
def base(namespace: str) -> str:
    return f"/v1/namespaces/{namespace}/agents"


async def test_put_get_with_etags_and_history(client: httpx.AsyncClient, base: str) -> None:
    created = await client.put(f"{base}/planner/state", json={"state": {"step": 1}})
    assert created.status_code == 200 and created.headers["etag"] == '"1"'
    updated = await client.put(
        f"{base}/planner/state", json={"state": {"step": 2}}, headers={"If-Match": '"1"'}
    )
    assert updated.json()["version"] == 2
    got = await client.get(f"{base}/planner/state")
    assert got.json()["state"] == {"step": 2} and got.headers["etag"] == '"2"'
    old = await client.get(f"{base}/planner/state", params={"version": 1})
    assert old.json()["state"] == {"step": 1}
    history = (await client.get(f"{base}/planner/state/history")).json()
    assert [h["version"] for h in history] == [2, 1]
    listed = (await client.get(base)).json()
    assert [(a["agent"], a["version"]) for a in listed] == [("planner", 2)]


async def test_stale_if_match_is_409_and_nothing_changes(
    client: httpx.AsyncClient, base: str
) -> None:
    await client.put(f"{base}/a/state", json={"state": "v1", "expected_version": 0})
    await client.put(f"{base}/a/state", json={"state": "v2", "expected_version": 1})
    stale = await client.put(f"{base}/a/state", json={"state": "lost"}, headers={"If-Match": "1"})
    body = assert_problem(stale, 409, "stale_version")
    assert body["current_version"] == 2
    stale_body = await client.put(f"{base}/a/state", json={"state": "lost", "expected_version": 0})
    assert_problem(stale_body, 409, "stale_version")
    assert (await client.get(f"{base}/a/state")).json() | {"written_at": None} == {
        "agent": "a",
        "version": 2,
        "state": "v2",
        "written_at": None,
    }
    assert len((await client.get(f"{base}/a/state/history")).json()) == 2


async def test_concurrent_clients_with_the_same_version_one_wins(
    client: httpx.AsyncClient, base: str
) -> None:
    await client.put(f"{base}/r/state", json={"state": 0})

    async def attempt(i: int) -> int:
        response = await client.put(
            f"{base}/r/state", json={"state": i}, headers={"If-Match": '"1"'}
        )
        return response.status_code

    async with asyncio.timeout(30):
        codes = await asyncio.gather(*(attempt(i) for i in range(6)))
    assert sorted(codes) == [200] + [409] * 5


async def test_reset_and_missing_state(client: httpx.AsyncClient, base: str) -> None:
    assert_problem(await client.get(f"{base}/ghost/state"), 404, "agent_state_not_found")
    assert_problem(await client.delete(f"{base}/ghost/state"), 404, "agent_state_not_found")
    await client.put(f"{base}/a/state", json={"state": [1]})
    reset = await client.delete(f"{base}/a/state", headers={"If-Match": '"1"'})
    assert reset.json()["version"] == 2 and reset.json()["state"] is None
    assert_problem(await client.get(f"{base}/a/state"), 404, "agent_state_not_found")


async def test_bad_input_is_a_clear_4xx(client: httpx.AsyncClient, base: str) -> None:
    bad_etag = await client.put(f"{base}/a/state", json={"state": 1}, headers={"If-Match": "x"})
    assert_problem(bad_etag, 422, "invalid_request")
    both = await client.put(
        f"{base}/a/state", json={"state": 1, "expected_version": 2}, headers={"If-Match": '"1"'}
    )
    assert_problem(both, 422, "invalid_request")
    assert_problem(await client.put(f"{base}/a/state", json={}), 422, "invalid_request")
    nul = await client.put(f"{base}/a/state", json={"state": {"k": "a\u0000b"}})
    assert_problem(nul, 422, "invalid_text")
    assert_problem(
        await client.put("/v1/namespaces/nope_ns/agents/a/state", json={"state": 1}),
        404,
        "namespace_not_found",
    )
    ttl = await client.put(f"{base}/a/scratch/k", json={"value": 1, "ttl_s": -1})
    assert_problem(ttl, 422, "invalid_request")
    assert (await client.get(f"{base}")).json() == []


async def test_scratch_keys_over_rest(client: httpx.AsyncClient, base: str) -> None:
    put = await client.put(f"{base}/a/scratch/plan/draft", json={"value": {"x": 1}, "ttl_s": 0.3})
    assert put.status_code == 200 and put.json()["key"] == "plan/draft"
    assert (await client.get(f"{base}/a/scratch/plan/draft")).json()["value"] == {"x": 1}
    await client.put(f"{base}/a/scratch/keep", json={"value": True})
    await asyncio.sleep(0.5)
    assert_problem(await client.get(f"{base}/a/scratch/plan/draft"), 404, "scratch_key_not_found")
    assert [e["key"] for e in (await client.get(f"{base}/a/scratch")).json()] == ["keep"]
    assert (await client.delete(f"{base}/a/scratch/keep")).status_code == 204
    assert (await client.get(f"{base}/a/scratch")).json() == []
