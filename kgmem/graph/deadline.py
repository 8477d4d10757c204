"""One deadline per Cypher request, shared by everything the request runs.

A request's procedure calls, UNION parts, nested reads and its statement all draw on
the time the request was given (``within``), so joining many calls cannot multiply the
statement timeout. The deadline lives in a context variable: the calls a request makes
inherit it, and a nested ``within`` can only shorten it.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "kgmem_request_deadline", default=None
)


@contextlib.contextmanager
def within(seconds: float) -> Iterator[float]:
    """Run the block by ``seconds`` from now, or by the enclosing deadline when that is
    sooner; yields the seconds left."""
    now = time.monotonic()
    outer = _DEADLINE.get()
    ends = now + seconds if outer is None else min(outer, now + seconds)
    token = _DEADLINE.set(ends)
    try:
        yield max(ends - now, 0.0)
    finally:
        _DEADLINE.reset(token)


def remaining(default: float) -> float:
    """Seconds left before the current deadline (``default`` when there is none), never
    below a millisecond so a timeout built from it still fires rather than disables."""
    ends = _DEADLINE.get()
    if ends is None:
        return default
    return max(min(ends - time.monotonic(), default), 0.001)


def remaining_ms(default_ms: int) -> int:
    """``remaining`` in whole milliseconds, at least 1."""
    return max(int(remaining(default_ms / 1000) * 1000), 1)
