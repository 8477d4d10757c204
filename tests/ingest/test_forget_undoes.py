"""Forgetting undoes: the facts a forgotten episode (or deleted fact) closed hold again,
on every read path, unless the remaining facts still close them."""

import json
from datetime import UTC, datetime
from typing import Any

import httpx

from kgmem import BatchWrite, EntityWrite, Fact, FactQuery, FactWrite, Memory
from kgmem.ingest import EpisodeWrite, FactMention
from kgmem.io.exporter import ExportOptions
from kgmem.model import SearchQuery, TimeQuery

JAN, MAR, MAY = (datetime(2024, m, 1, tzinfo=UTC) for m in (1, 3, 5))


def moved(uid: str, city: str, when: datetime) -> EpisodeWrite:
    return EpisodeWrite(
        f"I live in {city}.",
        uid=uid,
        speaker="Maya",
        reference_time=when,
        facts=[FactMention("Maya", "LIVES_IN", city)],
    )


async def _maya_lives_in(memory: Memory, namespace: str) -> dict[str, set[str]]:
    """Maya's current city by each read path, by name."""
    [hit] = (await memory.list_entities(namespace, label="Person")).items
    names = {e.uid: e.properties.get("name") for e in (await memory.list_entities(namespace)).items}
    now = datetime.now(UTC)

    def cities(facts: Any) -> set[str]:
        return {str(names[f.object]) for f in facts if f.predicate == "LIVES_IN"}

    entity = await memory.get_entity(namespace, hit.uid)
    as_of = await memory.get_entity(namespace, hit.uid, known_at=now)
    timeline = await memory.timeline(namespace, hit.uid)
    found = await memory.search(
        namespace,
        SearchQuery(text="Maya lives in", types=("facts",), time=TimeQuery(valid_at=now)),
    )
    rows = await memory.cypher(
        namespace,
        "MATCH (p)-[r:LIVES_IN]->(c) WHERE r.expired_at IS NULL AND r.valid_to IS NULL "
        "RETURN c.name",
    )
    exported = b"".join(
        [c async for c in memory.export(namespace, ExportOptions("jsonl", current_only=True))]
    )
    lines = [json.loads(line) for line in exported.decode().splitlines()]
    return {
        "export": {str(names[x["end"]]) for x in lines if x.get("label") == "LIVES_IN"},
        "entity": cities(entity.outgoing),
        "as_of_now": cities(as_of.outgoing),
        "timeline": cities(
            e.fact for e in timeline if not e.fact.is_closed and e.fact.valid_to is None
        ),
        "search": cities(h.fact for h in found.hits if h.fact is not None),
        "cypher": {r[0] for r in rows.rows},
    }


def _current(fact: Fact) -> bool:
    return not fact.is_closed and fact.valid_to is None


async def test_forgetting_the_move_makes_the_former_home_current_again(
    memory: Memory, namespace: str
) -> None:
    await memory.add_episodes(namespace, [moved("e1", "Porto", JAN), moved("e2", "Faro", MAR)])
    before = await _maya_lives_in(memory, namespace)
    assert set(map(frozenset, before.values())) == {frozenset({"Faro"})}, before
    await memory.delete_episode(namespace, "e2")
    after = await _maya_lives_in(memory, namespace)
    assert set(map(frozenset, after.values())) == {frozenset({"Porto"})}, after
    [porto] = (await memory.list_facts(namespace, FactQuery(include_closed=True))).items[-1:]
    assert porto.valid_to is None and porto.expired_at is None
    assert set((await memory.check_namespace(namespace)).values()) == {0}


async def test_a_forgotten_move_leaves_the_close_a_later_move_makes(
    memory: Memory, namespace: str
) -> None:
    await memory.add_episodes(
        namespace,
        [moved("e1", "Porto", JAN), moved("e2", "Faro", MAR), moved("e3", "Braga", MAY)],
    )
    await memory.delete_episode(namespace, "e2")
    facts = (await memory.list_facts(namespace, FactQuery(include_closed=True))).items
    lives = sorted((f for f in facts if f.predicate == "LIVES_IN"), key=lambda f: f.id)
    # Porto now ends when Braga starts, as if Faro had never been said.
    assert [(f.valid_from, f.valid_to) for f in lives] == [(JAN, MAY), (MAY, None)]
    assert (await _maya_lives_in(memory, namespace))["entity"] == {"Braga"}


async def test_deleting_a_fact_reopens_what_it_closed_not_a_close_by_hand(
    memory: Memory, namespace: str
) -> None:
    write = [
        FactWrite("maya", "LIVES_IN", "porto", uid="porto", valid_from=JAN),
        FactWrite("maya", "LIVES_IN", "faro", uid="faro", valid_from=MAR),
    ]
    people = [EntityWrite(u, "Entity", {"name": u}) for u in ("maya", "porto", "faro")]
    await memory.write_batch(namespace, BatchWrite(entities=people))
    for fact in write:
        await memory.add_fact(namespace, fact)
    await memory.delete_fact(namespace, "faro")
    porto = await memory.get_fact(namespace, "porto")
    assert (porto.valid_to, porto.expired_at) == (None, None)
    await memory.close_fact(namespace, "porto", valid_to=MAR)
    await memory.add_fact(namespace, write[1])
    await memory.delete_fact(namespace, "faro")
    assert (await memory.get_fact(namespace, "porto")).valid_to == MAR


async def test_forgetting_over_rest_reopens_the_former_home(
    client: httpx.AsyncClient, namespace: str
) -> None:
    base = f"/v1/namespaces/{namespace}"
    for uid, city, when in (("e1", "Porto", JAN), ("e2", "Faro", MAR)):
        body = {
            "text": f"I live in {city}.",
            "uid": uid,
            "speaker": "Maya",
            "reference_time": when.isoformat(),
            "facts": [{"subject": "Maya", "predicate": "LIVES_IN", "object": city}],
        }
        r = await client.post(f"{base}/episodes", json=body)
        assert r.status_code == 201, r.text
    maya = r.json()["entities"][0]["uid"]
    r = await client.delete(f"{base}/episodes/e2")
    assert r.status_code == 200, r.text
    now = datetime.now(UTC).isoformat()
    entity = (await client.get(f"{base}/entities/{maya}")).json()
    as_of = (await client.get(f"{base}/entities/{maya}", params={"known_at": now})).json()
    timeline = (await client.get(f"{base}/entities/{maya}/timeline")).json()
    search = await client.post(
        f"{base}/search",
        json={"text": "Maya lives in", "types": ["facts"], "time": {"valid_at": now}},
    )
    cypher = await client.post(
        f"{base}/cypher",
        json={
            "query": "MATCH (p)-[r:LIVES_IN]->(c) WHERE r.expired_at IS NULL "
            "AND r.valid_to IS NULL RETURN c.name"
        },
    )
    [porto] = [f for f in entity["outgoing"] if f["predicate"] == "LIVES_IN"]
    assert porto["valid_to"] is None and porto["expired_at"] is None
    assert [f["uid"] for f in as_of["outgoing"] if f["predicate"] == "LIVES_IN"] == [porto["uid"]]
    current = [e["fact"]["uid"] for e in timeline["entries"] if e["fact"]["valid_to"] is None]
    assert current == [porto["uid"]]
    assert [h["uid"] for h in search.json()["hits"]] == [porto["uid"]]
    assert cypher.json()["rows"] == [["Porto"]]


async def test_forgetting_a_source_removes_its_claims_and_reopens_what_they_closed(
    memory: Memory, namespace: str, client: httpx.AsyncClient
) -> None:
    people = [EntityWrite("maya", "Person", {"name": "Maya"})]
    people += [EntityWrite(u, "Place", {"name": u.title()}) for u in ("porto", "faro")]
    people += [EntityWrite("acme", "Organization", {"name": "Acme"})]
    await memory.write_batch(namespace, BatchWrite(entities=people))
    for fact in (
        FactWrite("maya", "LIVES_IN", "porto", uid="porto", valid_from=JAN, source="alpha"),
        FactWrite("maya", "WORKS_AT", "acme", uid="acme", valid_from=JAN, source="alpha"),
        FactWrite("maya", "WORKS_AT", "acme", uid="acme", valid_from=JAN, source="beta"),
        FactWrite("maya", "LIVES_IN", "faro", uid="faro", valid_from=MAR, source="beta"),
    ):
        await memory.add_fact(namespace, fact)
    assert (await memory.get_fact(namespace, "porto")).valid_to == MAR
    assert len((await memory.fact_verification(namespace, "acme")).sources_for) == 2
    answer = await client.delete(f"/v1/namespaces/{namespace}/sources/beta")
    assert answer.status_code == 200, answer.text
    assert answer.json()["facts_deleted"] == ["faro"] and answer.json()["facts_kept"] == ["acme"]
    seen = await _maya_lives_in(memory, namespace)
    assert all(cities == {"Porto"} for cities in seen.values()), seen
    assert _current(await memory.get_fact(namespace, "porto"))
    await memory.verify_namespace(namespace)
    kept = await memory.fact_verification(namespace, "acme")
    assert [s.source for s in kept.sources_for] == ["alpha"]
    assert [s.uid for s in (await memory.list_sources(namespace)).items] == ["alpha"]
    again = await client.delete(f"/v1/namespaces/{namespace}/sources/beta")
    assert again.status_code == 404 and again.json()["code"] == "source_not_found"
    not_a_source = await client.delete(f"/v1/namespaces/{namespace}/sources/maya")
    assert not_a_source.status_code == 404
