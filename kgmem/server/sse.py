"""Server-sent events: turning a namespace's event feed into ``text/event-stream``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import orjson

from kgmem.live import Event, Reset

RETRY_MS = 2000


def frame(item: Event | Reset) -> bytes:
    """One SSE message: ``id`` (the sequence), ``event`` (the type) and JSON ``data``."""
    if isinstance(item, Event):
        return f"id: {item.seq}\nevent: {item.type}\ndata: {item.body}\n\n".encode()
    data = {"reason": item.reason, "backend": item.backend, "seq": item.seq, **item.extra}
    return f"id: {item.seq}\nevent: reset\ndata: {orjson.dumps(data).decode()}\n\n".encode()


async def event_stream(
    first: Event | Reset | None,
    feed: AsyncIterator[Event | Reset | None],
    *,
    types: frozenset[str] | None,
    keepalive_s: float,
) -> AsyncIterator[bytes]:
    """The body of an events response: a retry hint, then events (only ``types`` when
    given; resets always), a comment every ``keepalive_s`` while idle, and the end of
    the stream after ``namespace.deleted``."""
    yield f"retry: {RETRY_MS}\n: connected\n\n".encode()
    sent = time.monotonic()
    pending = [first]
    try:
        while True:
            item = pending.pop() if pending else await anext(feed)
            if item is None:
                if time.monotonic() - sent >= keepalive_s:
                    sent = time.monotonic()
                    yield b": keep-alive\n\n"
                continue
            if isinstance(item, Reset) or types is None or item.type in types:
                sent = time.monotonic()
                yield frame(item)
            if isinstance(item, Event) and item.type == "namespace.deleted":
                return
    finally:
        await feed.aclose()  # type: ignore[attr-defined]
