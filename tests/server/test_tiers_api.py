"""Memory tiers and distillation over REST, MCP and both clients: a policy set and
applied, episodes archived, searched in the archive and restored, episodes distilled
with provenance; bad input is a problem+json 4xx."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kgmem import BatchWrite, EntityWrite, Memory
from kgmem.client import ApiError, AsyncClient, Client
from kgmem.model.tier_model import ArchiveHit, DistillRequest
from tests.fixtures.http_fakes import fake_vector
from tests.mcp.test_mcp_http import error_text, mcp_client, payload
from tests.server.test_entities_api import assert_problem

NOW = datetime.now(UTC)
TEXTS = [
    "Ana: We moved the launch to Friday. The printer broke again.",
    "Ben: Friday works. I will order a new printer.",
    "Ana: Thanks. The venue confirmed forty seats.",
]


@pytest.fixture
async def episodes(memory: Memory, namespace: str) -> str:
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite(
                    f"ep{i}",
                    "Episode",
                    {
                        "text": t,
                        "session": "s1",
                        "occurred_at": (NOW - timedelta(days=90 - i)).isoformat(),
                    },
                    embedding=fake_vector(t, 384),
                )
                for i, t in enumerate(TEXTS)
            ]
        ),
    )
    return namespace


async def test_policy_apply_archive_restore_over_rest(
    client: httpx.AsyncClient, episodes: str
) -> None:
    url = f"/v1/namespaces/{episodes}"
    assert (await client.get(f"{url}/tiers/policy")).json()["archive_after_days"] is None
    search = {"text": "printer", "types": ["episodes"]}
    first = await client.post(f"{url}/search", json=search)
    assert {h["uid"] for h in first.json()["hits"]} == {"ep0", "ep1"}
    assert (await client.post(f"{url}/search", json=search)).headers["X-Kgmem-Cache"] == "hit"
    put = await client.put(f"{url}/tiers/policy", json={"archive_after_days": 30})
    assert put.status_code == 200 and put.json()["archive_tiers"] == ["episodic"]
    report = (await client.post(f"{url}/tiers/apply")).json()
    assert report["archived"] == ["ep0", "ep1", "ep2"] and report["counts"]["archived"] == 3
    # the archive invalidated the cached search: the archived turns are gone from it
    assert (await client.post(f"{url}/search", json=search)).json()["hits"] == []
    again = (await client.post(f"{url}/tiers/apply", json={})).json()
    assert again["archived"] == []
    found = await client.post(f"{url}/tiers/archive/search", json={"text": "printer"})
    assert {h["episode"]["uid"] for h in found.json()} >= {"ep0", "ep1"}
    restored = await client.post(f"{url}/tiers/restore", json={"uids": ["ep1"]})
    assert restored.json() == {"uids": ["ep1"]}
    listed = await client.get(f"{url}/tiers/episodes", params={"archived": "false"})
    assert [t["uid"] for t in listed.json()] == ["ep1"]


async def test_distill_and_provenance_over_rest(client: httpx.AsyncClient, episodes: str) -> None:
    url = f"/v1/namespaces/{episodes}"
    made = await client.post(f"{url}/distill", json={"keep": 2, "archive_sources": True})
    assert made.status_code == 200
    [item] = made.json()["items"]
    assert item["episodes"] == ["ep0", "ep1", "ep2"] and made.json()["archived"] == item["episodes"]
    prov = (await client.get(f"{url}/distilled/{item['uid']}/provenance")).json()
    assert prov["support"] == 1.0 and len(prov["properties"]["sentences"]) == 2


async def test_bad_tier_input_is_problem_json(client: httpx.AsyncClient, episodes: str) -> None:
    url = f"/v1/namespaces/{episodes}"
    for bad in ({"decay_half_life_days": -1}, {"nope": 1}, {"archive_tiers": ["cold"]}):
        assert_problem(await client.put(f"{url}/tiers/policy", json=bad), 422, "invalid_request")
    assert_problem(
        await client.post(f"{url}/tiers/archive", json={"uids": ["ep0", "ghost"]}),
        404,
        "episode_not_found",
    )
    assert_problem(
        await client.post(f"{url}/tiers/archive", json={"uids": []}), 422, "invalid_request"
    )
    assert_problem(
        await client.post(f"{url}/distill", json={"method": "abstractive"}), 422, "invalid_input"
    )
    assert_problem(await client.post(f"{url}/distill", json={"window": 0}), 422, "invalid_request")
    assert_problem(await client.get(f"{url}/distilled/ep0/provenance"), 404, "entity_not_found")
    assert_problem(
        await client.get("/v1/namespaces/ghost_ns/tiers/policy"), 404, "namespace_not_found"
    )


async def test_apply_at_the_limits_of_time_is_a_422_naming_now(
    client: httpx.AsyncClient, episodes: str
) -> None:
    url = f"/v1/namespaces/{episodes}/tiers/apply"
    # The default policy's working window (a day) would reach before year 1.
    answer = await client.post(url, json={"now": "0001-01-01T00:00:00Z"})
    assert_problem(answer, 422, "invalid_timestamp")
    assert "now" in answer.json()["detail"]
    fits = await client.post(url, json={"now": "0001-01-02T12:00:00+00:00"})
    assert fits.status_code == 200, fits.text
    assert_problem(
        await client.post(url, json={"now": "2024-05-01T12:00:00"}), 422, "invalid_timestamp"
    )
    assert_problem(
        await client.post(url, json={"now": "10000-01-01T00:00:00Z"}), 422, "invalid_timestamp"
    )
    late = await client.post(url, json={"now": "9999-12-31T23:59:59Z"})
    assert late.status_code == 200, late.text


async def test_tiers_through_both_clients(live_url: str, episodes: str) -> None:
    async with AsyncClient(live_url) as client:
        policy = await client.set_tier_policy(episodes, {"decay_half_life_days": 10})
        assert policy.decay_half_life_days == 10
        # A policy record is sent whole: its rules set to None are off, not defaulted.
        off = dataclasses.replace(policy, promote_min_facts=None)
        assert await client.set_tier_policy(episodes, off) == off
        await client.set_tier_policy(episodes, policy)
        assert (await client.get_tier_policy(episodes)).decay_half_life_days == 10
        assert await client.archive_episodes(episodes, ["ep0"]) == ["ep0"]
        [(entity, score)] = await client.search_archive(episodes, "printer broke", k=1)
        assert entity.uid == "ep0" and score > 0
        tiers = await client.episode_tiers(episodes, archived=True)
        assert [t.uid for t in tiers] == ["ep0"] and tiers[0].tier == "episodic"
        with pytest.raises(ApiError) as missing:
            await client.restore_episodes(episodes, ["ghost"])
        assert missing.value.code == "episode_not_found"

    def sync_work() -> tuple[list[str], int, float]:
        with Client(live_url) as client:
            restored = client.restore_episodes(episodes, ["ep0"])
            made = client.distill(episodes, DistillRequest(keep=1))
            prov = client.summary_provenance(episodes, made.items[0].uid)
            report = client.apply_tiers(episodes)
            return restored, len(made.items), prov.support + len(report.archived)

    assert await asyncio.to_thread(sync_work) == (["ep0"], 1, 1.0)


async def test_tier_tools_over_mcp(live_url: str, episodes: str) -> None:
    args = {"namespace": episodes}
    async with mcp_client(live_url) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert {"set_tier_policy", "apply_tier_policy", "distill_episodes"} <= tools
        bad = await client.call_tool("set_tier_policy", args | {"policy": {"decay_floor": 3}})
        assert error_text(bad).startswith("invalid_request: policy.decay_floor"), error_text(bad)
        payload(
            await client.call_tool("set_tier_policy", args | {"policy": {"archive_after_days": 60}})
        )
        report = payload(await client.call_tool("apply_tier_policy", args))
        assert report["archived"] == ["ep0", "ep1", "ep2"]
        hits = payload(await client.call_tool("search_archive", args | {"text": "venue seats"}))
        # REST's ArchiveHit records (episode, score), under "hits".
        assert hits["hits"][0]["episode"]["uid"] == "ep2"
        assert set(hits["hits"][0]) == {f.name for f in dataclasses.fields(ArchiveHit)}
        payload(await client.call_tool("restore_episodes", args | {"uids": ["ep0", "ep1", "ep2"]}))
        made = payload(await client.call_tool("distill_episodes", args | {"keep": 1}))
        [item] = made["items"]
        prov = payload(await client.call_tool("summary_provenance", args | {"uid": item["uid"]}))
        assert prov["episodes"] == ["ep0", "ep1", "ep2"]
