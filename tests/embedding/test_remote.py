"""Ollama and OpenAI-compatible providers against local servers speaking their protocols."""

import numpy as np
import pytest

from kgmem.embedding import embedder_from_settings
from kgmem.embedding.ollama import OllamaEmbedder
from kgmem.embedding.openai import OpenAIEmbedder
from kgmem.errors import ConfigurationError, EmbeddingError
from kgmem.settings.config import EmbeddingSettings
from tests.fixtures.http_fakes import FakeEmbeddingServer, fake_vector


def ollama(server: FakeEmbeddingServer, **extra) -> OllamaEmbedder:
    settings = EmbeddingSettings(
        provider="ollama",
        model="nomic-embed-text",
        dimension=768,
        url=server.url,
        batch_size=2,
        **extra,
    )
    embedder = embedder_from_settings(settings)
    assert isinstance(embedder, OllamaEmbedder)
    return embedder


def openai(server: FakeEmbeddingServer, **extra) -> OpenAIEmbedder:
    settings = EmbeddingSettings(
        provider="openai",
        model="text-embedding-3-small",
        dimension=768,
        url=server.url + "/v1",
        api_key="sk-test",
        **extra,
    )
    embedder = embedder_from_settings(settings)
    assert isinstance(embedder, OpenAIEmbedder)
    return embedder


def unit(v: list[float]) -> np.ndarray:
    a = np.array(v, dtype=np.float32)
    return a / np.linalg.norm(a)


async def test_ollama_speaks_api_embed_in_batches(fake_embedding_server) -> None:
    embedder = ollama(fake_embedding_server)
    vectors = await embedder.embed(["a", "b", "c"])
    await embedder.close()
    assert vectors.shape == (3, 768)
    assert np.allclose(vectors[2], unit(fake_vector("c", 768)), atol=1e-6)
    assert [r["input"] for r in fake_embedding_server.requests] == [["a", "b"], ["c"]]
    assert fake_embedding_server.requests[0]["model"] == "nomic-embed-text"


async def test_openai_speaks_v1_embeddings_with_bearer_and_sorts_by_index(
    fake_embedding_server,
) -> None:
    embedder = openai(fake_embedding_server)
    vectors = await embedder.embed(["first", "second"])
    await embedder.close()
    assert np.allclose(vectors[0], unit(fake_vector("first", 768)), atol=1e-6)
    assert np.allclose(vectors[1], unit(fake_vector("second", 768)), atol=1e-6)
    assert fake_embedding_server.headers[0]["authorization"] == "Bearer sk-test"
    assert fake_embedding_server.requests[0]["model"] == "text-embedding-3-small"


@pytest.mark.parametrize("make", [ollama, openai])
@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("error", "answered 400"),
        ("malformed", "unexpected shape"),
        ("wrong_dimension", "769-dimensional"),
        ("wrong_count", "returned 1 vectors for 2 texts"),
    ],
)
async def test_provider_failures_are_embedding_errors(
    fake_embedding_server, make, mode: str, message: str
) -> None:
    fake_embedding_server.mode = mode
    embedder = make(fake_embedding_server)
    with pytest.raises(EmbeddingError, match=message):
        await embedder.embed(["x", "y"])
    await embedder.close()


async def test_server_message_is_passed_on(fake_embedding_server) -> None:
    fake_embedding_server.mode = "error"
    embedder = ollama(fake_embedding_server)
    with pytest.raises(EmbeddingError, match="model 'nomic-embed-text' not found"):
        await embedder.embed(["x"])
    await embedder.close()


async def test_transient_failures_are_retried(fake_embedding_server) -> None:
    fake_embedding_server.mode = "flaky"
    fake_embedding_server.failures_left = 2
    embedder = openai(fake_embedding_server)
    vectors = await embedder.embed(["x"])
    await embedder.close()
    assert vectors.shape == (1, 768) and len(fake_embedding_server.requests) == 3


async def test_unreachable_server_is_an_embedding_error() -> None:
    settings = EmbeddingSettings(
        provider="ollama", model="m", dimension=8, url="http://127.0.0.1:9", timeout_s=2
    )
    embedder = embedder_from_settings(settings)
    assert embedder is not None
    with pytest.raises(EmbeddingError, match="unreachable"):
        await embedder.embed(["x"])
    await embedder.close()


@pytest.mark.parametrize("provider", ["ollama", "openai"])
def test_remote_providers_need_a_dimension(provider: str) -> None:
    with pytest.raises(ConfigurationError, match="KGMEM_EMBEDDING_DIMENSION"):
        embedder_from_settings(EmbeddingSettings(provider=provider, model="m"))


def test_provider_none_means_no_embedder() -> None:
    assert embedder_from_settings(EmbeddingSettings(provider="none", dimension=8)) is None
