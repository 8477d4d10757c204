"""Prewarming the side and label tables after the vector indexes: which tables, in
which order, within the room shared_buffers leaves, and read by a bitmap scan of the
index on id (no ring buffer, every row)."""

from __future__ import annotations

from kgmem import Memory
from kgmem.storage import prewarm
from kgmem.storage.sql import table
from tests.retrieval.graphs import add_people


async def test_side_tables_first_then_label_tables_with_their_id_index(
    memory: Memory, namespace: str
) -> None:
    await add_people(memory, namespace)
    async with memory.database.acquire() as conn:
        order = [(t, i, size) for s, t, i, size in await prewarm.warm_order(conn) if s == namespace]
        names = [t for t, _, _ in order]
        assert set(names[:2]) == {"_kg_vertex", "_kg_fact"}
        assert {"Person", "Organization", "WORKS_AT"} <= set(names[2:])
        assert all(size > 0 for _, _, size in order)
        for _name, index, _ in order:
            column = await conn.fetchval(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = "
                "i.indrelid AND a.attnum = i.indkey[0] WHERE i.indexrelid = $1::regclass",
                table(namespace, index),
            )
            assert column == "id"


async def test_only_what_fits_is_read(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    async with memory.database.acquire() as conn:
        order = await prewarm.warm_order(conn)
        assert await prewarm.side_tables(conn, 0) == []
        smallest = min(size for *_, size in order)
        warmed = await prewarm.side_tables(conn, smallest)
        assert len(warmed) == 1 and warmed[0][1] == smallest
        everything = await prewarm.side_tables(conn, sum(size for *_, size in order))
        assert len(everything) == len(order)
        # The room: below shared_buffers, at least a quarter of it.
        room = await prewarm._room(conn, await prewarm.vector_tables(conn))
        buffers = await conn.fetchval("SELECT pg_size_bytes(current_setting('shared_buffers'))")
        assert buffers // 4 <= room < buffers


async def test_a_table_is_read_by_a_bitmap_scan_of_every_row(
    memory: Memory, namespace: str
) -> None:
    await add_people(memory, namespace)
    async with memory.database.acquire() as conn:
        await prewarm.warm_table(conn, namespace, "Person")  # runs, read-only
        async with conn.transaction(readonly=True):
            await conn.execute(
                "SELECT set_config('enable_seqscan', 'off', true), "
                "set_config('enable_indexscan', 'off', true), "
                "set_config('enable_indexonlyscan', 'off', true)"
            )
            plan = "\n".join(
                r[0]
                for r in await conn.fetch(
                    f"EXPLAIN (ANALYZE, COSTS OFF) SELECT count(uid) FROM "
                    f"{table(namespace, '_kg_vertex')} WHERE id >= '0'::graphid"
                )
            )
        assert "Bitmap Heap Scan" in plan and "Bitmap Index Scan" in plan
        assert "rows=4" in plan  # alice, bob, acme, globex
    await memory.prewarm()  # every namespace: vectors, then side and label tables
