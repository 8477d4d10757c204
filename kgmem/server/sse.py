"""Server-sent events: a namespace's event feed as ``text/event-stream`` messages
(framed, pinged and closed on disconnect by sse-starlette). A feed that fails with a
kgmem error (the key no longer admits the stream) ends with an ``error`` message whose
data is the problem document a new request would get."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask

from kgmem.errors import KgmemError
from kgmem.keys.quotas import Held
from kgmem.live import Event, Reset
from kgmem.server.problems import from_error

RETRY_MS = 2000
_SEP = "\n"


def message(item: Event | Reset) -> ServerSentEvent:
    """One SSE message: ``id`` (the sequence), ``event`` (the type) and JSON ``data``."""
    if isinstance(item, Event):
        return ServerSentEvent(item.body, event=item.type, id=str(item.seq), sep=_SEP)
    data = {"reason": item.reason, "backend": item.backend, "seq": item.seq, **item.extra}
    return ServerSentEvent(orjson.dumps(data).decode(), event="reset", id=str(item.seq), sep=_SEP)


async def messages(
    first: Event | Reset | None,
    feed: AsyncIterator[Event | Reset | None],
    *,
    types: frozenset[str] | None,
) -> AsyncIterator[ServerSentEvent]:
    """A retry hint, then events (only ``types`` when given; resets always), ending
    after ``namespace.deleted`` or with an ``error``. The feed's ``None`` (nothing new
    yet) sends nothing."""
    yield ServerSentEvent(comment="connected", retry=RETRY_MS, sep=_SEP)
    pending = [first]
    try:
        while True:
            try:
                item = pending.pop() if pending else await anext(feed)
            except KgmemError as exc:
                yield ServerSentEvent(bytes(from_error(exc).body).decode(), event="error", sep=_SEP)
                return
            if item is None:
                continue
            if isinstance(item, Reset) or types is None or item.type in types:
                yield message(item)
            if isinstance(item, Event) and item.type == "namespace.deleted":
                return
    finally:
        await feed.aclose()  # type: ignore[attr-defined]


def event_response(
    body: AsyncIterator[ServerSentEvent], *, keepalive_s: float, held: Held
) -> EventSourceResponse:
    """The streamed response: a ``keep-alive`` comment every ``keepalive_s``; ``held``
    (the stream counted among its key's connections) is released when it ends, however
    it ends (also when the body never started)."""
    return EventSourceResponse(
        _releasing(body, held),
        background=BackgroundTask(held.release),
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        ping=keepalive_s,
        sep=_SEP,
        ping_message_factory=lambda: ServerSentEvent(comment="keep-alive", sep=_SEP),
    )


async def _releasing(
    body: AsyncIterator[ServerSentEvent], held: Held
) -> AsyncIterator[ServerSentEvent]:
    try:
        async for item in body:
            yield item
    finally:
        held.release()
