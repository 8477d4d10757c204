"""Store-wide facts recorded once: which embedding model made the vectors."""

from __future__ import annotations

import json

import asyncpg

from kgmem.errors import EmbeddingModelMismatch
from kgmem.model import EmbeddingInfo

_EMBEDDING_KEY = "embedding"


async def ensure_embedding(conn: asyncpg.Connection, wanted: EmbeddingInfo) -> EmbeddingInfo:
    """Record ``wanted`` as the store's model on first use; afterwards refuse another one.

    Raises ``EmbeddingModelMismatch`` when the store was built with a different model
    or dimension: its vectors would be meaningless next to the new model's.
    """
    await conn.execute(
        "INSERT INTO kgmem.store_meta (key, value) VALUES ($1, $2::jsonb) "
        "ON CONFLICT (key) DO NOTHING",
        _EMBEDDING_KEY,
        json.dumps(
            {"provider": wanted.provider, "model": wanted.model, "dimension": wanted.dimension}
        ),
    )
    raw = await conn.fetchval("SELECT value FROM kgmem.store_meta WHERE key = $1", _EMBEDDING_KEY)
    stored = json.loads(raw)
    recorded = EmbeddingInfo(stored["provider"], stored["model"], int(stored["dimension"]))
    if (recorded.model, recorded.dimension) != (wanted.model, wanted.dimension):
        raise EmbeddingModelMismatch(
            f"this store's vectors come from {recorded.model} ({recorded.dimension} dimensions) "
            f"but the configured embedding model is {wanted.model} ({wanted.dimension}); "
            "set KGMEM_EMBEDDING_MODEL and KGMEM_EMBEDDING_DIMENSION back, "
            "or use a new store for the new model",
            recorded_model=recorded.model,
            recorded_dimension=recorded.dimension,
        )
    return recorded
