"""Search, timeline and causal trace over REST: results with per-axis scores and reasons,
explain, and bad parameters as problem+json 4xx."""

import httpx
import pytest

from kgmem import Memory
from kgmem.model import AxisWeights
from tests.retrieval.graphs import CITIES, add_cities, add_people, axis_vector
from tests.server.test_entities_api import assert_problem


async def test_search_returns_hits_with_scores_and_reasons(
    client: httpx.AsyncClient, memory: Memory, namespace: str
) -> None:
    await add_people(memory, namespace)
    response = await client.post(
        f"/v1/namespaces/{namespace}/search",
        json={
            "text": "rocket engineer",
            "embedding": axis_vector((0, 1.0)),
            "types": ["entities"],
            "k": 3,
            "explain": True,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [h["rank"] for h in body["hits"]] == [1, 2, 3]
    top = body["hits"][0]
    assert top["kind"] == "entity" and top["uid"] in {"alice", "bob"}
    assert top["entity"]["uid"] == top["uid"] and top["fact"] is None
    assert set(top["scores"]) >= {"vector", "keyword"} and top["reasons"]["keyword"]
    assert body["plan"] and body["timings_ms"]["fuse"] >= 0


async def test_search_combines_text_and_place(
    client: httpx.AsyncClient, memory: Memory, namespace: str
) -> None:
    await add_cities(memory, namespace)
    lat, lon = CITIES["suva"]
    response = await client.post(
        f"/v1/namespaces/{namespace}/search",
        json={"place": {"near": {"lat": lat, "lon": lon}, "radius_km": 1300}, "text": "apia"},
    )
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]
    assert {h["uid"] for h in hits} == {"suva", "apia", "nuku_alofa"}
    assert hits[0]["uid"] == "apia"  # the only keyword match, and in the area
    assert set(hits[0]["scores"]) >= {"keyword", "spatial"}


async def test_default_weights_are_documented_in_the_schema(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    weights = spec["components"]["schemas"]["WeightsIn"]["properties"]
    defaults = AxisWeights()
    for name in (
        "vector",
        "keyword",
        "nearby_keyword",
        "nearby_vector",
        "speaker",
        "statement",
        "first_person",
        "answer_type",
        "named_time",
        "graph",
    ):
        assert weights[name]["default"] == getattr(defaults, name), name
    assert defaults.keyword > defaults.vector > 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "invalid_input"),
        ({"place": {"near": {"lat": 0, "lon": 0}, "radius_km": -1}}, 422, "invalid_input"),
        ({"place": {"near": {"lat": 91, "lon": 0}, "radius_km": 5}}, 422, "invalid_input"),
        (
            {"time": {"start": "2020-02-01T00:00:00Z", "end": "2020-01-01T00:00:00Z"}},
            422,
            "invalid_timestamp",
        ),
        ({"causal": {"anchor": "ghost"}}, 404, "entity_not_found"),
        ({"text": "x", "k": 0}, 422, "invalid_input"),
        ({"text": "x", "colour": "red"}, 422, "invalid_request"),
        ({"text": "x", "weights": {"nearby_keyword": -1}}, 422, "invalid_input"),
        ({"text": "x", "weights": {"statement": -1}}, 422, "invalid_input"),
        ({"text": "x", "weights": {"first_person": -1}}, 422, "invalid_input"),
        ({"text": "x", "weights": {"answer_type": -1}}, 422, "invalid_input"),
        ({"text": "x", "weights": {"nearby_vector": "lots"}}, 422, "invalid_request"),
        ({"text": "x", "weights": {"speaker": -1}}, 422, "invalid_input"),
    ],
)
async def test_bad_search_parameters_are_clear_4xx(
    client: httpx.AsyncClient, namespace: str, body: dict, status: int, code: str
) -> None:
    response = await client.post(f"/v1/namespaces/{namespace}/search", json=body)
    assert_problem(response, status, code)


async def test_search_in_unknown_namespace_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/namespaces/nowhere_ns/search", json={"text": "x"})
    assert_problem(response, 404, "namespace_not_found")


async def test_timeline_route(client: httpx.AsyncClient, memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    response = await client.get(f"/v1/namespaces/{namespace}/entities/alice/timeline")
    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    assert [e["fact"]["uid"] for e in entries] == ["alice-acme", "alice-globex"]
    assert entries[0]["fact"]["status"] == "closed" and entries[0]["fact"]["expired_at"]
    assert entries[0]["fact"]["recorded_at"].startswith("2018-01-02")
    missing = await client.get(f"/v1/namespaces/{namespace}/entities/ghost/timeline")
    assert_problem(missing, 404, "entity_not_found")
    # the plain entity route still answers for the same uid
    assert (await client.get(f"/v1/namespaces/{namespace}/entities/alice")).status_code == 200


async def test_causal_trace_route(
    client: httpx.AsyncClient, memory: Memory, namespace: str
) -> None:
    from tests.retrieval.test_causal import build

    await build(memory, namespace)
    url = f"/v1/namespaces/{namespace}/causal/trace"
    response = await client.get(url, params={"anchor": "a", "min_strength": 0.35})
    assert response.status_code == 200, response.text
    paths = response.json()["paths"]
    assert [(p["end"], round(p["strength"], 3)) for p in paths] == [
        ("b", 0.8),
        ("c", 0.4),
        ("e", 0.36),
    ]
    assert paths[0]["steps"][0] == {
        "fact": "a-b",
        "cause": "a",
        "effect": "b",
        "predicate": "CAUSES",
        "strength": 0.8,
        "lag": "P1D",
        "cause_after_effect": False,
        "text": "event a causes event b",
    }
    flagged = (await client.get(url, params={"anchor": "x"})).json()["paths"]
    assert flagged[0]["flagged"] is True
    backward = await client.get(url, params={"anchor": "e", "direction": "backward", "depth": 1})
    assert [p["end"] for p in backward.json()["paths"]] == ["c"]
    assert_problem(await client.get(url, params={"anchor": "a", "depth": 0}), 422, "invalid_input")
    assert_problem(await client.get(url, params={"anchor": "ghost"}), 404, "entity_not_found")
