"""Key and namespace changes, seen by every process within a second.

A request is admitted by a key check (``kgmem.access``), reused for a few seconds
(``kgmem.keys.key_cache``); a Bolt session, an event stream or an MCP stdio session is
admitted once, when it opens. ``KeyWatch`` keeps both honest when a key is revoked or
its scopes or namespaces change (by this process, another server worker or
``kgmem keys revoke``), or a namespace is deleted:

- each process LISTENs on ``kgmem_access`` (``kgmem.storage.access_changes``): a key
  change is notified by a trigger in the transaction that makes it, so it arrives when
  the change commits; a namespace deletion is announced before it starts;
- on a key change the process forgets its cached key checks, so the next request is
  checked against the database, and tells every ``Hold`` of that key (and every keyless
  one: a new key ends keyless access) to check again; a namespace's announced deletion
  is told to every hold;
- an open connection or stream takes a ``Hold`` for as long as it is open and, when
  told, checks its credentials as a new one would be checked, applying the answer;
- as a fallback, every ``recheck_s`` (``KGMEM_AUTH_RECHECK_S``) and whenever the
  LISTEN connection comes back after a loss, all checks are forgotten and every hold is
  told: a change whose notification was lost is seen within that bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

from kgmem.errors import AuthError, KgmemError
from kgmem.keys.key_cache import KeyCache
from kgmem.process.periodic import Periodic
from kgmem.storage import Database, access_changes

T = TypeVar("T")
_log = logging.getLogger("kgmem.auth")


class Hold:
    """An open connection's or stream's claim on key ``key_id`` (None: a keyless local
    caller, or one not authenticated yet)."""

    def __init__(self, key_id: str | None) -> None:
        self.key_id = key_id
        self._told = asyncio.Event()
        self._going: set[str] = set()

    def tell(self, deleting: str | None = None) -> None:
        """Something this hold stands on may have changed (``deleting``: a namespace
        about to be deleted)."""
        if deleting is not None:
            self._going.add(deleting)
        self._told.set()

    async def changed(self) -> frozenset[str]:
        """Wait until told; the namespaces announced deleted since the last call."""
        await self._told.wait()
        self._told.clear()
        going, self._going = frozenset(self._going), set()
        return going


class KeyWatch:
    """Hears key and namespace changes for one process (see the module docstring)."""

    def __init__(self, db: Database, checks: KeyCache, recheck_s: float) -> None:
        self._checks = checks
        self.recheck_s = recheck_s
        self._holds: set[Hold] = set()
        self._listener = access_changes.listener(db, self._heard, self._everything)
        self.service = Periodic("key-recheck", recheck_s, self._recheck)
        """The fallback re-check every ``recheck_s``, a background service."""

    @property
    def listening(self) -> bool:
        """Whether notifications from other processes are being heard."""
        return self._listener.running

    async def start(self) -> None:
        """LISTEN, and start the fallback re-checks."""
        await self._listener.start()
        self.service.start()

    async def close(self) -> None:
        """Stop listening and re-checking. Closing twice is harmless."""
        await self.service.stop()
        await self._listener.stop()

    @contextlib.contextmanager
    def hold(self, key_id: str | None = None) -> Iterator[Hold]:
        """A hold on ``key_id``, told of changes while inside."""
        held = Hold(key_id)
        self._holds.add(held)
        try:
            yield held
        finally:
            self._holds.discard(held)

    def _heard(self, change: access_changes.Change) -> None:
        kind, name = change
        if kind == "namespace":
            for held in self._holds:
                held.tell(name)
            return
        self._checks.clear()
        for held in self._holds:
            if held.key_id is None or held.key_id == name:
                held.tell()

    def _everything(self) -> None:
        self._checks.clear()
        for held in self._holds:
            held.tell()

    async def _recheck(self, _: object) -> None:
        self._everything()

    async def while_admitted(
        self, key_id: str | None, items: AsyncIterator[T], check: Callable[[], Awaitable[object]]
    ) -> AsyncIterator[T]:
        """``items`` for as long as ``check()`` passes: it runs whenever a hold on
        ``key_id`` is told, and the ``AuthError`` it raises ends the iteration (raised
        to the consumer; another kgmem error, such as the database being down, is
        logged and the next tell checks again). ``items`` is closed on the way out."""
        with self.hold(key_id) as held:
            pending = asyncio.ensure_future(anext(items))
            told = asyncio.ensure_future(held.changed())
            try:
                while True:
                    await asyncio.wait((pending, told), return_when=asyncio.FIRST_COMPLETED)
                    if told.done():  # first: a change outranks an item that came with it
                        await _checked(check)
                        told = asyncio.ensure_future(held.changed())
                    if pending.done():
                        try:
                            item = pending.result()
                        except StopAsyncIteration:
                            return
                        yield item
                        pending = asyncio.ensure_future(anext(items))
            finally:
                await _cancelled(pending, told)
                closing = getattr(items, "aclose", None)
                if closing is not None:
                    await closing()


async def _checked(check: Callable[[], Awaitable[object]]) -> None:
    try:
        await check()
    except AuthError:
        raise
    except KgmemError as exc:
        _log.warning("a stream's key could not be checked again: %s", exc)


async def _cancelled(*tasks: asyncio.Future[Any]) -> None:
    """Cancel ``tasks`` and wait for them; an outcome nobody will read is dropped."""
    for task in tasks:
        task.cancel()
    await asyncio.wait(tasks)
    for task in tasks:
        if not task.cancelled():
            task.exception()
