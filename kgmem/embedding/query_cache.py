"""Vectors of recent search texts, so an agent repeating or paging a query does not pay
for the model again.

An LRU of ``size`` entries keyed by (provider, model, text): a model change never
serves another model's vector. Concurrent misses of one text embed it once. Size 0
turns the cache off (every query is embedded).
"""

from __future__ import annotations

import asyncio

from cachetools import LRUCache

from kgmem.embedding.provider import Embedder

_Key = tuple[str, str, str]


class QueryCache:
    """Least-recently-used query vectors (``size`` entries at most)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._vectors: LRUCache[_Key, list[float]] = LRUCache(max(size, 1))
        self._pending: dict[_Key, asyncio.Future[list[float]]] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._vectors)

    async def vector(self, embedder: Embedder, text: str) -> list[float]:
        """The vector of ``text`` from ``embedder``, cached."""
        if self.size <= 0:
            return await _embed(embedder, text)
        key = (embedder.info.provider, embedder.info.model, text)
        found = self._vectors.get(key)
        if found is not None:
            self.hits += 1
            return found
        pending = self._pending.get(key)
        if pending is not None:
            self.hits += 1
            return await asyncio.shield(pending)
        self.misses += 1
        future: asyncio.Future[list[float]] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            vector = await _embed(embedder, text)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        finally:
            del self._pending[key]
        future.set_result(vector)
        self._vectors[key] = vector
        return vector


async def _embed(embedder: Embedder, text: str) -> list[float]:
    rows = await embedder.embed([text])
    return [float(x) for x in rows[0]]
