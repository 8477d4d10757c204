"""Change events in PostgreSQL: a bounded table per namespace plus LISTEN/NOTIFY.

A publisher takes the namespace's head row (a row lock: publishers of one namespace
commit in sequence order, so a reader that saw sequence n never later finds an
event below n appear), inserts the event, trims the oldest beyond the retention
and notifies channel ``kgmem_events`` with ``"<namespace> <seq>"``. The event itself
stays in the table: a notification payload is capped at 8000 bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from kgmem.storage.database import Database
from kgmem.storage.driver_errors import translated

CHANNEL = "kgmem_events"
_log = logging.getLogger("kgmem.live")


@dataclass(frozen=True, slots=True)
class Head:
    """A namespace's last sequence and the highest one trimmed away (0: none)."""

    seq: int
    trimmed: int


async def publish(db: Database, namespace: str, kind: str, body: str, retention: int) -> int:
    """Append one event (``body`` is JSON) and return its sequence number."""
    async with db.transaction() as conn:
        row = await conn.fetchrow(
            "INSERT INTO kgmem.event_head AS h (namespace, seq) VALUES ($1, 1) "
            "ON CONFLICT (namespace) DO UPDATE SET seq = h.seq + 1 RETURNING seq, trimmed",
            namespace,
        )
        seq, trimmed = int(row["seq"]), int(row["trimmed"])
        await conn.execute(
            "INSERT INTO kgmem.event (namespace, seq, type, body) VALUES ($1, $2, $3, $4::jsonb)",
            namespace,
            seq,
            kind,
            body,
        )
        # Trim in steps of a tenth of the retention, not on every event.
        if seq - trimmed > retention + max(1, retention // 10):
            cut = seq - retention
            await conn.execute(
                "DELETE FROM kgmem.event WHERE namespace = $1 AND seq <= $2", namespace, cut
            )
            await conn.execute(
                "UPDATE kgmem.event_head SET trimmed = $2 WHERE namespace = $1", namespace, cut
            )
        await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, f"{namespace} {seq}")
    return seq


async def head(db: Database, namespace: str) -> Head:
    """The namespace's head (0, 0 before its first event)."""
    async with db.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT seq, trimmed FROM kgmem.event_head WHERE namespace = $1", namespace
        )
    return Head(int(row["seq"]), int(row["trimmed"])) if row else Head(0, 0)


async def read(db: Database, namespace: str, after: int, limit: int) -> list[tuple[int, str]]:
    """Up to ``limit`` events after sequence ``after``, oldest first, as (seq, JSON body)."""
    async with db.acquire() as conn:
        rows = await conn.fetch(
            "SELECT seq, body::text AS body FROM kgmem.event "
            "WHERE namespace = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            namespace,
            after,
            limit,
        )
    return [(int(r["seq"]), str(r["body"])) for r in rows]


class Listener:
    """One pooled connection LISTENing on the events channel for this process.

    ``on_event(namespace, seq)`` runs in the event loop for every notification, from
    this process and from every other process on the same database.
    """

    def __init__(self, db: Database, on_event: Callable[[str, int], None]) -> None:
        self._db = db
        self._on_event = on_event
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        """Whether the LISTEN connection is up."""
        return self._conn is not None and not self._conn.is_closed()

    async def start(self) -> None:
        """LISTEN (again, if the connection was lost); harmless when already listening."""
        async with self._lock:
            if self.running:
                return
            with translated():
                conn = await self._db.pool.acquire()
                try:
                    await conn.add_listener(CHANNEL, self._notified)
                except BaseException:
                    await self._db.pool.release(conn)
                    raise
            self._conn = conn

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        namespace, _, seq = payload.rpartition(" ")
        try:
            self._on_event(namespace, int(seq))
        except Exception:
            _log.exception("event listener callback failed")

    async def stop(self) -> None:
        """UNLISTEN and give the connection back (the pool does not reset it)."""
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            with contextlib.suppress(Exception):
                await conn.remove_listener(CHANNEL, self._notified)
            if conn.is_closed():
                conn.terminate()
            with contextlib.suppress(Exception):
                await self._db.pool.release(conn)
