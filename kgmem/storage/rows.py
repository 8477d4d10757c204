"""Typed rows: how storage code reads what a query returns.

A query whose rows travel (returned, passed to another function, or read in more
than one place) declares its row as a ``NamedTuple`` named by concept, with one field
per selected column in ``SELECT`` order, and reads it through ``fetch``/``fetchrow``
(or ``typed`` for records obtained otherwise). Callers use attributes, which mypy
checks; the column names are checked against the fields once per statement, so a
``SELECT`` and its row type cannot drift apart silently. A NamedTuple is built from
the driver's record in one C call and is still a tuple, so it costs no more than
reading the record by key.

A result of one or two columns consumed right at the query unpacks by position
instead (``for uid, id_ in records``, ``[uid for (uid,) in records]``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import asyncpg

R = TypeVar("R", bound=tuple[Any, ...])

_new = tuple.__new__


def columns(kind: type[tuple[Any, ...]]) -> tuple[str, ...]:
    """The columns row type ``kind`` reads, in order (its NamedTuple fields)."""
    fields: tuple[str, ...] = getattr(kind, "_fields", ())
    if not fields:
        raise TypeError(f"{kind.__name__} is not a NamedTuple row type")
    return fields


def _check(kind: type[tuple[Any, ...]], record: asyncpg.Record) -> None:
    got = tuple(record.keys())
    if got != columns(kind):
        raise TypeError(f"{kind.__name__} reads columns {columns(kind)}, the query returned {got}")


def typed(kind: type[R], records: Sequence[asyncpg.Record]) -> list[R]:
    """``records`` (all of one statement) as rows of ``kind``."""
    if records:
        _check(kind, records[0])
    return [_new(kind, r) for r in records]


def typed_one(kind: type[R], record: asyncpg.Record) -> R:
    """One record as a row of ``kind``."""
    _check(kind, record)
    return _new(kind, record)


def typed_each(kind: type[R], records: Iterable[asyncpg.Record]) -> Iterable[R]:
    """Records of one statement as rows of ``kind``, lazily (the first one checked)."""
    first = True
    for record in records:
        if first:
            _check(kind, record)
            first = False
        yield _new(kind, record)


async def fetch(conn: asyncpg.Connection, kind: type[R], query: str, *args: Any) -> list[R]:
    """The rows of ``query`` as ``kind``."""
    return typed(kind, await conn.fetch(query, *args))


async def fetchrow(conn: asyncpg.Connection, kind: type[R], query: str, *args: Any) -> R | None:
    """The first row of ``query`` as ``kind``, or None when it returns none."""
    record = await conn.fetchrow(query, *args)
    return None if record is None else typed_one(kind, record)
