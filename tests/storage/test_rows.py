"""Typed rows read a query's columns by attribute, and refuse a query whose columns
do not match the row type."""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import asyncpg
import pytest

from kgmem.storage import rows


class Pair(NamedTuple):
    uid: str
    n: int


class Stamp(NamedTuple):
    at: datetime


async def test_rows_read_columns_as_attributes(raw_conn: asyncpg.Connection) -> None:
    found = await rows.fetch(
        raw_conn,
        Pair,
        "SELECT 'u' || g AS uid, g AS n FROM generate_series(1, 3) g ORDER BY g",
    )
    assert [(p.uid, p.n) for p in found] == [("u1", 1), ("u2", 2), ("u3", 3)]
    assert all(type(p) is Pair for p in found)


async def test_fetchrow_is_none_without_a_row(raw_conn: asyncpg.Connection) -> None:
    assert await rows.fetchrow(raw_conn, Stamp, "SELECT now() AS at WHERE false") is None
    stamp = await rows.fetchrow(raw_conn, Stamp, "SELECT now() AS at")
    assert stamp is not None and isinstance(stamp.at, datetime)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT 1 AS n, 'u' AS uid",  # columns swapped
        "SELECT 'u' AS uid",  # one missing
        "SELECT 'u' AS uid, 1 AS n, 2 AS extra",  # one more
        "SELECT 'u', 1",  # unnamed
    ],
)
async def test_a_query_that_drifted_from_its_row_type_is_refused(
    raw_conn: asyncpg.Connection, query: str
) -> None:
    with pytest.raises(TypeError, match="Pair reads columns"):
        await rows.fetch(raw_conn, Pair, query)
    with pytest.raises(TypeError, match="Pair reads columns"):
        await rows.fetchrow(raw_conn, Pair, query)


async def test_an_empty_result_needs_no_check(raw_conn: asyncpg.Connection) -> None:
    assert await rows.fetch(raw_conn, Pair, "SELECT 1 AS wrong WHERE false") == []


def test_only_named_tuples_are_row_types() -> None:
    with pytest.raises(TypeError, match="not a NamedTuple or dataclass"):
        rows.columns(tuple)
    assert rows.columns(Pair) == ("uid", "n")
    assert rows.columns(Slot) == ("at", "n")


@dataclass(frozen=True, slots=True)
class Slot:
    at: datetime
    n: int


async def test_dataclass_rows_are_built_by_position(raw_conn: asyncpg.Connection) -> None:
    found = await rows.fetch(raw_conn, Slot, "SELECT now() AS at, 7 AS n")
    assert len(found) == 1 and type(found[0]) is Slot and found[0].n == 7
    with pytest.raises(TypeError, match="Slot reads columns"):
        await rows.fetch(raw_conn, Slot, "SELECT 7 AS n, now() AS at")


async def test_a_cursor_reads_typed_rows(raw_conn: asyncpg.Connection) -> None:
    query = "SELECT 'u' || g AS uid, g AS n FROM generate_series(1, 5) g ORDER BY g"
    async with raw_conn.transaction():
        found = [p async for p in rows.cursor(raw_conn, Pair, query, prefetch=2)]
        assert [p.n for p in found] == [1, 2, 3, 4, 5] and found[0].uid == "u1"
        with pytest.raises(TypeError, match="Pair reads columns"):
            _ = [p async for p in rows.cursor(raw_conn, Pair, "SELECT 1 AS n", prefetch=2)]


async def test_chunks_are_lists_of_the_size_asked_the_last_shorter(
    raw_conn: asyncpg.Connection,
) -> None:
    query = "SELECT 'u' || g AS uid, g AS n FROM generate_series(1, 5) g ORDER BY g"
    async with raw_conn.transaction():
        found = [[p.n for p in c] async for c in rows.chunks(raw_conn, Pair, query, size=2)]
        assert found == [[1, 2], [3, 4], [5]]
        empty = "SELECT 'u' AS uid, 1 AS n WHERE false"
        assert [c async for c in rows.chunks(raw_conn, Pair, empty, size=2)] == []
