"""kgmem's pool runs without parallel query; an analyst's Cypher read gets it back."""

from kgmem import EntityWrite, Memory
from kgmem.graph import cypher as graph_cypher
from kgmem.settings.config import CypherSettings
from kgmem.storage.graph import cypher as cypher_store


async def test_pool_statements_run_without_parallel_workers(memory: Memory) -> None:
    async with memory.ctx.db.acquire() as conn:
        assert await conn.fetchval("SHOW max_parallel_workers_per_gather") == "0"


async def test_a_cypher_read_runs_with_parallel_workers_and_leaves_the_pool_as_it_was(
    memory: Memory, namespace: str
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("a", "Person", {"name": "A"}))
    await graph_cypher.reader_role(memory.ctx, namespace)
    async with memory.ctx.db.transaction(readonly=True) as conn:
        limits = CypherSettings(statement_timeout_ms=5_000, work_mem="32MB")
        assert await cypher_store.enter_read(conn, namespace, limits, limits.statement_timeout_ms)
        assert await conn.fetchval("SHOW work_mem") == "32MB"
        assert await conn.fetchval("SHOW max_parallel_workers_per_gather") == str(
            cypher_store.ANALYST_PARALLEL_WORKERS
        )
        assert await conn.fetchval("SHOW statement_timeout") == "5s"
    async with memory.ctx.db.acquire() as conn:
        assert await conn.fetchval("SHOW max_parallel_workers_per_gather") == "0"
        assert await conn.fetchval("SHOW work_mem") != "32MB"
    result = await memory.cypher(namespace, "MATCH (n:Person) RETURN n.name AS name")
    assert result.rows == [["A"]]
