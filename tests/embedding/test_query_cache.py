"""The search-text vector cache: LRU by (provider, model, text), one embed per text
even when requests race, failures not cached, size 0 off."""

import asyncio
from collections.abc import Sequence

import numpy as np
import pytest

from kgmem.embedding.provider import Vectors
from kgmem.embedding.query_cache import QueryCache
from kgmem.model import EmbeddingInfo


class Counting:
    """A provider that records the texts it embedded; vectors derive from the text."""

    def __init__(self, model: str = "m1", fail: bool = False) -> None:
        self.info = EmbeddingInfo("test", model, 4)
        self.loaded = True
        self.calls: list[str] = []
        self.fail = fail

    async def embed(self, texts: Sequence[str]) -> Vectors:
        await asyncio.sleep(0.01)
        self.calls.extend(texts)
        if self.fail:
            raise RuntimeError("provider down")
        rows = [[len(t), sum(map(ord, t)) % 97, 1.0, len(self.info.model)] for t in texts]
        return np.array(rows, dtype=np.float32)

    async def close(self) -> None:
        pass


async def test_repeated_text_is_embedded_once_and_equal() -> None:
    cache, e = QueryCache(8), Counting()
    first = await cache.vector(e, "who works at acme")
    again = await cache.vector(e, "who works at acme")
    assert first == again and e.calls == ["who works at acme"]
    assert (cache.hits, cache.misses) == (1, 1)


async def test_least_recently_used_text_is_evicted() -> None:
    cache, e = QueryCache(2), Counting()
    await cache.vector(e, "a")
    await cache.vector(e, "b")
    await cache.vector(e, "a")  # a is now more recent than b
    await cache.vector(e, "c")  # evicts b
    await cache.vector(e, "a")
    await cache.vector(e, "b")
    assert e.calls == ["a", "b", "c", "b"] and len(cache) == 2


async def test_another_model_never_gets_a_cached_vector() -> None:
    cache, one, two = QueryCache(8), Counting("m1"), Counting("model-two")
    a = await cache.vector(one, "same text")
    b = await cache.vector(two, "same text")
    assert one.calls == two.calls == ["same text"] and a != b


async def test_concurrent_misses_of_one_text_embed_it_once() -> None:
    cache, e = QueryCache(8), Counting()
    results = await asyncio.gather(*(cache.vector(e, "racing") for _ in range(5)))
    assert e.calls == ["racing"] and all(r == results[0] for r in results)


async def test_failures_are_raised_and_not_cached() -> None:
    cache, e = QueryCache(8), Counting(fail=True)
    with pytest.raises(RuntimeError, match="provider down"):
        await cache.vector(e, "x")
    e.fail = False
    assert (await cache.vector(e, "x"))[0] == 1.0 and e.calls == ["x", "x"]


async def test_size_zero_embeds_every_time() -> None:
    cache, e = QueryCache(0), Counting()
    await cache.vector(e, "x")
    await cache.vector(e, "x")
    assert e.calls == ["x", "x"] and len(cache) == 0
