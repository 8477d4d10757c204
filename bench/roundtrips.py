"""Counting database round trips: every query a kgmem connection sends, by kind.

A load-insensitive measure of a write path's cost (the wall clock on a shared machine
is not): ``with RoundTrips() as rt: ...`` then ``rt.total`` and ``rt.by_kind``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import asyncpg

_METHODS = ("execute", "executemany", "fetch", "fetchrow", "fetchval", "copy_records_to_table")

_COUNTING: ContextVar[frozenset[RoundTrips]] = ContextVar("kgmem_round_trips", default=frozenset())
"""The counters whose blocks the running code is inside (for ``own=True``)."""


class RoundTrips:
    """Counts calls of asyncpg's query methods while active (one call, one round trip;
    a COPY or executemany counts once). ``on``: count only that connection's calls (a
    pool's proxy names its connection), not those of background work such as the
    server's watchdog that happens to query meanwhile. ``own``: count only the calls
    made by the code inside the ``with`` block and the tasks it starts, on whichever
    pooled connections they take (tasks copy their context when created, so the
    watchdog, prewarming and other work started before the block are not counted)."""

    def __init__(self, on: Any = None, *, own: bool = False) -> None:
        self._on = getattr(on, "_con", on)
        self._own = own
        self.by_kind: Counter[str] = Counter()
        self.by_query: Counter[str] = Counter()
        self._saved: dict[str, Callable[..., Any]] = {}
        self._token: Any = None

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def __enter__(self) -> RoundTrips:
        self._token = _COUNTING.set(_COUNTING.get() | {self})
        for name in _METHODS:
            original = getattr(asyncpg.Connection, name)
            self._saved[name] = original
            setattr(asyncpg.Connection, name, self._counted(name, original))
        return self

    def __exit__(self, *exc: object) -> None:
        for name, original in self._saved.items():
            setattr(asyncpg.Connection, name, original)
        _COUNTING.reset(self._token)

    def _counts(self, conn: Any) -> bool:
        if self._on is not None and conn is not self._on:
            return False
        return not self._own or self in _COUNTING.get()

    def _counted(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        counter, queries = self.by_kind, self.by_query

        async def counted(conn: Any, *args: Any, **kwargs: Any) -> Any:
            if self._counts(conn):
                counter[name] += 1
                queries[" ".join(str(args[0] if args else "?").split())[:90]] += 1
            return await original(conn, *args, **kwargs)

        return counted
