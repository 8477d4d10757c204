"""Notifications that what a key may reach changed: the ``kgmem_access`` channel.

- ``key <id>``: sent by a trigger on ``kgmem.api_key`` (migration ``0019_key_changes``)
  from the transaction that creates, revokes or deletes key ``id`` or changes its
  scopes, namespaces or secret. PostgreSQL delivers it when that transaction commits,
  so a listener never hears of a change before it can read it, whoever made it (a
  server process, ``kgmem keys revoke``, plain SQL).
- ``namespace <name>``: announced just before a namespace is deleted. A transaction
  still open on the namespace holds locks its deletion must wait for, so holders are
  told before the deletion starts, not after it commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import asyncpg

from kgmem.storage.pool.database import Database
from kgmem.storage.pool.listen import Listener

CHANNEL = "kgmem_access"

Change = tuple[Literal["key", "namespace"], str]
"""What changed: ("key", its id) or ("namespace", its name)."""


def parse(payload: str) -> Change | None:
    """The change a notification reports, None when it is not one of ours."""
    kind, _, name = payload.partition(" ")
    if kind == "key" and name:
        return "key", name
    if kind == "namespace" and name:
        return "namespace", name
    return None


async def announce_namespace_deletion(conn: asyncpg.Connection, name: str) -> None:
    """Tell every process that namespace ``name`` is about to be deleted (sent at once:
    ``conn`` must not be inside a transaction)."""
    await conn.execute("SELECT pg_notify($1, 'namespace ' || $2)", CHANNEL, name)


def listener(
    db: Database, on_change: Callable[[Change], None], on_gap: Callable[[], None]
) -> Listener:
    """A listener calling ``on_change`` for each change reported by any process."""

    def heard(payload: str) -> None:
        change = parse(payload)
        if change is not None:
            on_change(change)

    return Listener(db, CHANNEL, heard, on_gap)
