"""Prewarming the side tables, keyword structures and label tables after the vector
indexes: which, in which order, within the room shared_buffers leaves, and read by
bitmap scans (no ring buffer, every row or index entry)."""

from __future__ import annotations

import re

from kgmem import EntityWrite, Memory
from kgmem.storage.engine import prewarm
from kgmem.storage.sql import table
from tests.retrieval.graphs import add_people


async def test_side_tables_first_then_label_tables_with_their_id_index(
    memory: Memory, namespace: str
) -> None:
    await add_people(memory, namespace)
    async with memory.database.acquire() as conn:
        order = [p for p in await prewarm.warm_order(conn) if p.schema == namespace]
        names = [p.table for p in order]
        assert set(names[:2]) == {"_kg_vertex", "_kg_fact"}
        keyword = [(p.table, p.index, p.how) for p in order[2:5]]
        assert sorted(keyword) == [
            ("_kg_fact", "_kg_fact_text", "text"),
            ("_kg_text_stats", "_kg_text_stats_key", "stats"),
            ("_kg_vertex", "_kg_vertex_text", "text"),
        ]
        assert {"Person", "Organization", "WORKS_AT"} <= set(names[5:])
        assert all(p.bytes > 0 for p in order)
        for index in [p.index for p in order if p.how == "rows"]:
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
        smallest = min(p.bytes for p in order)
        warmed = await prewarm.side_tables(conn, smallest)
        assert len(warmed) == 1 and warmed[0][1] == smallest
        everything = await prewarm.side_tables(conn, sum(p.bytes for p in order))
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


async def test_keyword_structures_are_read_whole_by_bitmap_scans(
    memory: Memory, namespace: str
) -> None:
    """After a restart a keyword search reads the statistics and GIN postings of its
    words: prewarming reads every entry of the text index (a bitmap index scan matching
    every row that has text) and every statistics row, through the shared buffers."""
    await add_people(memory, namespace)
    await memory.upsert_entity(
        namespace, EntityWrite(uid="note", label="Note", properties={"name": "9 lives, écrit"})
    )
    async with memory.database.acquire() as conn:
        await prewarm.warm_stats(conn, namespace)
        for side, kind in (("_kg_vertex", "v"), ("_kg_fact", "f")):
            await prewarm.warm_text_index(conn, namespace, side)
            with_text = await conn.fetchval(
                f"SELECT count(*) FROM {table(namespace, side)} WHERE length(tsv) > 0"
            )
            async with conn.transaction(readonly=True):
                await prewarm.bitmap_only(conn)
                plan = "\n".join(
                    r[0]
                    for r in await conn.fetch(
                        "EXPLAIN (ANALYZE, COSTS OFF) " + prewarm.text_index_read(namespace, side),
                        kind,
                    )
                )
            assert with_text > 0
            # Every row with text is in the bitmap (dead versions not yet vacuumed too).
            found = re.search(rf"Bitmap Index Scan on {side}_text .*?rows=(\d+)", plan)
            assert found is not None, plan
            assert int(found.group(1)) >= with_text
