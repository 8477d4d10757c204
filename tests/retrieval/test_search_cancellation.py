"""A search's concurrent parts end together: a failing axis cancels the others and the
query embedding and is raised as it is (not wrapped in a group); a cancelled search
cancels its embedding; and its connections go back to the pool either way."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from kgmem import Memory
from kgmem.embedding.query_cache import QueryCache
from kgmem.errors import EntityNotFound
from kgmem.graph.graph_context import GraphContext
from kgmem.model import CausalQuery, EmbeddingInfo, SearchQuery, TimeQuery
from kgmem.retrieval.search import plan_of, run
from tests.retrieval.graphs import DIM, add_people, at

LIMIT_S = 30.0


class Waiting:
    """An embedder whose model never answers, noting whether its call was cancelled."""

    info = EmbeddingInfo("test", "waiting", DIM)
    loaded = True

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cancelled = False

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        return None


def _with(memory: Memory, embedder: Waiting) -> GraphContext:
    return replace(memory.ctx, embedder=embedder, query_cache=QueryCache(0))


def _embedding_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == "kgmem-embed-query"]


async def test_a_failing_axis_cancels_the_others_and_the_embedding(
    memory: Memory, namespace: str
) -> None:
    await add_people(memory, namespace)
    waiting = Waiting()
    ctx = _with(memory, waiting)
    q = SearchQuery(text="rocket", causal=CausalQuery("nobody"), time=TimeQuery(valid_at=at(2020)))
    plan = plan_of(ctx, q)
    assert plan.embeds
    assert plan.axes == ("vector", "keyword", "temporal", "causal")
    with pytest.raises(EntityNotFound):
        await asyncio.wait_for(run(ctx, namespace, plan), LIMIT_S)
    assert waiting.started.is_set()
    assert waiting.cancelled
    assert all(t.done() for t in _embedding_tasks())
    # Every connection the axes took is back: a search on the same pool still answers.
    without_causal = replace(q, causal=None, text=None, embedding=[1.0] + [0.0] * (DIM - 1))
    result = await asyncio.wait_for(memory.search(namespace, without_causal), LIMIT_S)
    assert result.hits


async def test_a_cancelled_search_cancels_its_embedding(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    waiting = Waiting()
    ctx = _with(memory, waiting)
    plan = plan_of(ctx, SearchQuery(text="rocket", time=TimeQuery(valid_at=at(2020))))
    searching = asyncio.create_task(run(ctx, namespace, plan))
    await asyncio.wait_for(waiting.started.wait(), LIMIT_S)
    searching.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(searching, LIMIT_S)
    assert waiting.cancelled
    assert all(t.done() for t in _embedding_tasks())
    result = await asyncio.wait_for(memory.search(namespace, SearchQuery(text="rocket")), LIMIT_S)
    assert result.hits
