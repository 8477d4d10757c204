"""What verification answers say: no claim is never verified, every answer says what
its trust rests on, every namespace state can be scored, and every read of a fact
reports the same trust and status."""

from datetime import UTC, datetime

import httpx
import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory

Y2020 = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
async def sourceless(memory: Memory, namespace: str) -> str:
    """Dana lives in Berlin, and nobody said so: the facts carry no source."""
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite("dana", "Person", {"name": "Dana"}),
                EntityWrite("berlin", "Place", {"name": "Berlin"}),
                EntityWrite("paris", "Place", {"name": "Paris"}),
            ],
            facts=[FactWrite("dana", "LIVES_IN", "berlin", valid_from=Y2020)],
        ),
    )
    return namespace


async def test_a_statement_nobody_asserted_is_never_verified(
    client: httpx.AsyncClient, sourceless: str
) -> None:
    url = f"/v1/namespaces/{sourceless}"
    for value in ("paris", "Berlin"):
        answer = await client.post(
            f"{url}/verify", json={"subject": "dana", "predicate": "LIVES_IN", "value": value}
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["status"] != "verified" and body["trust"] is None, body
        assert body["basis"] == {"rests_on": "nothing", "sources": 0, "claims": 0, "prior": None}


async def test_a_sourced_answer_says_its_trust_rests_on_claims(
    client: httpx.AsyncClient, sourceless: str
) -> None:
    url = f"/v1/namespaces/{sourceless}"
    fact = (
        await client.post(
            f"{url}/facts",
            json={"subject": "dana", "predicate": "LIVES_IN", "object": "berlin", "source": "hr"},
        )
    ).json()
    check = (
        await client.post(
            f"{url}/verify", json={"subject": "dana", "predicate": "LIVES_IN", "value": "Berlin"}
        )
    ).json()
    assert check["trust"] == fact["trust"] and check["basis"]["rests_on"] == "consensus"
    assert check["basis"]["sources"] == 1 and check["basis"]["prior"] == pytest.approx(0.8)
    one = (await client.get(f"{url}/facts/{fact['uid']}/verification")).json()
    assert one["basis"] == check["basis"]


@pytest.mark.parametrize("state", ["empty", "sourceless"])
async def test_a_namespace_without_sources_can_be_scored(
    client: httpx.AsyncClient, memory: Memory, namespace: str, state: str
) -> None:
    if state == "sourceless":
        await memory.write_batch(
            namespace,
            BatchWrite(
                entities=[EntityWrite("a"), EntityWrite("b")], facts=[FactWrite("a", "KNOWS", "b")]
            ),
        )
    run = await client.post(f"/v1/namespaces/{namespace}/verification/run")
    assert run.status_code == 200, run.text
    assert run.json()["claims"] == 0 and run.json()["facts"] == 0


async def test_every_read_of_a_fact_reports_the_same_trust(
    client: httpx.AsyncClient, sourceless: str
) -> None:
    url = f"/v1/namespaces/{sourceless}"
    posted = (
        await client.post(
            f"{url}/facts",
            json={"subject": "dana", "predicate": "WORKS_AT", "object": "paris", "source": "hr"},
        )
    ).json()
    assert posted["trust"] is not None
    seen = {"post": (posted["trust"], posted["verification"])}
    got = (await client.get(f"{url}/facts/{posted['uid']}")).json()
    seen["get"] = (got["trust"], got["verification"])
    listed = (await client.get(f"{url}/facts?predicate=WORKS_AT")).json()["items"][0]
    seen["list"] = (listed["trust"], listed["verification"])
    entity = (await client.get(f"{url}/entities/dana")).json()
    [out] = [f for f in entity["outgoing"] if f["uid"] == posted["uid"]]
    seen["entity"] = (out["trust"], out["verification"])
    place = (await client.get(f"{url}/entities/paris")).json()
    seen["incoming"] = (place["incoming"][0]["trust"], place["incoming"][0]["verification"])
    timeline = (await client.get(f"{url}/entities/dana/timeline")).json()
    [entry] = [e for e in _entries(timeline) if e["fact"]["uid"] == posted["uid"]]
    seen["timeline"] = (entry["fact"]["trust"], entry["fact"]["verification"])
    check = (await client.get(f"{url}/facts/{posted['uid']}/verification")).json()
    seen["verification"] = (check["trust"], check["status"])
    assert len(set(seen.values())) == 1, seen


def _entries(timeline: object) -> list[dict]:
    return timeline if isinstance(timeline, list) else timeline["entries"]  # type: ignore[index]
