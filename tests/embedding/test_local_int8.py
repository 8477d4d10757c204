"""The int8 variant of the default model: quantised offline from the shipped weights,
close to float32, and a different model to the store, so vectors never mix."""

from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np
import pytest

from kgmem import EntityWrite, Memory
from kgmem.embedding import onnx_model
from kgmem.embedding.local import LocalEmbedder
from kgmem.embedding.provider import LOCAL_INT8_MODEL
from kgmem.errors import ConfigurationError, EmbeddingModelMismatch
from kgmem.model import EmbeddingInfo, SearchQuery
from kgmem.settings.config import EmbeddingSettings
from tests.fixtures.database import store_settings

pytestmark = pytest.mark.slow

TEXTS = [
    "Alice is the chief technology officer of Acme",
    "Acme's CTO is named Alice",
    "The weather in Lisbon was sunny and warm",
]


async def test_the_int8_model_is_quantised_offline_and_close_to_float32(
    local_embedder: LocalEmbedder,
) -> None:
    int8 = LocalEmbedder(EmbeddingSettings(provider="local", model=LOCAL_INT8_MODEL))
    try:
        a, b = await local_embedder.embed(TEXTS), await int8.embed(TEXTS)
    finally:
        await int8.close()
    assert int8.info == EmbeddingInfo("local", LOCAL_INT8_MODEL, 384)
    assert b.shape == (3, 384) and np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    cosine = (a * b).sum(1)
    assert cosine.min() > onnx_model.MIN_INT8_COSINE and not np.allclose(a, b, atol=1e-3)
    assert float(b[0] @ b[1]) > float(b[0] @ b[2]) + 0.2


def test_the_int8_model_needs_onnx_runtime() -> None:
    settings = EmbeddingSettings(provider="local", model=LOCAL_INT8_MODEL, backend="torch")
    with pytest.raises(ConfigurationError, match="ONNX Runtime"):
        LocalEmbedder(settings)


async def test_a_store_built_with_the_default_model_refuses_int8_and_keeps_searching(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path, local_embedder: LocalEmbedder
) -> None:
    url = await fresh_database()
    default = store_settings(url, tmp_path, provider="local")
    first = await Memory.open(default, embedder=local_embedder)
    try:
        await first.create_namespace("kept")
        await first.upsert_entity("kept", EntityWrite("alice", "Person", {"name": TEXTS[0]}))
    finally:
        await first.close()
    int8 = LocalEmbedder(EmbeddingSettings(provider="local", model=LOCAL_INT8_MODEL))
    with pytest.raises(EmbeddingModelMismatch, match="all-MiniLM-L6-v2"):
        await Memory.open(store_settings(url, tmp_path, provider="local"), embedder=int8)
    again = await Memory.open(default, embedder=local_embedder)
    try:
        found = await again.search("kept", SearchQuery(text=TEXTS[1], types=("entities",)))
    finally:
        await again.close()
    assert [h.uid for h in found.hits][:1] == ["alice"]
