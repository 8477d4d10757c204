"""Gathering queued calls into batches: shared by the embedding coalescer and the
episode request coalescer, which differ only in what a call carries and how a batch
is run."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Gathering(Generic[T]):
    """Calls waiting for a batch, each of a size (texts, episodes); a batch takes whole
    calls in arrival order up to ``limit`` units (at least one call)."""

    def __init__(self, limit: int, size: Callable[[T], int]) -> None:
        self.limit = max(1, limit)
        self._size = size
        self._calls: list[T] = []
        self._units = 0
        self._full = asyncio.Event()

    def __bool__(self) -> bool:
        return bool(self._calls)

    def add(self, call: T) -> None:
        """Queue ``call``; a full batch stops the wait for company at once."""
        self._calls.append(call)
        self._units += self._size(call)
        if self._units >= self.limit:
            self._full.set()

    async def wait_for_company(self, window_s: float) -> None:
        """Wait up to ``window_s`` for a full batch (not at all when one is ready)."""
        if self._units < self.limit and window_s > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), window_s)

    def take(self) -> list[T]:
        """The next batch."""
        taken: list[T] = []
        count = 0
        while self._calls and (not taken or count + self._size(self._calls[0]) <= self.limit):
            call = self._calls.pop(0)
            taken.append(call)
            count += self._size(call)
        self._units -= count
        if self._units < self.limit:
            self._full.clear()
        return taken
