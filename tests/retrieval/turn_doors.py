"""What the tests of the fusion's per-episode features share: conversation turns
written as episodes, and one search asked of every door (Python, REST, MCP, the
client), which must rank alike and give the feature the same score."""

from datetime import UTC, datetime, timedelta
from typing import Any

from kgmem import Memory
from kgmem.client import AsyncClient
from kgmem.ingest import EpisodeWrite
from kgmem.model import AxisWeights, SearchQuery
from kgmem.server.app import create_app
from tests.fixtures.app import client_for, serving
from tests.mcp.test_mcp_http import mcp_client, payload

T0 = datetime(2024, 5, 15, 12, tzinfo=UTC)
_FEATURES = ("nearby_keyword", "nearby_vector", "speaker", "statement", "first_person",
             "present", "answer_type", "named_time")  # fmt: skip


def text_weights(**features: float) -> AxisWeights:
    """The keyword and vector axes, and of the fusion's features only ``features``."""
    return AxisWeights(keyword=0.5, vector=0.2, **{**dict.fromkeys(_FEATURES, 0.0), **features})


async def add_turns(memory: Memory, namespace: str, turns: list[tuple[str, str]]) -> None:
    """``turns`` (speaker, text) as episodes ``t0``, ``t1``, ..., a day apart."""
    await memory.add_episodes(
        namespace,
        [
            EpisodeWrite(text=text, uid=f"t{i}", speaker=who, reference_time=T0 + timedelta(days=i))
            for i, (who, text) in enumerate(turns)
        ],
    )


async def orders(
    memory: Memory, namespace: str, text: str, feature: str
) -> tuple[dict[float, list[str]], list[Any]]:
    """The episodes' order for ``text`` with ``feature`` off (weight 0) and on (1), and
    the hits with it on."""
    order, hits = {}, []
    for weight in (0.0, 1.0):
        q = SearchQuery(
            text=text, types=("episodes",), weights=text_weights(**{feature: weight}), k=2
        )
        hits = list((await memory.search(namespace, q)).hits)
        order[weight] = [h.uid for h in hits]
    return order, hits


def _ranked(hits: list[dict[str, Any]], feature: str) -> list[tuple[str, float | None]]:
    return [(h["uid"], h["scores"].get(feature)) for h in hits]


async def ranked_alike(
    memory: Memory, namespace: str, q: SearchQuery, body: dict[str, Any], feature: str
) -> list[tuple[str, float | None]]:
    """Python's (uid, ``feature`` score) per hit of ``q``, after checking that REST and
    MCP (given ``body``) and the client answer the same."""
    found = (await memory.search(namespace, q)).hits
    python = [(h.uid, h.scores.get(feature)) for h in found]
    app = create_app(memory=memory)
    async with client_for(app) as rest:
        response = await rest.post(f"/v1/namespaces/{namespace}/search", json=body)
    assert response.status_code == 200, response.text
    assert _ranked(response.json()["hits"], feature) == python
    async with serving(app) as url:
        async with mcp_client(url) as mcp:
            answer = payload(await mcp.call_tool("search", {"namespace": namespace, **body}))
        assert _ranked(answer["hits"], feature) == python
        async with AsyncClient(url) as client:
            hits = (await client.search(namespace, q)).hits
        assert [(h.uid, h.scores.get(feature)) for h in hits] == python
        assert all(feature in h.reasons for h in hits if h.scores.get(feature))
    return python
