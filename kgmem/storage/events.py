"""Change events in PostgreSQL: a bounded table per namespace plus LISTEN/NOTIFY.

A publisher takes the namespace's head row (a row lock: publishers of one namespace
commit in sequence order, so a reader that saw sequence n never later finds an
event below n appear), inserts the event, trims the oldest beyond the retention
and notifies channel ``kgmem_events`` with ``"<namespace> <seq>"``. The event itself
stays in the table: a notification payload is capped at 8000 bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg

from kgmem.storage.pool import listen
from kgmem.storage.pool.database import Database

CHANNEL = "kgmem_events"


@dataclass(frozen=True, slots=True)
class Head:
    """A namespace's last sequence and the highest one trimmed away (0: none)."""

    seq: int
    trimmed: int


async def publish(
    db: Database, namespace: str, kind: str, body: str, retention: int, origin: str = ""
) -> int:
    """Append one event (``body`` is JSON) and return its sequence number. ``origin``
    names the publishing process so its own listener can tell its echo apart."""
    return (await publish_many(db, namespace, [(kind, body)], retention, origin))[0]


_PUBLISH_MANY = """
WITH x AS MATERIALIZED (
  SELECT * FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS x(type, body, n)
), h AS (
  INSERT INTO kgmem.event_head AS h (namespace, seq)
  VALUES ($1, (SELECT count(*) FROM x))
  ON CONFLICT (namespace) DO UPDATE SET seq = h.seq + (SELECT count(*) FROM x)
  RETURNING seq, trimmed
), e AS (
  INSERT INTO kgmem.event (namespace, seq, type, body)
  SELECT $1, h.seq - (SELECT count(*) FROM x) + x.n, x.type, x.body::jsonb FROM h, x
)
SELECT h.seq, h.trimmed,
       pg_notify($4, $1 || ' ' || h.seq || ' ' || $5),
       set_config('synchronous_commit', 'off', true)
FROM h
"""


async def publish_many(
    db: Database,
    namespace: str,
    events: Sequence[tuple[str, str]],
    retention: int,
    origin: str = "",
) -> list[int]:
    """Append ``events`` (type, JSON body) in order with consecutive sequence numbers, in
    one statement and one round trip, with one notification for the last (a reader woken
    by it reads every event after its cursor); their sequence numbers."""
    if not events:
        return []
    async with db.acquire() as conn:
        # Committed on its own: the write these events report is committed (and flushed)
        # already and an event published after it may be lost with a crash anyway, so
        # this commit does not wait for the WAL flush (a second fsync per write halved
        # single-write rates). NOTIFY is sent at commit.
        row = await conn.fetchrow(
            _PUBLISH_MANY,
            namespace,
            [kind for kind, _ in events],
            [body for _, body in events],
            CHANNEL,
            origin,
        )
        head_seq, head_trimmed, _notified, _ = row
        seq, trimmed = int(head_seq), int(head_trimmed)
        # Trim in steps of a tenth of the retention, not on every event.
        if seq - trimmed > retention + max(1, retention // 10):
            await _trim(conn, namespace, seq - retention)
    return list(range(seq - len(events) + 1, seq + 1))


async def _trim(conn: asyncpg.Connection, namespace: str, cut: int) -> None:
    async with conn.transaction():
        await conn.execute(
            "DELETE FROM kgmem.event WHERE namespace = $1 AND seq <= $2", namespace, cut
        )
        await conn.execute(
            "UPDATE kgmem.event_head SET trimmed = greatest(trimmed, $2) WHERE namespace = $1",
            namespace,
            cut,
        )


async def head(db: Database, namespace: str) -> Head:
    """The namespace's head (0, 0 before its first event)."""
    async with db.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT seq, trimmed FROM kgmem.event_head WHERE namespace = $1", namespace
        )
    if row is None:
        return Head(0, 0)
    seq, trimmed = row
    return Head(int(seq), int(trimmed))


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
    return [(int(seq), str(body)) for seq, body in rows]


class Listener(listen.Listener):
    """The LISTEN connection of this process on the events channel.

    ``on_event(namespace, seq, own)`` runs in the event loop for every notification,
    from this process (``own``: published with this listener's ``origin``) and from
    every other process on the same database. When the connection is lost, the
    listener reconnects every second and then calls ``on_gap()``: notifications sent
    meanwhile are lost.
    """

    def __init__(
        self,
        db: Database,
        on_event: Callable[[str, int, bool], None],
        on_gap: Callable[[], None] = lambda: None,
        origin: str = "",
    ) -> None:
        super().__init__(db, CHANNEL, self._event, on_gap)
        self._origin = origin
        self._on_event = on_event

    def _event(self, payload: str) -> None:
        # "namespace seq origin" (namespace names have no spaces; origin may be empty)
        namespace, seq, *rest = payload.split(" ")
        own = bool(self._origin) and rest == [self._origin]
        self._on_event(namespace, int(seq), own)
