"""Following one namespace's events for an SSE client, across backend switches."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import orjson

from kgmem.errors import KgmemError, RedisUnavailable
from kgmem.live.events import Backend, Event, Position, Reset, parse_position
from kgmem.storage import Database
from kgmem.storage import events as pg_events

if TYPE_CHECKING:
    from kgmem.live.service import Live

_BATCH = 500
_TICK_S = 1.0


class StreamReader:
    """Reads one namespace's events from whichever backend is in use."""

    def __init__(self, live: Live, db: Database, namespace: str) -> None:
        self._live = live
        self._db = db
        self._ns = namespace

    async def follow(self, last: str | None) -> AsyncIterator[Event | Reset | None]:
        """See ``Live.follow``."""
        await self._live.listener.start()
        wakeup = self._live.waiter(self._ns)
        try:
            backend = self._live.event_backend
            cursor, reset = await self._start(backend, parse_position(last) if last else None)
            if reset is not None:
                yield reset
            while True:
                if self._live.event_backend != backend:
                    backend = self._live.event_backend
                    cursor, reset = await self._start(backend, None)
                    yield Reset(cursor, "backend_changed", backend)
                    continue
                events = await self._next(backend, cursor, wakeup)
                for event in events:
                    cursor = event.seq
                    yield event
                if not events:
                    yield None
        finally:
            self._live.forget_waiter(self._ns, wakeup)

    async def _start(self, backend: Backend, last: Position | None) -> tuple[str, Reset | None]:
        """Where to read from, and a Reset when ``last`` cannot be resumed without loss."""
        try:
            if backend == "redis":
                return await self._start_redis(last)
            return await self._start_postgres(last)
        except RedisUnavailable as exc:
            self._live.redis_failed(exc)
            return await self._start_postgres(None)

    async def _start_redis(self, last: Position | None) -> tuple[str, Reset | None]:
        assert self._live.link is not None
        head = await self._live.link.head(self._ns)
        newest = head.last or "0-0"
        if last is None:
            return newest, None
        reason = _redis_gap(last, head.last, head.floor)
        if reason is None:
            return str(last), None
        return newest, Reset(newest, reason, "redis", {"last_event_id": str(last)})

    async def _start_postgres(self, last: Position | None) -> tuple[str, Reset | None]:
        head = await pg_events.head(self._db, self._ns)
        newest = str(head.seq)
        if last is None:
            return newest, None
        if last.backend != "postgres":
            reason = "backend_changed"
        elif last.major < head.trimmed:
            reason = "behind_retention"
        elif last.major > head.seq:
            reason = "unknown_id"
        else:
            return str(last), None
        return newest, Reset(newest, reason, "postgres", {"last_event_id": str(last)})

    async def _next(self, backend: Backend, cursor: str, wakeup: asyncio.Event) -> list[Event]:
        try:
            if backend == "redis":
                return await self._next_redis(cursor)
            return await self._next_postgres(int(cursor), wakeup)
        except RedisUnavailable as exc:
            self._live.redis_failed(exc)
        except KgmemError:
            await asyncio.sleep(_TICK_S)  # the database is down: try again, stay open
        return []

    async def _next_redis(self, cursor: str) -> list[Event]:
        assert self._live.link is not None
        block_ms = int(min(_TICK_S, self._live.link_timeout_s / 2) * 1000)
        rows = await self._live.link.read(self._ns, cursor, limit=_BATCH, block_ms=block_ms)
        return [_event(seq, kind, body) for seq, kind, body in rows]

    async def _next_postgres(self, after: int, wakeup: asyncio.Event) -> list[Event]:
        wakeup.clear()
        rows = await pg_events.read(self._db, self._ns, after, _BATCH)
        if not rows:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), _TICK_S)
            rows = await pg_events.read(self._db, self._ns, after, _BATCH)
        return [_event(str(seq), "", body) for seq, body in rows]


def _redis_gap(last: Position, newest: str | None, floor: str | None) -> str | None:
    """Why resuming a Redis stream after ``last`` could miss events (None: it cannot)."""
    if last.backend != "redis":
        return "backend_changed"
    if newest is None:
        return "unknown_id"  # no stream: Redis lost it (restarted without persistence)
    if floor is not None and last < parse_position(floor):
        return "behind_retention"
    if last > parse_position(newest):
        return "unknown_id"
    return None


def _event(seq: str, kind: str, body: str) -> Event:
    data = orjson.loads(body)
    data["seq"] = seq
    return Event(seq=seq, type=kind or str(data.get("type", "")), body=orjson.dumps(data).decode())
