"""Typed rows: how storage code reads what a query returns.

A query whose rows travel (returned, passed to another function, or read in more
than one place) declares its row type, named by concept, with one field per selected
column in ``SELECT`` order, and reads it through ``fetch``/``fetchrow`` (or ``typed``
for records obtained otherwise). Callers use attributes, which mypy checks; the
column names are checked against the fields once per statement, so a ``SELECT`` and
its row type cannot drift apart silently.

A row type is a ``NamedTuple`` (built from the driver's record in one C call, so it
costs no more than reading the record by key), or a frozen slotted dataclass when the
row is itself what the module hands on (``candidates.VertexInfo``).

A result of one or two columns consumed right at the query unpacks by position
instead (``for uid, id_ in records``, ``[uid for (uid,) in records]``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable, Sequence
from functools import partial
from typing import Any, TypeVar, cast

import asyncpg

R = TypeVar("R")

_new = tuple.__new__


def columns(kind: type[object]) -> tuple[str, ...]:
    """The columns row type ``kind`` reads, in order (its fields)."""
    if dataclasses.is_dataclass(kind):
        return tuple(f.name for f in dataclasses.fields(kind))
    fields: tuple[str, ...] = getattr(kind, "_fields", ())
    if not fields:
        raise TypeError(f"{kind.__name__} is not a NamedTuple or dataclass row type")
    return fields


def _maker(kind: type[R], record: asyncpg.Record) -> Callable[[asyncpg.Record], R]:
    """What builds a ``kind`` from a record like ``record`` (whose columns it checks)."""
    got = tuple(record.keys())
    if got != columns(kind):
        raise TypeError(f"{kind.__name__} reads columns {columns(kind)}, the query returned {got}")
    if dataclasses.is_dataclass(kind):
        return lambda r: kind(*r)
    return cast("Callable[[asyncpg.Record], R]", partial(_new, kind))


def typed(kind: type[R], records: Sequence[asyncpg.Record]) -> list[R]:
    """``records`` (all of one statement) as rows of ``kind``."""
    if not records:
        return []
    make = _maker(kind, records[0])
    return [make(r) for r in records]


def typed_one(kind: type[R], record: asyncpg.Record) -> R:
    """One record as a row of ``kind``."""
    return _maker(kind, record)(record)


async def fetch(conn: asyncpg.Connection, kind: type[R], query: str, *args: Any) -> list[R]:
    """The rows of ``query`` as ``kind``."""
    return typed(kind, await conn.fetch(query, *args))


async def fetchrow(conn: asyncpg.Connection, kind: type[R], query: str, *args: Any) -> R | None:
    """The first row of ``query`` as ``kind``, or None when it returns none."""
    record = await conn.fetchrow(query, *args)
    return None if record is None else typed_one(kind, record)


async def cursor(
    conn: asyncpg.Connection, kind: type[R], query: str, *args: Any, prefetch: int
) -> AsyncIterator[R]:
    """The rows of ``query`` as ``kind`` through a server-side cursor, ``prefetch`` at a
    time (call inside a transaction)."""
    make: Callable[[asyncpg.Record], R] | None = None
    async for record in conn.cursor(query, *args, prefetch=prefetch):
        if make is None:
            make = _maker(kind, record)
        yield make(record)


async def chunks(
    conn: asyncpg.Connection, kind: type[R], query: str, *args: Any, size: int
) -> AsyncIterator[list[R]]:
    """The rows of ``query`` as ``kind`` in lists of ``size`` (the last one shorter, none
    when there are no rows), through a server-side cursor (call inside a transaction)."""
    batch: list[R] = []
    async for row in cursor(conn, kind, query, *args, prefetch=size):
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
