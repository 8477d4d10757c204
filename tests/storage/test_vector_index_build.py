"""The HNSW build settings (KGMEM_DATABASE_HNSW_M, _EF_CONSTRUCTION) shape the vector
indexes of namespaces created afterwards; pgvector's defaults leave migration 0001's."""

from __future__ import annotations

import uuid

import pytest

from kgmem import EntityWrite, Memory, Settings
from kgmem.model import SearchQuery
from kgmem.settings.database_settings import DatabaseSettings
from tests.retrieval.graphs import ONLY_VECTOR, axis_vector

INDEXES = ("_kg_fact_embedding", "_kg_vertex_embedding")


async def _definitions(memory: Memory, namespace: str) -> list[str]:
    async with memory.database.acquire() as conn:
        rows = await conn.fetch(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 "
            "AND indexname = ANY($2::text[]) ORDER BY indexname",
            namespace,
            list(INDEXES),
        )
    return [r["indexdef"] for r in rows]


async def test_a_denser_graph_is_built_for_new_namespaces(settings: Settings) -> None:
    dense = settings.model_copy(
        update={
            "database": settings.database.model_copy(
                update={"hnsw_m": 24, "hnsw_ef_construction": 128}
            )
        }
    )
    memory = await Memory.open(dense)
    name = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(name)
    try:
        definitions = await _definitions(memory, name)
        assert len(definitions) == 2
        for d in definitions:
            assert "USING hnsw (embedding vector_cosine_ops)" in d
            assert "m='24'" in d and "ef_construction='128'" in d
        await memory.upsert_entity(
            name, EntityWrite("near", "Thing", embedding=axis_vector((0, 1.0)))
        )
        await memory.upsert_entity(
            name, EntityWrite("far", "Thing", embedding=axis_vector((1, 1.0)))
        )
        found = await memory.search(
            name, SearchQuery(embedding=axis_vector((0, 1.0), (1, 0.1)), weights=ONLY_VECTOR, k=1)
        )
        assert [h.uid for h in found.hits] == ["near"]
    finally:
        await memory.delete_namespace(name)
        await memory.close()


async def test_default_namespaces_keep_pgvector_defaults(memory: Memory, namespace: str) -> None:
    definitions = await _definitions(memory, namespace)
    assert len(definitions) == 2
    assert all("WITH" not in d for d in definitions)


def test_ef_construction_must_be_at_least_twice_m() -> None:
    with pytest.raises(ValueError, match="at least twice"):
        DatabaseSettings(hnsw_m=40, hnsw_ef_construction=64)
    with pytest.raises(ValueError, match="hnsw_m"):
        DatabaseSettings(hnsw_m=1)
