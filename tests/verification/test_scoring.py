"""Scoring a namespace in the store: full runs, incremental updates, fact reads carrying
trust, and the verification API."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.storage.graph import namespaces
from kgmem.storage.truth import claims as store


async def seed(memory: Memory, ns: str) -> None:
    """Four people's employers (fewer than copy detection needs) asserted by four
    sources; 'gossip' is wrong each time and
    'echo' repeats gossip; hr and registry are right."""
    people = [f"p{i}" for i in range(4)]
    orgs = ["acme", "beta", "gamma"]
    entities = [EntityWrite(uid=p, label="Person") for p in people]
    entities += [EntityWrite(uid=o, label="Organization", properties={"name": o}) for o in orgs]
    entities.append(EntityWrite(uid="gossip", label="Source", properties={"kind": "blog"}))
    facts = []
    for i, p in enumerate(people):
        right, wrong = orgs[i % 2], "gamma"
        facts += [
            FactWrite(subject=p, predicate="WORKS_AT", object=right, source="hr"),
            FactWrite(subject=p, predicate="WORKS_AT", object=right, source="registry"),
            FactWrite(subject=p, predicate="WORKS_AT", object=wrong, source="gossip"),
            FactWrite(subject=p, predicate="WORKS_AT", object=wrong, source="echo"),
        ]
    facts = [replace(f, uid=f"{f.subject}-{f.object}") for f in facts]
    await memory.write_batch(ns, BatchWrite(entities=entities, facts=facts))


async def test_full_run_scores_facts_and_sources(memory: Memory, namespace: str) -> None:
    await seed(memory, namespace)
    run = await memory.verify_namespace(namespace)
    assert run.claims == 16 and run.facts == 8 and run.items == 4 and run.sources == 4
    right = await memory.fact_verification(namespace, "p0-acme")
    wrong = await memory.fact_verification(namespace, "p0-gamma")
    assert right.trust is not None and wrong.trust is not None
    assert right.trust > 0.5 > wrong.trust and right.chosen and not wrong.chosen
    assert {c.source for c in right.sources_for} == {"hr", "registry"}
    assert {c.source for c in right.sources_against} == {"gossip", "echo"}
    assert right.contradiction == 2 and wrong.status in {"refuted", "contested"}
    fact = await memory.get_fact(namespace, "p0-acme")
    assert fact.trust == pytest.approx(right.trust) and fact.verification == right.status
    listed = await memory.list_sources(namespace)
    rel = {s.uid: s.reliability for s in listed.items}
    assert rel["hr"] is not None and rel["gossip"] is not None and rel["hr"] > rel["gossip"]
    detail = await memory.get_source(namespace, "gossip")
    assert detail.source.kind == "blog" and detail.history[0].run == "full"
    trust = await memory.trust_for(namespace, [fact.id])
    assert trust[fact.id][0] == pytest.approx(right.trust)


async def test_incremental_update_stays_close_to_a_full_recompute(
    memory: Memory, namespace: str
) -> None:
    await seed(memory, namespace)
    await memory.verify_namespace(namespace)
    await memory.upsert_entity(namespace, EntityWrite(uid="p9", label="Person"))
    new = [
        FactWrite(subject="p9", predicate="WORKS_AT", object="beta", source="hr", uid="p9-beta"),
        FactWrite(subject="p0", predicate="WORKS_AT", object="beta", source="x", uid="p0-beta"),
    ]
    for fact in new:
        stored = await memory.add_fact(namespace, fact)
        assert stored.trust is not None  # scored on write
    incremental = await scores(memory, namespace)
    detail = await memory.get_source(namespace, "hr")
    assert [p.run for p in detail.history[:1]] == ["incremental"]
    await memory.verify_namespace(namespace)
    full = await scores(memory, namespace)
    assert incremental.keys() == full.keys()
    worst = max(abs(incremental[k] - full[k]) for k in full)
    assert worst < 0.05, worst


async def scores(memory: Memory, ns: str) -> dict[int, float]:
    async with memory.database.acquire() as conn:
        ref = await namespaces.resolve(conn, ns)
        rows = await store.all_claims(conn, ref)
        return {k: v.trust for k, v in (await store.fact_scores(conn, ref, rows.fact_id)).items()}


async def test_verification_api(client: httpx.AsyncClient, memory: Memory, namespace: str) -> None:
    await seed(memory, namespace)
    base = f"/v1/namespaces/{namespace}"
    run = await client.post(f"{base}/verification/run")
    assert run.status_code == 200 and run.json()["facts"] == 8
    got = await client.get(f"{base}/facts/p1-beta/verification")
    assert got.status_code == 200 and got.json()["chosen"] is True
    fact = (await client.get(f"{base}/facts/p1-beta")).json()
    assert fact["trust"] == pytest.approx(got.json()["trust"])
    check = (
        await client.post(
            f"{base}/verify", json={"subject": "p1", "predicate": "WORKS_AT", "value": "gamma"}
        )
    ).json()
    assert [m["fact"] for m in check["matches"]] == ["p1-gamma"]
    assert [c["fact"] for c in check["contradictions"]] == ["p1-beta"]
    assert check["trust"] < 0.5
    unknown = (
        await client.post(
            f"{base}/verify", json={"subject": "p1", "predicate": "WORKS_AT", "value": "delta"}
        )
    ).json()
    assert unknown["matches"] == [] and unknown["trust"] < 0.5
    sources = (await client.get(f"{base}/sources")).json()
    assert {s["uid"] for s in sources["items"]} == {"hr", "registry", "gossip", "echo"}
    one = await client.get(f"{base}/sources/hr")
    assert one.status_code == 200 and one.json()["history"]
    missing = await client.get(f"{base}/sources/nobody")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["code"] == "source_not_found"
    bad = await client.post(f"{base}/verify", json={"subject": "p1", "predicate": "WORKS_AT"})
    assert bad.status_code in {400, 422}
