"""Readiness: ``/readyz`` answers 503 until the embedding model is warm, and the first
write after it answers 200 does not wait for the model: the model is loaded once, by
the warm-up, and no write loads it again.

The store is opened as ``kgmem serve`` opens it: the local model behind the coalescing
embedder (whose ``load`` the warm-up once missed, so the first write paid the load)."""

from __future__ import annotations

import uuid
from typing import Any

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


async def _put(client: httpx.AsyncClient, url: str, name: str) -> httpx.Response:
    return await client.put(f"{url}/{name}", json={"properties": {"name": name}})


def _counting_loads(local: LocalEmbedder) -> list[str]:
    """The model loads of ``local`` from now on, counted as they happen."""
    loads: list[str] = []
    load = local._load

    def counted() -> Any:
        loads.append("load")
        return load()

    local._load = counted  # type: ignore[method-assign]
    return loads


async def test_readyz_waits_for_the_warm_model_then_the_first_write_does_not(
    settings: Settings,
) -> None:
    embedding = EmbeddingSettings(provider="local")
    local = LocalEmbedder(embedding)
    loads = _counting_loads(local)
    embedder = coalesced(local, embedding)
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

            assert loads == []
            assert await memory.warm_up() is not None
            assert loads == ["load"]
            warm = await client.get("/readyz")
            assert warm.status_code == 200 and warm.json()["ready"] is True
            assert (await client.get("/health")).json()["embedding"]["loaded"] is True

            url = f"/v1/namespaces/{name}/entities"
            first = await _put(client, url, "Ada Lovelace")
            later = [await _put(client, url, f"Person {i}") for i in range(5)]
        assert first.status_code == 201 and HEADER not in first.headers
        assert all(r.status_code == 201 and HEADER not in r.headers for r in later)
        assert loads == ["load"]  # the writes used the warm model
        stored = await memory.get_entity(name, "Ada Lovelace")
        assert stored.entity.has_embedding
    finally:
        await memory.delete_namespace(name)
        await memory.close()
        await embedder.close()


async def test_readyz_is_ready_without_a_model(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "database": "up", "embedding_loaded": True}
