"""The episodes endpoints, including 16 concurrent requests for one new entity."""

import asyncio

import asyncpg
import httpx

from kgmem import Memory


async def test_post_episode_returns_outcome_and_stores_episode(
    client: httpx.AsyncClient, namespace: str
) -> None:
    body = {
        "text": "Dana moved to Lisbon in May.",
        "uid": "ep-1",
        "reference_time": "2024-08-01T10:00:00Z",
        "facts": [
            {"subject": "Dana", "predicate": "LIVES_IN", "object": "Lisbon", "valid_from": "in May"}
        ],
    }
    r = await client.post(f"/v1/namespaces/{namespace}/episodes", json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["status"] == "done" and len(out["facts"]) == 1
    fact = (await client.get(f"/v1/namespaces/{namespace}/facts/{out['facts'][0]}")).json()
    assert fact["valid_from"].startswith("2024-05-01")
    ep = (await client.get(f"/v1/namespaces/{namespace}/episodes/ep-1")).json()
    assert ep["label"] == "Episode" and ep["properties"]["extraction"] == "done"


async def test_bad_episode_is_a_problem_and_unknown_episode_404(
    client: httpx.AsyncClient, namespace: str
) -> None:
    r = await client.post(f"/v1/namespaces/{namespace}/episodes", json={"text": "  "})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.get(f"/v1/namespaces/{namespace}/episodes/nope")
    assert r.status_code == 404 and r.json()["code"] == "episode_not_found"


async def test_sixteen_concurrent_episodes_create_one_entity(
    client: httpx.AsyncClient, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    async def post(i: int) -> httpx.Response:
        return await client.post(
            f"/v1/namespaces/{namespace}/episodes",
            json={
                "text": f"Turn {i}: I met Zara Quill.",
                "entities": [{"name": "Zara Quill", "label": "Person"}],
            },
        )

    responses = await asyncio.gather(*(post(i) for i in range(16)))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
    assert all(r.json()["status"] == "done" for r in responses)
    count = await raw_conn.fetchval(
        f"SELECT count(*) FROM \"{namespace}\"._kg_vertex WHERE label = 'Person'"
    )
    assert count == 1
    uids = {r.json()["entities"][0]["uid"] for r in responses}
    assert len(uids) == 1
    mentions = await raw_conn.fetchval(
        f"SELECT count(*) FROM \"{namespace}\"._kg_fact WHERE predicate = 'MENTIONS'"
    )
    assert mentions == 16


async def test_pipeline_config_round_trip_and_validation(
    client: httpx.AsyncClient, namespace: str, memory: Memory
) -> None:
    url = f"/v1/namespaces/{namespace}/pipeline"
    assert (await client.get(url)).json()["extractors"] == ["structured", "known", "rules"]
    r = await client.put(
        url, json={"extractors": ["known"], "stages": ["extract", "resolve", "write"]}
    )
    assert r.status_code == 200 and r.json()["stages"] == ["extract", "resolve", "write"]
    r = await client.put(url, json={"extractors": ["llm"]})
    assert r.status_code == 422 and "LLM_URL" in r.json()["detail"]
    r = await client.put(url, json={"stages": ["write", "extract", "resolve"]})
    assert r.status_code == 422
    # Without the structured extractor the caller's entities are ignored.
    r = await client.post(
        f"/v1/namespaces/{namespace}/episodes",
        json={"text": "hi", "entities": [{"name": "Nobody"}]},
    )
    assert r.json()["entities"] == []


async def test_an_unreadable_fact_time_is_a_422_naming_it_and_nothing_is_written(
    client: httpx.AsyncClient, namespace: str
) -> None:
    base = f"/v1/namespaces/{namespace}"
    fact = {"subject": "Maya", "predicate": "LIVES_IN", "object": "Porto"}
    for field, value in (
        ("valid_from", "sometime-ish maybe"),
        ("valid_to", "when pigs fly"),
        ("valid_from", "0001-01-01T00:00:00+01:00"),
        ("valid_from", "2024-05-01T12:00:00+25:00"),
    ):
        body = {"text": "I live in Porto.", "uid": "ep-bad", "facts": [fact | {field: value}]}
        r = await client.post(f"{base}/episodes", json=body)
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "invalid_timestamp"
        assert f"facts[0].{field}" in r.json()["detail"], r.text
    batch = {"episodes": [{"text": "ok"}, {"text": "no", "facts": [fact | {"valid_to": "?!"}]}]}
    r = await client.post(f"{base}/episodes/batch", json=batch)
    assert r.status_code == 422 and "episodes[1]" in r.json()["detail"], r.text
    assert (await client.get(f"{base}/episodes/ep-bad")).status_code == 404
    good = fact | {"valid_from": "last Monday", "valid_to": "2030-01-01T00:00:00Z"}
    r = await client.post(f"{base}/episodes", json={"text": "I live in Porto.", "facts": [good]})
    assert r.status_code == 201, r.text


async def test_a_fact_object_takes_the_label_its_predicate_or_the_text_gives(
    client: httpx.AsyncClient, namespace: str
) -> None:
    base = f"/v1/namespaces/{namespace}"
    facts = [
        {"subject": "Maya", "predicate": "LIVES_IN", "object": "Porto"},
        {"subject": "Maya", "predicate": "WORKS_AT", "object": "acme labs"},
        {"subject": "Maya", "predicate": "LIKES", "object": "Tea"},
        {"subject": "Maya", "predicate": "VISITED", "object": "Lisbon"},
    ]
    body = {"text": "I live in Porto, work at acme labs and went to Lisbon.", "speaker": "Maya"}
    r = await client.post(f"{base}/episodes", json=body | {"facts": facts})
    assert r.status_code == 201, r.text
    labels = {e["name"]: e["label"] for e in r.json()["entities"]}
    assert labels["Porto"] == "Place" and labels["acme labs"] == "Organization"
    assert labels["Lisbon"] == "Place"  # the rules read "to Lisbon"
    assert labels["Tea"] == "Entity" and labels["Maya"] == "Person"
