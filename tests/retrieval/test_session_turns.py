"""Session context and relevance on search hits: the neighbouring turns of an episode
hit in its session, and a relevance in [0, 1] beside the per-axis scores."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kgmem import Memory
from kgmem.errors import InvalidInput
from kgmem.ingest import EpisodeWrite
from kgmem.model import AxisWeights, SearchQuery

T0 = datetime(2024, 5, 15, 12, tzinfo=UTC)
TURNS = [
    "Did you finish the quilt?",
    "Yes, the blue quilt with the lighthouse pattern is done.",
    "Wonderful, send me a photo!",
    "Sure, tomorrow morning.",
]


async def two_sessions(memory: Memory, namespace: str) -> None:
    episodes = [
        EpisodeWrite(text=t, uid=f"s1-{i}", reference_time=T0 + timedelta(minutes=i), session="s1")
        for i, t in enumerate(TURNS)
    ]
    episodes.append(
        EpisodeWrite(
            text="A lighthouse tour next week?", uid="s2-0", reference_time=T0, session="s2"
        )
    )
    outcomes = await memory.add_episodes(namespace, episodes)
    assert all(o.status == "done" for o in outcomes)


def keyword(text: str, **options: object) -> SearchQuery:
    weights = AxisWeights(vector=0, keyword=1, graph=0)
    return SearchQuery(text=text, types=("episodes",), weights=weights, **options)  # type: ignore[arg-type]


async def test_context_returns_neighbouring_turns_of_the_same_session_in_order(
    memory: Memory, namespace: str
) -> None:
    await two_sessions(memory, namespace)
    result = await memory.search(namespace, keyword("lighthouse pattern quilt", context=1))
    top = result.hits[0]
    assert top.uid == "s1-1"
    assert [e.uid for e in top.context] == ["s1-0", "s1-2"]
    wider = await memory.search(namespace, keyword("lighthouse pattern quilt", context=5))
    assert [e.uid for e in wider.hits[0].context] == ["s1-0", "s1-2", "s1-3"]


async def test_without_context_hits_carry_no_neighbours(memory: Memory, namespace: str) -> None:
    await two_sessions(memory, namespace)
    result = await memory.search(namespace, keyword("lighthouse"))
    # s1-2 and s1-3 are keyword-indexed with the two turns before them
    # (kgmem.ingest.session_context).
    assert {h.uid for h in result.hits} == {"s1-1", "s1-2", "s1-3", "s2-0"}
    assert all(h.context == () for h in result.hits)


async def test_a_session_of_one_turn_has_no_context(memory: Memory, namespace: str) -> None:
    await two_sessions(memory, namespace)
    result = await memory.search(namespace, keyword("tour", context=2))
    assert [(h.uid, h.context) for h in result.hits] == [("s2-0", ())]


@pytest.mark.parametrize("bad", [-1, 11])
async def test_context_out_of_range_is_refused(memory: Memory, namespace: str, bad: int) -> None:
    with pytest.raises(InvalidInput, match="context"):
        await memory.search(namespace, keyword("quilt", context=bad))


async def test_relevance_is_one_for_the_best_hit_and_within_unit_interval(
    memory: Memory, namespace: str
) -> None:
    await two_sessions(memory, namespace)
    result = await memory.search(namespace, keyword("lighthouse quilt pattern"))
    relevances = [h.relevance for h in result.hits]
    assert relevances[0] == pytest.approx(1.0)
    assert all(0.0 <= r <= 1.0 for r in relevances)
    assert relevances == sorted(relevances, reverse=True)
    assert relevances[-1] < 1.0


async def test_rrf_fusion_ranks_by_reciprocal_ranks_and_keeps_relevance(
    memory: Memory, namespace: str
) -> None:
    await two_sessions(memory, namespace)
    result = await memory.search(namespace, keyword("lighthouse quilt", fusion="rrf"))
    assert result.hits[0].score == pytest.approx(1 / 61)
    assert result.hits[0].relevance == pytest.approx(1.0)


async def test_http_hits_carry_relevance_and_context(
    client: httpx.AsyncClient, memory: Memory, namespace: str
) -> None:
    await two_sessions(memory, namespace)
    body = {
        "text": "lighthouse pattern quilt",
        "types": ["episodes"],
        "weights": {"vector": 0, "graph": 0},
        "context": 1,
    }
    r = await client.post(f"/v1/namespaces/{namespace}/search", json=body)
    assert r.status_code == 200, r.text
    top = r.json()["hits"][0]
    assert top["relevance"] == pytest.approx(1.0)
    assert [e["uid"] for e in top["context"]] == ["s1-0", "s1-2"]
    r = await client.post(f"/v1/namespaces/{namespace}/search", json={**body, "context": 11})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
