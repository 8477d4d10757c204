"""Budgets over REST: create, spend, idempotent retries (200 with the first
transaction), 409 on overspend with concurrent clients, balances as of a time."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.server.test_entities_api import assert_problem


@pytest.fixture
def base(namespace: str) -> str:
    return f"/v1/namespaces/{namespace}/budgets"


async def test_create_spend_replay_and_read(client: httpx.AsyncClient, base: str) -> None:
    created = await client.post(base, json={"name": "tok", "unit": "tokens", "limit": 100})
    assert created.status_code == 201 and created.json()["available"] == 100
    assert_problem(await client.post(base, json={"name": "tok"}), 409, "budget_exists")
    body = {"kind": "spend", "amount": 40, "agent": "planner", "idempotency_key": "c1"}
    first = await client.post(f"{base}/tok/transactions", json=body)
    assert first.status_code == 201 and not first.json()["replayed"]
    again = await client.post(f"{base}/tok/transactions", json=body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    reused = await client.post(f"{base}/tok/transactions", json=body | {"amount": 41})
    assert_problem(reused, 409, "idempotency_key_reused")
    over = await client.post(
        f"{base}/tok/transactions", json=body | {"idempotency_key": "c2", "amount": 61}
    )
    assert_problem(over, 409, "budget_exceeded")
    assert (await client.get(f"{base}/tok")).json()["spent"] == 40
    balance = await client.get(
        f"{base}/tok/balance", params={"agent": "planner", "as_of": first.json()["posted_at"]}
    )
    assert balance.json()["agent_spent"] == 40 and balance.json()["available"] == 60
    listed = await client.get(f"{base}/tok/transactions", params={"agent": "planner"})
    assert [t["id"] for t in listed.json()] == [first.json()["id"]]
    assert [b["name"] for b in (await client.get(base)).json()] == ["tok"]


async def test_concurrent_clients_cannot_overspend(client: httpx.AsyncClient, base: str) -> None:
    await client.post(base, json={"name": "race", "limit": 5})

    async def attempt(i: int) -> int:
        body = {"kind": "spend", "amount": 1, "agent": f"a{i}"}
        return (await client.post(f"{base}/race/transactions", json=body)).status_code

    async with asyncio.timeout(60):
        codes = await asyncio.gather(*(attempt(i) for i in range(12)))
    assert sorted(codes) == [201] * 5 + [409] * 7
    assert (await client.get(f"{base}/race")).json()["available"] == 0


async def test_bad_budget_input_is_a_clear_4xx(client: httpx.AsyncClient, base: str) -> None:
    assert_problem(await client.get(f"{base}/nope"), 404, "budget_not_found")
    assert_problem(await client.post(base, json={"name": "x", "limit": -1}), 422, "invalid_request")
    await client.post(base, json={"name": "b"})
    no_agent = await client.post(f"{base}/b/transactions", json={"kind": "spend", "amount": 1})
    assert_problem(no_agent, 422, "invalid_input")
    zero = await client.post(f"{base}/b/transactions", json={"kind": "spend", "amount": 0})
    assert_problem(zero, 422, "invalid_request")
    naive = await client.get(f"{base}/b/balance", params={"as_of": "2024-01-01T00:00:00"})
    assert_problem(naive, 422, "invalid_input")
