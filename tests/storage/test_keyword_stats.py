"""BM25 corpus statistics follow the live rows: pg_textsearch counts every row version
written until its index is rebuilt, so the upkeep rebuilds drifted indexes, and a
rebuild under concurrent writes and searches neither fails nor hangs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from kgmem import BatchWrite, EntityWrite, Memory
from kgmem.errors import WriteConflict
from kgmem.storage import driver_errors, keyword_stats, keyword_upkeep
from tests.fixtures.database import store_settings

pytestmark = pytest.mark.usefixtures("bm25")


@pytest.fixture
def bm25(memory: Memory) -> None:
    if memory.database.keyword_search != "bm25":
        pytest.skip("pg_textsearch is not installed on this server")


def _note(uid: str, text: str, **more: object) -> EntityWrite:
    return EntityWrite(uid, "Note", {"text": text, **more})


async def _vertex_stats(conn: asyncpg.Connection, namespace: str) -> keyword_stats.IndexStats:
    (found,) = [
        s for s in await keyword_stats.stats(conn, namespace) if s.index.endswith("_kg_vertex_text")
    ]
    return found


async def _ranked(conn: asyncpg.Connection, namespace: str, text: str) -> list[tuple[str, float]]:
    index = f"{namespace}._kg_vertex_text"
    rows = await conn.fetch(
        f'SELECT uid, -(text <@> to_bm25query($1, $2)) AS score FROM "{namespace}"._kg_vertex '
        "ORDER BY text <@> to_bm25query($1, $2), uid LIMIT 50",
        text,
        index,
    )
    return [(uid, round(float(score), 5)) for uid, score in rows if score > 0]


async def test_statistics_equal_the_live_rows_after_upkeep(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    notes = [_note(f"n{i}", f"shared words and word{i}") for i in range(40)]
    await memory.write_batch(namespace, BatchWrite(entities=notes))
    for round_ in range(3):  # rewritten in place, as building rewrites an episode
        rewritten = [_note(f"n{i}", f"shared words and word{i}", seen=round_) for i in range(40)]
        await memory.write_batch(namespace, BatchWrite(entities=rewritten))
    drifted = await _vertex_stats(raw_conn, namespace)
    assert drifted.live == 40 and drifted.ratio > 1.5
    upkeep = keyword_upkeep.KeywordUpkeep(memory.database.url, ratio=1.5, interval_s=60)
    conn = await keyword_upkeep.connect(memory.database.url)
    try:
        rebuilt = await upkeep.sweep(conn)
        assert f"{namespace}._kg_vertex_text" in {s.index for s in rebuilt}
        again = {s.index for s in await upkeep.sweep(conn)}
        assert f"{namespace}._kg_vertex_text" not in again  # within the ratio now
    finally:
        await conn.close()
    assert await _vertex_stats(raw_conn, namespace) == keyword_stats.IndexStats(
        f"{namespace}._kg_vertex_text", 40, 40
    )


async def test_upkeep_leaves_an_index_within_the_ratio(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.write_batch(
        namespace, BatchWrite(entities=[_note(f"n{i}", "x y") for i in range(10)])
    )
    await memory.write_batch(
        namespace, BatchWrite(entities=[_note(f"n{i}", "x y", seen=1) for i in range(4)])
    )
    result = await memory.refresh_keyword_statistics(namespace)
    assert all(after is None for _, after in result)
    assert (await _vertex_stats(raw_conn, namespace)).documents == 14


async def test_bm25_order_after_many_updates_equals_a_freshly_built_index(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    # Ten rare "alpha" rows and twenty commoner "beta" rows: fresh, alpha ranks first.
    texts = {f"a{i}": f"alpha item {i}" for i in range(10)}
    texts |= {f"b{i}": f"beta item {i}" for i in range(20)}
    texts |= {f"f{i}": f"filler row {i}" for i in range(30)}
    fresh = f"{namespace}_fresh"
    await memory.create_namespace(fresh)
    try:
        for ns in (namespace, fresh):
            notes = [_note(uid, text) for uid, text in texts.items()]
            await memory.write_batch(ns, BatchWrite(entities=notes))
        for round_ in range(6):  # only the alpha rows are rewritten, again and again
            again = [_note(uid, t, seen=round_) for uid, t in texts.items() if uid[0] == "a"]
            await memory.write_batch(namespace, BatchWrite(entities=again))
        expected = await _ranked(raw_conn, fresh, "alpha beta")
        assert expected[0][0].startswith("a")
        assert await _ranked(raw_conn, namespace, "alpha beta") != expected
        await memory.refresh_keyword_statistics(namespace)
        assert await _ranked(raw_conn, namespace, "alpha beta") == expected
        assert await _ranked(raw_conn, namespace, "item") == await _ranked(raw_conn, fresh, "item")
    finally:
        await memory.delete_namespace(fresh)


async def test_writes_and_searches_go_on_during_rebuilds(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.write_batch(
        namespace, BatchWrite(entities=[_note(f"s{i}", f"seed text {i}") for i in range(200)])
    )
    stop = asyncio.Event()
    written: list[str] = []
    slowest: list[float] = [0.0]

    async def writer() -> None:
        i = 0
        while not stop.is_set():
            uid = f"w{i}"
            started = time.monotonic()
            await memory.write_batch(namespace, BatchWrite(entities=[_note(uid, f"live text {i}")]))
            slowest[0] = max(slowest[0], time.monotonic() - started)
            written.append(uid)
            i += 1

    async def searcher() -> None:
        while not stop.is_set():
            await _ranked(raw_conn, namespace, "text")

    async def rebuilds() -> None:
        for _ in range(3):
            await memory.refresh_keyword_statistics(namespace, force=True)
        stop.set()

    await asyncio.wait_for(asyncio.gather(writer(), searcher(), rebuilds()), 120)
    assert written and slowest[0] < 30
    # No row is lost: every one written during the rebuilds is found and counted. A
    # row written while a rebuild validates its new index may be counted twice (the
    # next rebuild counts it once), so the count is at least the live rows here ...
    during = await _vertex_stats(raw_conn, namespace)
    assert during.live == 200 + len(written)
    assert during.documents is not None and during.documents >= during.live, during
    found = {uid for uid, _ in await _ranked_all(raw_conn, namespace, "live")}
    assert found == set(written)
    # ... and a rebuild with the writers gone counts each exactly once.
    await memory.refresh_keyword_statistics(namespace, force=True)
    assert await _vertex_stats(raw_conn, namespace) == keyword_stats.IndexStats(
        f"{namespace}._kg_vertex_text", 200 + len(written), 200 + len(written)
    )


async def _ranked_all(
    conn: asyncpg.Connection, namespace: str, text: str
) -> list[tuple[str, float]]:
    rows = await conn.fetch(
        f'SELECT uid, 0.0 FROM "{namespace}"._kg_vertex WHERE text <@> to_bm25query($1, $2) < 0',
        text,
        f"{namespace}._kg_vertex_text",
    )
    return [(uid, 0.0) for uid, _ in rows]


async def test_one_rebuilder_of_a_namespace_at_a_time(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    for seen in range(3):
        notes = [_note(f"n{i}", f"words {i}", seen=seen) for i in range(20)]
        await memory.write_batch(namespace, BatchWrite(entities=notes))
    upkeep = keyword_upkeep.KeywordUpkeep(memory.database.url, ratio=1.5, interval_s=60)
    holder = await keyword_upkeep.connect(memory.database.url)
    conn = await keyword_upkeep.connect(memory.database.url)
    try:
        assert await holder.fetchval(keyword_upkeep._TRY_LOCK, namespace)
        assert namespace not in {s.index.split(".")[0] for s in await upkeep.sweep(conn)}
        waiting = asyncio.create_task(memory.refresh_keyword_statistics(namespace))
        await asyncio.sleep(3 * keyword_upkeep.LOCK_POLL_S)
        assert not waiting.done()  # on demand, it waits for the other rebuilder
        await holder.execute(keyword_upkeep._UNLOCK, namespace)
        result = await asyncio.wait_for(waiting, 60)
        assert [after for _, after in result if after is not None] == [
            keyword_stats.IndexStats(f"{namespace}._kg_vertex_text", 20, 20)
        ]
    finally:
        await holder.close()
        await conn.close()


async def test_a_serving_store_keeps_the_statistics_in_the_background(
    home_dir: Path, fresh_database: Callable[[], Awaitable[str]]
) -> None:
    url = await fresh_database()
    settings = store_settings(url, home_dir).model_copy(
        update={
            "database": store_settings(url, home_dir).database.model_copy(
                update={"keyword_upkeep_interval_s": 0.2}
            )
        }
    )
    memory = await Memory.open(settings, serve=True)
    try:
        await memory.create_namespace("upkept")
        for seen in range(4):
            notes = [_note(f"n{i}", f"words {i}", seen=seen) for i in range(30)]
            await memory.write_batch("upkept", BatchWrite(entities=notes))
        conn = await keyword_upkeep.connect(url)
        try:
            deadline = time.monotonic() + 60
            while (stats := await _vertex_stats(conn, "upkept")).documents != 30:
                assert time.monotonic() < deadline, stats
                await asyncio.sleep(0.2)
        finally:
            await conn.close()
    finally:
        await memory.close()


async def test_an_index_whose_summary_cannot_be_read_is_rebuilt(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    index = f"{namespace}._kg_vertex_text"
    for seen in range(3):  # all in the index's memtable, no segment written yet
        notes = [_note(f"n{i}", f"some words {i}", seen=seen) for i in range(30)]
        await memory.write_batch(namespace, BatchWrite(entities=notes))
    # pg_textsearch 1.0: merging an index without segments leaves its summary unreadable.
    await raw_conn.execute("SELECT bm25_force_merge($1)", index)
    assert (await _vertex_stats(raw_conn, namespace)).documents is None
    [(before, after)] = [
        r for r in await memory.refresh_keyword_statistics(namespace) if r[0].index == index
    ]
    assert before.documents is None and after == keyword_stats.IndexStats(index, 30, 30)


async def test_a_cancelled_rebuild_leaves_a_copy_the_next_one_drops(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    extra = f'"{namespace}".extra'
    await raw_conn.execute(
        f"CREATE TABLE {extra} (id serial PRIMARY KEY, text text); "
        f"CREATE INDEX extra_text ON {extra} USING bm25 (text) WITH (text_config = 'english'); "
        f"INSERT INTO {extra} (text) SELECT 'row number ' || g || ' word' || (g % 97) "
        "FROM generate_series(1, 200000) AS g"
    )
    conn = await keyword_upkeep.connect(memory.database.url)
    try:
        rebuild = asyncio.create_task(keyword_stats.rebuild(conn, f"{namespace}.extra_text"))
        await asyncio.sleep(0.3)
        rebuild.cancel()  # as stopping the server cancels the upkeep's rebuild
        with pytest.raises(asyncio.CancelledError):
            await rebuild
        assert await conn.fetchval("SELECT 1") == 1  # the connection is usable again
    finally:
        await conn.close()
    invalid = "SELECT count(*) FROM pg_index WHERE indrelid = $1::regclass AND NOT indisvalid"
    assert await raw_conn.fetchval(invalid, extra) == 1
    await asyncio.wait_for(memory.refresh_keyword_statistics(namespace), 120)
    assert await raw_conn.fetchval(invalid, extra) == 0
    stats = {s.index: s for s in await keyword_stats.stats(raw_conn, namespace)}
    assert stats[f"{namespace}.extra_text"].documents == 200000


def test_a_write_meeting_the_index_swap_is_a_conflict_to_run_again() -> None:
    swapped = asyncpg.exceptions.UndefinedTableError('index "ns_x._kg_vertex_text_ccnew" not found')
    error = driver_errors.translate(swapped)
    assert isinstance(error, WriteConflict) and error.extra.get("index_swap")
    other = asyncpg.exceptions.UndefinedTableError('relation "ns_x.missing" does not exist')
    assert not isinstance(driver_errors.translate(other), WriteConflict)


async def test_a_transaction_undone_by_the_index_swap_runs_again(memory: Memory) -> None:
    runs = 0

    async def work(conn: asyncpg.Connection) -> int:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise driver_errors.translate(
                asyncpg.exceptions.UndefinedTableError('index "n._kg_fact_text_ccnew" not found')
            )
        return int(await conn.fetchval("SELECT 1"))

    assert await memory.ctx.db.in_transaction(work) == 1
    assert runs == 2


def test_a_search_meeting_the_index_swap_is_recognised() -> None:
    planned = asyncpg.exceptions.InternalServerError(
        'query specifies index "ns_x._kg_vertex_text_ccold" but planner chose index '
        '"_kg_vertex_text"'
    )
    assert driver_errors.index_swap(planned)
    assert not driver_errors.index_swap(
        asyncpg.exceptions.InternalServerError('query specifies index "a" but planner chose "b"')
    )
