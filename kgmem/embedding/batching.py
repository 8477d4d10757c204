"""Micro-batching in front of any provider: concurrent ``embed`` calls share model calls.

A model embeds 64 texts in far less than 64 times the cost of one, but requests arrive
one episode or one query at a time. ``CoalescingEmbedder`` queues every call; a single
drain task waits at most ``window_s`` for company when the model is idle, then embeds
up to ``max_texts`` queued texts in one provider call and hands each caller its rows.
While the model is busy, new calls pile up and form the next batch without waiting.

A small LRU cache of recent texts (names above all: resolution embeds a name, then
the new entity's vertex embeds the same name) answers repeats without the model.
Vectors do not depend on their batch-mates, so batching changes no result.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kgmem.embedding.provider import Embedder, Vectors
from kgmem.model import EmbeddingInfo
from kgmem.process.gathering import Gathering
from kgmem.process.metrics import instruments
from kgmem.settings.config import EmbeddingSettings


@dataclass(slots=True)
class _Call:
    """One caller's texts that the cache did not answer, and where its rows go."""

    texts: list[str]
    done: asyncio.Future[Vectors] = field(repr=False)


@dataclass(slots=True)
class CoalescingStats:
    """What the coalescer did: caller calls, provider calls, texts embedded, cache hits."""

    calls: int = 0
    provider_calls: int = 0
    texts: int = 0
    cache_hits: int = 0


class CoalescingEmbedder:
    """An ``Embedder`` that merges concurrent calls into provider batches (see module)."""

    def __init__(
        self, inner: Embedder, *, window_s: float, max_texts: int, cache_size: int = 0
    ) -> None:
        self.inner = inner
        self.window_s = window_s
        self.max_texts = max(1, max_texts)
        self.stats = CoalescingStats()
        self._cache_size = cache_size
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self._queue: Gathering[_Call] = Gathering(self.max_texts, lambda c: len(c.texts))
        self._drain: asyncio.Task[None] | None = None

    @property
    def info(self) -> EmbeddingInfo:
        return self.inner.info

    @property
    def loaded(self) -> bool:
        return self.inner.loaded

    @property
    def backend(self) -> str | None:
        """How the wrapped provider runs its model (local: onnx or torch), if it says."""
        return getattr(self.inner, "backend", None)

    async def load(self) -> None:
        """Load the wrapped provider's model (``Embedder.load``)."""
        await self.inner.load()

    async def close(self) -> None:
        if self._drain is not None:
            await asyncio.gather(self._drain, return_exceptions=True)
        await self.inner.close()

    async def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit row per text, in order, as the provider would give them."""
        self.stats.calls += 1
        rows: list[Vectors | None] = [self._cached(t) for t in texts]
        missing = list(dict.fromkeys(t for t, r in zip(texts, rows, strict=True) if r is None))
        if missing:
            found = dict(zip(missing, await self._queued(missing), strict=True))
            rows = [found[t] if r is None else r for t, r in zip(texts, rows, strict=True)]
        if not rows:
            return np.zeros((0, self.info.dimension), dtype=np.float32)
        return np.vstack([r for r in rows if r is not None]).astype(np.float32, copy=False)

    def _cached(self, text: str) -> Vectors | None:
        row = self._cache.get(text)
        if row is not None:
            self._cache.move_to_end(text)
            self.stats.cache_hits += 1
        return row

    def _remember(self, texts: Sequence[str], vectors: Vectors) -> None:
        if not self._cache_size:
            return
        for text, row in zip(texts, vectors, strict=True):
            self._cache[text] = row
            self._cache.move_to_end(text)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def _queued(self, texts: list[str]) -> Vectors:
        call = _Call(texts, asyncio.get_running_loop().create_future())
        self._queue.add(call)
        instruments().embedding_queue.inc(len(texts))
        if self._drain is None or self._drain.done():
            # Serves every caller queued meanwhile, so it outlives the call that started it.
            self._drain = asyncio.create_task(self._run())
        return await call.done

    async def _run(self) -> None:
        """Embed queued calls until none is left; the first batch waits for company."""
        await self._queue.wait_for_company(self.window_s)
        while self._queue:
            calls = self._queue.take()
            instruments().embedding_queue.dec(sum(len(c.texts) for c in calls))
            await self._embed_batch(calls)

    async def _embed_batch(self, calls: list[_Call]) -> None:
        texts = [t for c in calls for t in c.texts]
        self.stats.provider_calls += 1
        self.stats.texts += len(texts)
        instruments().embedding_batches.inc()
        instruments().embedding_texts.inc(len(texts))
        try:
            vectors = await self.inner.embed(texts)
        except Exception as exc:
            if len(calls) > 1:
                # One caller's bad text must not fail its batch-mates: each alone.
                for call in calls:
                    await self._embed_batch([call])
                return
            if not calls[0].done.done():
                calls[0].done.set_exception(exc)
            return
        self._remember(texts, vectors)
        start = 0
        for call in calls:
            rows = vectors[start : start + len(call.texts)]
            start += len(call.texts)
            if not call.done.done():
                call.done.set_result(rows)


def coalesced(inner: Embedder | None, settings: EmbeddingSettings) -> Embedder | None:
    """``inner`` behind a ``CoalescingEmbedder`` as the settings say (None stays None)."""
    if inner is None or (settings.coalesce_ms <= 0 and settings.cache_size <= 0):
        return inner
    return CoalescingEmbedder(
        inner,
        window_s=settings.coalesce_ms / 1000,
        max_texts=settings.batch_size,
        cache_size=settings.cache_size,
    )
