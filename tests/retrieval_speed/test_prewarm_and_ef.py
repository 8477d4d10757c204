"""Prewarming the HNSW indexes, and hnsw.ef_search as a pool startup parameter."""

from __future__ import annotations

import re

import numpy as np

from kgmem import EntityWrite, Memory
from kgmem.model import AxisWeights, SearchQuery
from kgmem.storage.engine import prewarm
from tests.fixtures.database import DIMENSION


def unit(rng: np.random.Generator) -> list[float]:
    v = rng.normal(size=DIMENSION)
    return (v / np.linalg.norm(v)).tolist()


async def test_prewarm_walks_every_vector_of_a_namespace(memory: Memory, namespace: str) -> None:
    rng = np.random.default_rng(5)
    for i in range(40):
        await memory.upsert_entity(
            namespace, EntityWrite(f"e{i}", "Entity", {"name": f"e{i}"}, embedding=unit(rng))
        )
    async with memory.database.acquire() as conn:
        await conn.execute(f'ANALYZE "{namespace}"._kg_vertex_vector')
        tables = await prewarm.vector_tables(conn)
        assert (namespace, "_kg_vertex_vector") in tables
        assert (namespace, "_kg_fact_vector") in tables
        # Every row is reached by the index walk (the scan is not cut off at ef_search).
        assert await prewarm.prewarm_table(conn, namespace, "_kg_vertex_vector") == 40
        # No vectors: nothing to walk, and no error.
        assert await prewarm.prewarm_table(conn, namespace, "_kg_fact_vector") == 0
    await memory.prewarm()  # every namespace; logs, never raises


async def test_pool_connections_start_with_the_configured_ef_search(memory: Memory) -> None:
    async with memory.database.acquire() as conn:
        await conn.fetchval("SELECT '[1,2,3]'::vector")  # pgvector's settings are defined
        assert await conn.fetchval("SHOW hnsw.ef_search") == str(
            memory.settings.database.hnsw_ef_search
        )
        assert await conn.fetchval("SHOW hnsw.iterative_scan") == "relaxed_order"
    assert memory.database.ef_search == memory.settings.database.hnsw_ef_search


async def test_a_vector_search_for_more_than_ef_search_results_still_fills_k(
    memory: Memory, namespace: str
) -> None:
    rng = np.random.default_rng(9)
    for i in range(150):
        await memory.upsert_entity(
            namespace, EntityWrite(f"v{i}", "Entity", {"name": f"v{i}"}, embedding=unit(rng))
        )
    only_vector = AxisWeights(vector=1, keyword=0, temporal=0, spatial=0, causal=0, graph=0)
    result = await memory.search(
        namespace,
        SearchQuery(
            embedding=unit(rng), k=120, weights=only_vector, types=("entities",), explain=True
        ),
    )
    assert len(result.hits) == 120
    # The HNSW breadth is raised to the candidate count (at least k) for this search.
    breadth = [int(m) for step in result.plan or [] for m in re.findall(r"ef_search (\d+)", step)]
    assert breadth and breadth[0] >= 120
