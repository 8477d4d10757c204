"""Search through the store: a repeated text reuses its cached vector, the answers are
the same, and the text is embedded once; with the cache off it is embedded each time."""

from __future__ import annotations

import pytest

from kgmem import EntityWrite, Memory, Settings
from kgmem.embedding.local import LocalEmbedder
from kgmem.model import SearchQuery, TimeQuery
from kgmem.settings.config import EmbeddingSettings

pytestmark = pytest.mark.slow


class Counting(LocalEmbedder):
    """The real model, counting the texts it is asked for."""

    def __init__(self) -> None:
        super().__init__(EmbeddingSettings(provider="local"))
        self.texts: list[str] = []

    async def embed(self, texts):  # type: ignore[no-untyped-def]
        self.texts.extend(texts)
        return await super().embed(texts)


@pytest.mark.parametrize("cache_size", [16, 0])
async def test_repeated_search_text_is_embedded_once_when_cached(
    settings: Settings, namespace: str, cache_size: int
) -> None:
    embedder = Counting()
    local = EmbeddingSettings(provider="local", query_cache_size=cache_size)
    memory = await Memory.open(settings.model_copy(update={"embedding": local}), embedder=embedder)
    try:
        for uid, summary in (("r1", "rocket engines"), ("b1", "baking bread")):
            await memory.upsert_entity(
                namespace, EntityWrite(uid, "Concept", {"name": uid, "summary": summary})
            )
        embedder.texts.clear()
        query = SearchQuery(text="rocket", time=TimeQuery(), explain=True)
        first = await memory.search(namespace, query)
        second = await memory.search(namespace, query)
        assert [h.uid for h in first.hits] == [h.uid for h in second.hits]
        assert first.hits[0].uid == "r1" and "vector" in first.hits[0].scores
        assert embedder.texts == (["rocket"] if cache_size else ["rocket", "rocket"])
        assert first.timings_ms is not None and "embed" in first.timings_ms
    finally:
        await memory.close()
        await embedder.close()
