"""Who a request runs for, so that no caller can take every place of a kind of work.

The doors set ``current`` once they know the caller (the key's id, or ``local`` for a
keyless local caller); ``share`` then admits a caller's work of a kind only within its
own share of the process's places, so the other callers always find one free.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import AsyncIterator

from kgmem.errors import DatabaseBusy, TooManyQueries
from kgmem.storage import Database

current: contextvars.ContextVar[str | None] = contextvars.ContextVar("kgmem_caller", default=None)
"""The caller of the request being served (None outside any door: kgmem's own work)."""

WAIT_S = 2.0
"""How long a caller's work waits for a place within its share before ``TooManyQueries``."""


def identify(key_id: str | None) -> None:
    """Make the rest of this task (and what it starts) run for the key ``key_id``."""
    current.set(key_id or "local")


@contextlib.asynccontextmanager
async def share(db: Database, kind: str, at_once: int) -> AsyncIterator[None]:
    """One of the ``at_once`` places for ``kind`` in this process, taken only while
    the caller holds fewer than ``at_once - 1`` of them (at least one)."""
    who = current.get()
    async with contextlib.AsyncExitStack() as stack:
        if who is not None and at_once > 1:
            try:
                await stack.enter_async_context(
                    db.limited(f"{kind} of {who}", at_once - 1, wait_s=WAIT_S)
                )
            except DatabaseBusy:
                raise TooManyQueries(
                    f"this key already runs {at_once - 1} {kind} queries at once on this "
                    "server process, its share of them; wait for one to end",
                    retry_after_s=1,
                ) from None
        await stack.enter_async_context(db.limited(kind, at_once))
        yield
