"""The coalescing embedder in front of the real local model: concurrent calls share
model calls, answers match embedding alone, repeats come from the cache, and a
failing batch fails only the caller whose text was bad."""

import asyncio

import numpy as np
import pytest

from kgmem.embedding.batching import CoalescingEmbedder, coalesced
from kgmem.embedding.local import LocalEmbedder
from kgmem.errors import EmbeddingError
from kgmem.settings.config import EmbeddingSettings

TEXTS = [f"Turn {i}: we talked about trip number {i} to the mountains." for i in range(24)]


async def test_concurrent_calls_share_model_calls_and_match_embedding_alone(
    local_embedder: LocalEmbedder,
) -> None:
    embedder = CoalescingEmbedder(local_embedder, window_s=0.05, max_texts=64)
    together = await asyncio.gather(*(embedder.embed([t]) for t in TEXTS))
    assert embedder.stats.calls == len(TEXTS)
    assert embedder.stats.provider_calls <= 2
    alone = await local_embedder.embed(TEXTS)
    for i, rows in enumerate(together):
        assert rows.shape == (1, 384)
        assert np.allclose(rows[0], alone[i], atol=1e-4)


async def test_batches_hold_at_most_max_texts_and_keep_each_callers_order(
    local_embedder: LocalEmbedder,
) -> None:
    embedder = CoalescingEmbedder(local_embedder, window_s=0.05, max_texts=5)
    parts = [TEXTS[i : i + 3] for i in range(0, 24, 3)]
    answers = await asyncio.gather(*(embedder.embed(p) for p in parts))
    assert embedder.stats.provider_calls >= 24 // 5
    alone = await local_embedder.embed(TEXTS)
    assert np.allclose(np.vstack(answers), alone, atol=1e-4)


async def test_repeated_texts_come_from_the_cache(local_embedder: LocalEmbedder) -> None:
    embedder = CoalescingEmbedder(local_embedder, window_s=0, max_texts=64, cache_size=2)
    first = await embedder.embed(["Zara Quill", "Acme", "Zara Quill"])
    assert embedder.stats.texts == 2  # a text repeated within a call is embedded once
    again = await embedder.embed(["Acme", "Zara Quill"])
    assert embedder.stats.provider_calls == 1 and embedder.stats.cache_hits == 2
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[1], first[0])
    await embedder.embed(["a", "b", "c"])  # evicts both
    await embedder.embed(["Acme"])
    assert embedder.stats.provider_calls == 3


async def test_a_bad_text_fails_only_its_caller(local_embedder: LocalEmbedder) -> None:
    class Refusing:
        """The local model refusing one text, as a provider may (HTTP 400)."""

        info = local_embedder.info
        loaded = True

        async def embed(self, texts: list[str]) -> np.ndarray:
            if "bad" in texts:
                raise EmbeddingError("provider refused a text")
            return await local_embedder.embed(texts)

        async def close(self) -> None:
            pass

    embedder = CoalescingEmbedder(Refusing(), window_s=0.05, max_texts=64)
    good, bad = await asyncio.gather(
        embedder.embed(["fine"]), embedder.embed(["bad"]), return_exceptions=True
    )
    assert isinstance(bad, EmbeddingError)
    assert isinstance(good, np.ndarray) and good.shape == (1, 384)


def test_settings_turn_coalescing_off(local_embedder: LocalEmbedder) -> None:
    off = EmbeddingSettings(provider="local", coalesce_ms=0, cache_size=0)
    assert coalesced(local_embedder, off) is local_embedder
    on = coalesced(local_embedder, EmbeddingSettings(provider="local"))
    assert isinstance(on, CoalescingEmbedder) and on.window_s == pytest.approx(0.002)
