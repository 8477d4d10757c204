"""The end of a load with deferred indexes: the dropped indexes come back costliest
first, each named with its table, and every table's statistics are taken after its
own indexes are built (so the label tables' uid expression index has statistics)."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

import asyncpg

from kgmem import Memory
from kgmem.io.loader import ImportOptions
from kgmem.storage import bulk
from kgmem.storage.graph import namespaces
from tests.io.test_resume import generate


@asynccontextmanager
async def _imported(
    memory: Memory, tmp_path: Path, defer: Literal["never", "always"]
) -> AsyncIterator[str]:
    """A fresh namespace holding 600 generated people imported with ``defer``; deleted
    after the block."""
    path = tmp_path / "people.nt"
    generate(path, 600)
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    try:
        await memory.import_file(
            ns, path, ImportOptions(batch_size=500, write_report=False, defer_indexes=defer)
        )
        yield ns
    finally:
        await memory.delete_namespace(ns)


async def test_deferred_indexes_name_their_tables_costliest_first(
    memory: Memory, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    async with _imported(memory, tmp_path, "never") as ns:
        ref = await namespaces.resolve(raw_conn, ns)
        before = await raw_conn.fetch(
            "SELECT indexname, tablename FROM pg_indexes WHERE schemaname = $1", ns
        )
        async with raw_conn.transaction():
            dropped = await bulk.defer_indexes(raw_conn, ref)
        listed = await bulk.deferred_indexes(raw_conn, ref)
        assert len(listed) == dropped > 0
        tables = {r["indexname"]: r["tablename"] for r in before}
        assert all(tables[index] == table for index, table in listed)
        # Quoted table names (AGE labels with capitals) come back unquoted.
        assert any(table == "Person" for _, table in listed)
        # BM25 indexes come first, the fact texts' (the larger table) before the vertices'.
        assert listed[0] == ("_kg_fact_text", "_kg_fact")
        for index, _ in listed:
            async with raw_conn.transaction():
                await bulk.restore_index(raw_conn, ns, index)
        after = await raw_conn.fetch(
            "SELECT indexname, tablename FROM pg_indexes WHERE schemaname = $1", ns
        )
        assert sorted(map(tuple, after)) == sorted(map(tuple, before))


async def test_statistics_follow_the_index_builds(
    memory: Memory, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    async with _imported(memory, tmp_path, "always") as ns:
        assert await raw_conn.fetchval("SELECT count(*) FROM kgmem.deferred_index") == 0
        # ANALYZE of a label table samples its uid expression index only if the index
        # exists by then: its statistics are listed under the index's name.
        uid_index = await raw_conn.fetchval(
            "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'Person' "
            "AND indexdef LIKE '%UNIQUE%' AND indexdef LIKE '%\"uid\"%'",
            ns,
        )
        assert uid_index is not None
        assert await raw_conn.fetchval(
            "SELECT count(*) FROM pg_stats WHERE schemaname = $1 AND tablename = $2", ns, uid_index
        )
        analysed = await raw_conn.fetch(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = $1 "
            "AND last_analyze IS NOT NULL",
            ns,
        )
        assert {"Person", "_kg_fact", "_kg_vertex"} <= {r["relname"] for r in analysed}
