"""Readiness: ``/readyz`` answers 503 until the embedding model is warm, and the first
write after it answers 200 does not wait for the model.

The store is opened as ``kgmem serve`` opens it: the local model behind the coalescing
embedder (whose ``load`` the warm-up once missed, so the first write paid the load)."""

from __future__ import annotations

import statistics
import time
import uuid

import httpx
import pytest

from kgmem import Memory, Settings
from kgmem.embedding.batching import CoalescingEmbedder, coalesced
from kgmem.embedding.local import LocalEmbedder
from kgmem.server.app import create_app
from kgmem.server.model_notice import HEADER
from kgmem.settings.config import EmbeddingSettings
from tests.fixtures.app import client_for

pytestmark = pytest.mark.slow


async def _put(client: httpx.AsyncClient, url: str, name: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await client.put(f"{url}/{name}", json={"properties": {"name": name}})
    return response, time.perf_counter() - started


async def test_readyz_waits_for_the_warm_model_then_the_first_write_does_not(
    settings: Settings,
) -> None:
    embedding = EmbeddingSettings(provider="local")
    embedder = coalesced(LocalEmbedder(embedding), embedding)
    assert isinstance(embedder, CoalescingEmbedder)
    memory = await Memory.open(
        settings.model_copy(update={"embedding": embedding}), embedder=embedder
    )
    name = f"t_{uuid.uuid4().hex[:12]}"
    try:
        await memory.create_namespace(name)
        async with client_for(create_app(memory=memory)) as client:
            cold = await client.get("/readyz")
            assert cold.status_code == 503
            assert cold.json() == {"ready": False, "database": "up", "embedding_loaded": False}
            assert (await client.get("/health")).json()["embedding"]["loaded"] is False

            assert await memory.warm_up() is not None
            warm = await client.get("/readyz")
            assert warm.status_code == 200 and warm.json()["ready"] is True
            assert (await client.get("/health")).json()["embedding"]["loaded"] is True

            url = f"/v1/namespaces/{name}/entities"
            first, first_s = await _put(client, url, "Ada Lovelace")
            later = [await _put(client, url, f"Person {i}") for i in range(5)]
        assert first.status_code == 201 and HEADER not in first.headers
        assert all(r.status_code == 201 and HEADER not in r.headers for r, _ in later)
        # Loading the model took seconds; a warm first write costs what later ones do.
        # Generous bounds: a loaded machine slows any single request.
        typical = statistics.median(s for _, s in later)
        assert first_s < max(10 * typical, 1.5), (first_s, typical)
    finally:
        await memory.delete_namespace(name)
        await memory.close()
        await embedder.close()


async def test_readyz_is_ready_without_a_model(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "database": "up", "embedding_loaded": True}
