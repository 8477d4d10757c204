"""Search results carry consensus trust and can be filtered or ordered by it."""

from __future__ import annotations

import httpx
import pytest

from bench.roundtrips import RoundTrips
from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import InvalidInput
from kgmem.model import SearchQuery
from tests.retrieval.graphs import axis_vector, uids

PEOPLE = [f"p{i}" for i in range(4)]


async def seed(memory: Memory, ns: str) -> None:
    """Each person's employer: the right one asserted by three sources, a wrong one
    ('gamma') by two sources that are always wrong. The wrong facts' vectors sit closer
    to the query vector, so relevance and trust disagree."""
    entities = [EntityWrite(uid=p, label="Person") for p in PEOPLE]
    entities += [
        EntityWrite(uid=o, label="Organization", properties={"name": o})
        for o in ("acme", "beta", "gamma")
    ]
    facts = []
    for i, p in enumerate(PEOPLE):
        right = "acme" if i % 2 == 0 else "beta"
        near = axis_vector((0, 1.0), (1, 0.1 * i))  # wrong facts: close to the query
        far = axis_vector((0, 0.5), (1, 0.5 + 0.1 * i))  # right facts: further away
        for source in ("hr", "registry", "census"):
            facts.append(
                FactWrite(
                    subject=p,
                    predicate="WORKS_AT",
                    object=right,
                    source=source,
                    uid=f"{p}-{right}",
                    embedding=far,
                )
            )
        for source in ("gossip", "echo"):
            facts.append(
                FactWrite(
                    subject=p,
                    predicate="WORKS_AT",
                    object="gamma",
                    source=source,
                    uid=f"{p}-gamma",
                    embedding=near,
                )
            )
    await memory.write_batch(ns, BatchWrite(entities=entities, facts=facts))


def query(**kw: object) -> SearchQuery:
    settings: dict[str, object] = {"k": 8, **kw}
    return SearchQuery(embedding=axis_vector((0, 1.0)), types=("facts",), **settings)  # type: ignore[arg-type]


async def test_fact_hits_carry_trust_and_status(memory: Memory, namespace: str) -> None:
    await seed(memory, namespace)
    before = await memory.search(namespace, query())
    assert before.hits and all(h.trust is None and h.status is None for h in before.hits)
    await memory.verify_namespace(namespace)
    result = await memory.search(namespace, query())
    assert len(result.hits) == 8
    for hit in result.hits:
        stored = await memory.fact_verification(namespace, hit.uid)
        assert hit.trust == pytest.approx(stored.trust) and hit.status == stored.status
        assert hit.fact is not None and hit.fact.trust == hit.trust
    # Relevance puts the (wrong) gamma facts first.
    assert all(u.endswith("gamma") for u in uids(result.hits)[:4])


async def test_trust_is_read_apart_only_to_filter_or_order(memory: Memory, namespace: str) -> None:
    """A search ranked by score takes its hits' trust from the statement that loads
    their facts; only min_trust and order_by="trust" read it before the top k is cut."""
    await seed(memory, namespace)
    await memory.verify_namespace(namespace)
    apart = "SELECT fact_id, trust, status FROM"
    for extra, reads_apart in (
        ({}, False),
        ({"order_by": "trust"}, True),
        ({"min_trust": 0.1}, True),
    ):
        # The search's own statements only (its pooled connections, not a background
        # task's meanwhile).
        with RoundTrips(own=True) as trips:
            result = await memory.search(namespace, query(**extra))
        assert any(q.startswith(apart) for q in trips.by_query) is reads_apart, extra
        assert result.hits and all(h.trust is not None for h in result.hits), extra


async def test_order_by_trust_differs_from_relevance(memory: Memory, namespace: str) -> None:
    await seed(memory, namespace)
    await memory.verify_namespace(namespace)
    by_score = await memory.search(namespace, query())
    by_trust = await memory.search(namespace, query(order_by="trust"))
    trusts = [h.trust for h in by_trust.hits]
    assert all(t is not None for t in trusts)
    assert trusts == sorted(trusts, reverse=True)  # type: ignore[type-var]
    assert uids(by_trust.hits) != uids(by_score.hits)
    assert all(not u.endswith("gamma") for u in uids(by_trust.hits)[:4])
    assert sorted(uids(by_trust.hits)) == sorted(uids(by_score.hits))
    # k applies after the order: the top 2 by trust, not a re-sorted relevance top 2.
    top2 = await memory.search(namespace, query(order_by="trust", k=2))
    assert uids(top2.hits) == uids(by_trust.hits)[:2]
    assert all(not u.endswith("gamma") for u in uids(top2.hits))


async def test_min_trust_drops_low_and_unscored_facts(memory: Memory, namespace: str) -> None:
    await seed(memory, namespace)
    await memory.verify_namespace(namespace)
    # A fact nobody has scored (no source): dropped by any min_trust, kept without one.
    await memory.add_fact(
        namespace,
        FactWrite(
            subject="p0",
            predicate="KNOWS",
            object="p1",
            uid="p0-knows-p1",
            embedding=axis_vector((0, 1.0)),
        ),
    )
    every = await memory.search(namespace, query(k=20))
    assert "p0-knows-p1" in uids(every.hits)
    kept = await memory.search(namespace, query(k=20, min_trust=0.5))
    assert kept.hits and all(h.trust is not None and h.trust >= 0.5 for h in kept.hits)
    assert {u for u in uids(kept.hits)} == {
        u for u in uids(every.hits) if not u.endswith(("gamma", "p1"))
    }
    # Entity hits have no trust and are not filtered.
    mixed = await memory.search(
        namespace,
        SearchQuery(text="acme", types=("entities", "facts"), min_trust=0.99),
    )
    assert "acme" in uids(mixed.hits)


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
async def test_bad_min_trust_is_invalid_input(memory: Memory, namespace: str, bad: float) -> None:
    with pytest.raises(InvalidInput) as err:
        await memory.search(namespace, query(min_trust=bad))
    assert err.value.extra["field"] == "min_trust"


async def test_search_api_trust(client: httpx.AsyncClient, memory: Memory, namespace: str) -> None:
    await seed(memory, namespace)
    await memory.verify_namespace(namespace)
    url = f"/v1/namespaces/{namespace}/search"
    body = {"embedding": axis_vector((0, 1.0)), "types": ["facts"], "k": 8}
    got = await client.post(url, json={**body, "order_by": "trust", "min_trust": 0.5})
    assert got.status_code == 200
    hits = got.json()["hits"]
    assert hits and all(h["trust"] >= 0.5 and h["status"] for h in hits)
    assert [h["trust"] for h in hits] == sorted((h["trust"] for h in hits), reverse=True)
    for bad in ({"min_trust": 2}, {"min_trust": "high"}, {"order_by": "age"}):
        resp = await client.post(url, json={**body, **bad})
        assert resp.status_code == 422, bad
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.json()["code"]
    two = await client.post(url, json={**body, "min_trust": 2})
    assert two.json()["code"] == "invalid_input"
