"""A request that waited for the embedding model to load says so; ``kgmem serve``
loads the model in the background from its start (``Memory.warm_up``)."""

from __future__ import annotations

import logging
import uuid

import pytest

from kgmem import Memory, Settings
from kgmem.embedding.local import LocalEmbedder
from kgmem.server.app import create_app
from kgmem.server.model_notice import HEADER
from kgmem.settings.config import EmbeddingSettings
from tests.fixtures.app import client_for

pytestmark = pytest.mark.slow


async def open_cold(settings: Settings) -> Memory:
    """A store whose local model is not loaded yet."""
    embedding = EmbeddingSettings(provider="local")
    return await Memory.open(
        settings.model_copy(update={"embedding": embedding}),
        embedder=LocalEmbedder(embedding),
    )


async def test_the_first_write_says_it_waited_for_the_model(settings: Settings) -> None:
    memory = await open_cold(settings)
    name = f"t_{uuid.uuid4().hex[:12]}"
    try:
        await memory.create_namespace(name)
        async with client_for(create_app(memory=memory)) as client:
            url = f"/v1/namespaces/{name}/entities"
            first = await client.put(f"{url}/a", json={"properties": {"name": "Ada"}})
            assert first.status_code == 201 and first.headers.get(HEADER) == "waited"
            second = await client.put(f"{url}/b", json={"properties": {"name": "Bo"}})
            assert second.status_code == 201 and HEADER not in second.headers
    finally:
        await memory.delete_namespace(name)
        await memory.close()


async def test_warm_up_loads_the_model_and_logs_it(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    memory = await open_cold(settings)
    try:
        assert not memory.model_ready
        with caplog.at_level(logging.INFO, logger="kgmem"):
            took = await memory.warm_up()
        assert took is not None and memory.model_ready
        assert "loading the embedding model" in caplog.text and "ready in" in caplog.text
        assert await memory.warm_up() is None
    finally:
        await memory.close()
