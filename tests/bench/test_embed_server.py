"""The fake embedding server of ``python -m bench build`` speaks the OpenAI embeddings
protocol as kgmem's own client uses it: deterministic unit vectors, one per text, in
order; bad input answered with an OpenAI-style error."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest

from bench.embed_server import serve
from kgmem.embedding.openai import OpenAIEmbedder
from kgmem.errors import EmbeddingError
from kgmem.settings.config import EmbeddingSettings


@pytest.fixture
def server_url() -> Iterator[str]:
    server = serve(384)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_kgmems_openai_client_gets_deterministic_unit_vectors(server_url: str) -> None:
    settings = EmbeddingSettings(
        provider="openai", url=server_url, model="all-MiniLM-L6-v2", dimension=384
    )
    embedder = OpenAIEmbedder(settings)
    try:
        texts = ["Caroline went to the support group.", "Melanie paints.", "Melanie paints."]
        vectors = await embedder.embed(texts)
        again = await embedder.embed(texts[::-1])
    finally:
        await embedder.close()
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[1], vectors[2])  # same text, same vector
    assert not np.allclose(vectors[0], vectors[1])
    assert np.allclose(again[::-1], vectors)  # by index, in input order


async def test_bad_input_gets_an_openai_style_error(server_url: str) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        response = await client.post(f"{server_url}/v1/embeddings", json={"input": [1, 2]})
    assert response.status_code == 400
    assert "input" in response.json()["error"]["message"]
    embedder = OpenAIEmbedder(
        EmbeddingSettings(provider="openai", url=server_url + "/nowhere", dimension=384)
    )
    try:
        with pytest.raises(EmbeddingError, match="404"):
            await embedder.embed(["x"])
    finally:
        await embedder.close()
