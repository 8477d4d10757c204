"""What one API key may hold and send at once, counted in this process across every
door (``KGMEM_QUOTA_*``):

- requests: a token bucket per key, refilled at ``requests_per_s`` up to ``burst``; a
  request finding it empty is refused with ``RateLimited``, saying when a token is back;
- open connections (Bolt connections, event streams) and open explicit transactions:
  one more than the key may hold is refused with ``TooManyConnections`` or
  ``TooManyTransactions``; what was let in is counted until its ``Held`` is released.

Callers without a key (loopback clients of a store without keys) are not limited: they
share the machine already. Keys are named by their id, so a door needs no more than
the principal it admitted.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from kgmem.errors import RateLimited, TooManyConnections, TooManyRequests, TooManyTransactions
from kgmem.settings.quota_settings import QuotaSettings

Kind = Literal["connections", "transactions"]
RETRY_HELD_S = 1.0
"""Retry-After of a refused connection or transaction: held ones end at any moment."""

_REFUSALS: dict[Kind, type[TooManyRequests]] = {
    "connections": TooManyConnections,
    "transactions": TooManyTransactions,
}


@dataclass
class _Bucket:
    tokens: float
    at: float


class Held:
    """One counted connection or transaction; ``release()`` uncounts it (once)."""

    def __init__(self, release: Callable[[], None] | None = None) -> None:
        self._release = release

    def release(self) -> None:
        """Uncount what this holds; again: nothing."""
        release, self._release = self._release, None
        if release is not None:
            release()

    def __enter__(self) -> Held:
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


class Quotas:
    """The per-key counts of one process."""

    def __init__(
        self, settings: QuotaSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.buckets: dict[str, _Bucket] = {}
        self.open: dict[Kind, Counter[str]] = {kind: Counter() for kind in _REFUSALS}

    def spend(self, key_id: str | None) -> None:
        """Count one request of ``key_id``; ``RateLimited`` when its bucket is empty."""
        rate = self.settings.requests_per_s
        if key_id is None or rate == 0:
            return
        now = self.clock()
        bucket = self.buckets.setdefault(key_id, _Bucket(float(self.settings.burst), now))
        bucket.tokens = min(self.settings.burst, bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens < 1:
            raise RateLimited(
                f"this API key made more than {rate:g} requests per second "
                f"(KGMEM_QUOTA_REQUESTS_PER_S, bursts of {self.settings.burst})",
                retry_after_s=(1 - bucket.tokens) / rate,
            )
        bucket.tokens -= 1

    def hold(self, kind: Kind, key_id: str | None) -> Held:
        """Count one more open ``kind`` of ``key_id`` until the returned ``Held`` is
        released; ``TooManyConnections`` or ``TooManyTransactions`` past the key's limit."""
        if key_id is None:
            return Held()
        most: int = getattr(self.settings, kind)
        counts = self.open[kind]
        if counts[key_id] >= most:
            raise _REFUSALS[kind](
                f"this API key holds {most} open {kind} already, its limit "
                f"(KGMEM_QUOTA_{kind.upper()}); close one and try again",
                retry_after_s=RETRY_HELD_S,
            )
        counts[key_id] += 1
        return Held(lambda: _uncount(counts, key_id))


def _uncount(counts: Counter[str], key_id: str) -> None:
    counts[key_id] -= 1
    if counts[key_id] <= 0:
        del counts[key_id]
