"""Read-your-writes over HTTP when reads may go to streaming replicas.

A successful write's response carries ``X-Kgmem-Lsn``: the primary's WAL position once
the write committed. A search or Cypher read that sends it back as
``X-Kgmem-Min-Lsn`` runs on a replica only once that replica has replayed it (waiting
up to ``KGMEM_REPLICA_WAIT_MS``), else on the primary or 503 ``replica_behind``
(``KGMEM_REPLICA_ON_LAG``). Such reads answer with ``X-Kgmem-Read-From: replica`` or
``primary``. A write whose primary cannot give its position at once (gone in a
failover after the commit) answers without ``X-Kgmem-Lsn``. A request that only reads
(a search, sent as a POST: ``reads_only``) never asks the primary for a position.
Without replicas none of these headers are sent and ``X-Kgmem-Min-Lsn`` is only checked
for its form: the primary sees every write.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kgmem.errors import KgmemError
from kgmem.graph.read_routing import ReadNote, read_after, read_note
from kgmem.server import problems
from kgmem.storage.pool.replicas import check_lsn

WRITE_HEADER = "x-kgmem-lsn"
WAIT_HEADER = b"x-kgmem-min-lsn"
SERVED_HEADER = "x-kgmem-read-from"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_log = logging.getLogger("kgmem.server")


class ReadYourWrites:
    """ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        memory = getattr(scope["app"].state, "memory", None) if "app" in scope else None
        if scope["type"] != "http" or memory is None:
            await self.app(scope, receive, send)
            return
        try:
            lsn = _wanted(scope)
        except KgmemError as exc:
            await problems.answer(exc)(scope, receive, send)
            return
        note = ReadNote()
        tokens = (read_after.set(lsn), read_note.set(note))

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if note.served_by:
                    headers.append(SERVED_HEADER, note.served_by)
                elif (
                    scope["method"] not in _SAFE
                    and not note.reads_only
                    and 200 <= message["status"] < 300
                ):
                    position = await _position(memory)
                    if position is not None:
                        headers.append(WRITE_HEADER, position)
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            read_after.reset(tokens[0])
            read_note.reset(tokens[1])


async def _position(memory: Any) -> str | None:
    """The primary's WAL position, or None when the primary cannot say right now (gone
    in a failover): the answer itself stands, only its ``X-Kgmem-Lsn`` is left out."""
    try:
        position: str | None = await memory.write_position()
    except KgmemError as exc:
        _log.warning("no %s on the answer: %s", WRITE_HEADER, exc)
        return None
    return position


def _wanted(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == WAIT_HEADER:
            return check_lsn(value.decode("latin-1").strip())
    return None
