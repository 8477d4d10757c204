"""Decisions over REST: record, list with filters, explain from the graph, outcome,
flagged after a relied-on fact is closed; bad input is a clear 4xx."""

from __future__ import annotations

import httpx
import pytest

from tests.server.test_entities_api import assert_problem


@pytest.fixture
async def base(client: httpx.AsyncClient, namespace: str) -> str:
    url = f"/v1/namespaces/{namespace}"
    for uid, label in [("alice", "Person"), ("lyon", "Place")]:
        await client.put(f"{url}/entities/{uid}", json={"label": label, "properties": {}})
    fact = {"uid": "f-lyon", "subject": "alice", "predicate": "LIVES_IN", "object": "lyon"}
    assert (await client.post(f"{url}/facts", json=fact)).status_code == 201
    return url


async def test_record_explain_flag_and_outcome(client: httpx.AsyncClient, base: str) -> None:
    body = {"uid": "d1", "agent": "planner", "decision": "Offsite in Lyon", "facts": ["f-lyon"]}
    created = await client.post(f"{base}/decisions", json=body)
    assert created.status_code == 201 and created.json()["flagged"] is False
    why = (await client.get(f"{base}/decisions/d1/why")).json()
    assert [f["uid"] for f in why["facts"]] == ["f-lyon"] and why["decision"]["uid"] == "d1"
    await client.post(f"{base}/facts/f-lyon/close")
    got = (await client.get(f"{base}/decisions/d1")).json()
    assert got["flagged"] and got["concerns"] == [
        {"kind": "fact", "uid": "f-lyon", "reason": "closed"}
    ]
    done = await client.post(f"{base}/decisions/d1/outcome", json={"outcome": "held", "cost": 3})
    assert done.json()["outcome"] == "held" and done.json()["cost"] == 3
    listed = await client.get(
        f"{base}/decisions", params={"agent": "planner", "flagged": "true", "outcome": "held"}
    )
    assert [d["uid"] for d in listed.json()] == ["d1"]
    none = await client.get(f"{base}/decisions", params={"flagged": "false"})
    assert none.json() == []


async def test_bad_decisions_are_a_clear_4xx(client: httpx.AsyncClient, base: str) -> None:
    missing = {"agent": "a", "decision": "x", "facts": ["nope"]}
    assert_problem(await client.post(f"{base}/decisions", json=missing), 404, "fact_not_found")
    assert_problem(
        await client.post(f"{base}/decisions", json={"agent": "a"}), 422, "invalid_request"
    )
    assert_problem(await client.get(f"{base}/decisions/nope"), 404, "decision_not_found")
    bad_time = await client.get(f"{base}/decisions", params={"since": "yesterday"})
    assert_problem(bad_time, 422, "invalid_timestamp")


async def test_a_bad_outcome_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, base: str
) -> None:
    body = {"uid": "d2", "agent": "planner", "decision": "Offsite in Lyon"}
    assert (await client.post(f"{base}/decisions", json=body)).status_code == 201
    for bad in ({"outcome": ""}, {"outcome": "held", "cost": 0}, {"outcome": "held", "x": 1}, {}):
        answer = await client.post(f"{base}/decisions/d2/outcome", json=bad)
        assert_problem(answer, 422, "invalid_request")
    got = (await client.get(f"{base}/decisions/d2")).json()
    assert got["outcome"] is None and got["cost"] is None
    missing = await client.post(f"{base}/decisions/nope/outcome", json={"outcome": "held"})
    assert_problem(missing, 404, "decision_not_found")
