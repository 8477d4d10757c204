"""The embedding provider interface and the choice of provider from settings.

A provider turns texts into unit-length float32 vectors of a fixed dimension. Calls
are batched by the provider (``batch_size``); failures raise ``EmbeddingError``
naming the provider, never a transport exception.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from kgmem.errors import ConfigurationError, EmbeddingError
from kgmem.model import EmbeddingInfo
from kgmem.settings.config import EmbeddingSettings

Vectors = npt.NDArray[np.float32]

LOCAL_DEFAULT_MODEL = "all-MiniLM-L6-v2"
# The same weights quantised to int8 offline (ONNX Runtime only): a different model to
# the store, whose vectors never mix with the float32 one's.
LOCAL_INT8_MODEL = "all-MiniLM-L6-v2-int8"
LOCAL_DEFAULT_DIMENSION = 384


class Embedder(Protocol):
    """Something that embeds texts with one model."""

    @property
    def info(self) -> EmbeddingInfo:
        """Provider name, model and dimension."""
        ...

    @property
    def loaded(self) -> bool:
        """Whether the model is ready without further start-up cost."""
        ...

    async def embed(self, texts: Sequence[str]) -> Vectors:
        """One row per text, in order; shape (len(texts), dimension)."""
        ...

    async def load(self) -> None:
        """Do the start-up work now (load the model, export it, run it once), so the
        first ``embed`` costs what later ones do; nothing for a remote provider."""
        ...

    async def close(self) -> None:
        """Release connections or memory."""
        ...


def embedder_from_settings(
    settings: EmbeddingSettings, home: Path | None = None
) -> Embedder | None:
    """The provider the settings name, or None for ``provider = none``.

    Nothing is loaded or contacted here: the local model loads on first use (its ONNX
    export is kept under ``home``/models unless ``settings.onnx_dir`` says otherwise).
    """
    if settings.provider == "none":
        return None
    if settings.provider == "local":
        from kgmem.embedding.local import LocalEmbedder

        return LocalEmbedder(settings, home)
    if settings.dimension is None:
        raise ConfigurationError(
            f"KGMEM_EMBEDDING_DIMENSION is required for the {settings.provider} provider "
            "(e.g. 768 for nomic-embed-text, 1536 for text-embedding-3-small)"
        )
    if settings.provider == "ollama":
        from kgmem.embedding.ollama import OllamaEmbedder

        return OllamaEmbedder(settings)
    from kgmem.embedding.openai import OpenAIEmbedder

    return OpenAIEmbedder(settings)


def store_dimension(settings: EmbeddingSettings) -> int:
    """The vector dimension the store is built with under these settings."""
    if settings.dimension is not None:
        return settings.dimension
    if settings.provider == "local" and settings.model in (LOCAL_DEFAULT_MODEL, LOCAL_INT8_MODEL):
        return LOCAL_DEFAULT_DIMENSION
    raise ConfigurationError(
        f"KGMEM_EMBEDDING_DIMENSION is required for provider {settings.provider!r} "
        f"with model {settings.model!r}"
    )


def checked(provider: str, vectors: Sequence[Sequence[float]], count: int, dim: int) -> Vectors:
    """Validate a provider's answer and return it as unit-length float32 rows."""
    if len(vectors) != count:
        raise EmbeddingError(f"{provider} returned {len(vectors)} vectors for {count} texts")
    for i, vec in enumerate(vectors):
        if len(vec) != dim:
            raise EmbeddingError(
                f"{provider} returned a {len(vec)}-dimensional vector for text {i}; "
                f"the store uses {dim}",
                dimension=len(vec),
            )
    array = np.asarray(vectors, dtype=np.float32).reshape(count, dim)
    if not np.isfinite(array).all():
        raise EmbeddingError(f"{provider} returned a vector with NaN or infinity")
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    if count and not math.isfinite(float(norms.min())):
        raise EmbeddingError(f"{provider} returned an unusable vector")
    norms[norms == 0] = 1.0
    unit: Vectors = (array / norms).astype(np.float32)
    return unit
