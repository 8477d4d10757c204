"""The uids kgmem gives facts written without one.

A generated uid is 32 hexadecimal digits, like a UUID's: the milliseconds since the
epoch (12 digits), a counter (4 digits) and 64 random bits. Within a process the uids
sort in the order they were made, so the facts of one write, which storage inserts in
uid order (the same order in every transaction, so concurrent writes queue rather than
deadlock), take their graph ids in the order they were stated: of two values of a
functional predicate stated in one write from the same start, the later stated wins,
every time (``kgmem.graph.statements`` breaks such ties by graph id).
"""

from __future__ import annotations

import secrets
import threading
import time

_COUNTER = 0x10000


class _Stamps:
    """Increasing stamps: milliseconds since the epoch times ``_COUNTER``, plus a count
    within the millisecond (never smaller than the last one, whatever the clock does)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns() // 1_000_000 * _COUNTER)
            return self._last


_stamps = _Stamps()


def generated() -> str:
    """A new uid, greater than every uid this process generated before it."""
    return f"{_stamps.next():016x}{secrets.token_hex(8)}"
