"""The lock a transaction takes before writing a namespace's BM25-indexed tables.

pg_textsearch holds a BM25 index's own lock from a transaction's first insert into it
until the transaction ends, out of sight of PostgreSQL's deadlock detector and deaf
to timeouts; a BM25 search waits on it too. Migration ``0900_text_index_locks`` makes
every statement that inserts into or updates such a table take this transaction-level
advisory lock first, so only its holder ever holds the index's lock and every other
writer waits where PostgreSQL can see it. Writers that take it as their first step
(``Database.transaction(writes_to=...)``) also never deadlock with each other over it.
"""

from __future__ import annotations

import asyncpg

# The same key as kgmem.lock_text_index(): (the class, the namespace's schema).
_TAKE = "SELECT pg_advisory_xact_lock(hashtext('kgmem.text_index'), hashtext($1))"


async def take(conn: asyncpg.Connection, namespace: str) -> None:
    """Take ``namespace``'s text-index lock until the current transaction ends."""
    await conn.execute(_TAKE, namespace)
