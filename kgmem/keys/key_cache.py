"""A short-lived, per-process cache of API-key checks.

Every HTTP request is admitted by a key check: with keys, the key's row (and at most
once a minute an update of its ``last_used_at``); without keys, a count of the active
ones. That was a database round trip per request, as many as a vector search's own.
The cache keeps each answer for ``ttl`` seconds (``KEY_CACHE_SECONDS`` unless told):

- a key created or revoked through this process (``Memory.create_key`` and
  ``revoke_key``, the HTTP key routes and the CLI's own process) empties the cache at
  once, so the next request sees the change;
- a change made by another process (another server worker, ``kgmem keys revoke``
  against a running server) empties it when PostgreSQL's notification of the change
  arrives (``kgmem.keys.key_watch``), well within a second; were notifications lost, an
  answer still lives at most ``ttl`` seconds (``KGMEM_AUTH_RECHECK_S``);
- an answer read while a change was being made here is not kept (a generation counter),
  so a revocation is never undone by a check that started before it.

Presented keys are cached under their SHA-256, never as given; the cache holds at most
``MAX_ENTRIES`` of them (the least recently used go first: a flood of bad keys costs
lookups, not memory).
"""

from __future__ import annotations

import hashlib
import time

from cachetools import TTLCache

from kgmem.model import ApiKey

KEY_CACHE_SECONDS = 5.0
"""How long a key check is reused by default (``KGMEM_AUTH_RECHECK_S``, docs/rest.md)."""
MAX_ENTRIES = 4096
_COUNT = b"count"  # the active-key count's slot: no SHA-256 digest is this short


class KeyCache:
    """Key checks and the active-key count, each reused for ``ttl`` seconds."""

    def __init__(self, ttl: float = KEY_CACHE_SECONDS) -> None:
        self.generation = 0
        self.ttl = ttl

    @property
    def ttl(self) -> float:
        """Seconds an answer is reused (0 or less: never)."""
        return self._ttl

    @ttl.setter
    def ttl(self, seconds: float) -> None:
        """A new lifetime, starting from an empty cache."""
        self._ttl = seconds
        life = max(seconds, 0.0)
        self._keys: TTLCache[bytes, ApiKey | None] = TTLCache(
            MAX_ENTRIES, life, timer=time.monotonic
        )
        self._count: TTLCache[bytes, int] = TTLCache(1, life, timer=time.monotonic)

    def clear(self) -> None:
        """Forget everything (a key was created, changed or revoked)."""
        self.generation += 1
        self._keys.clear()
        self._count.clear()

    @staticmethod
    def _digest(presented: str) -> bytes:
        return hashlib.sha256(presented.encode()).digest()

    def key(self, presented: str) -> tuple[bool, ApiKey | None]:
        """(found, the active key ``presented`` stands for or None)."""
        digest = self._digest(presented)
        try:
            return True, self._keys[digest]
        except KeyError:
            return False, None

    def put_key(self, presented: str, key: ApiKey | None, generation: int) -> None:
        """Keep a check that started at ``generation`` (dropped if keys changed since)."""
        if generation == self.generation and self.ttl > 0:
            self._keys[self._digest(presented)] = key

    def count(self) -> int | None:
        """The cached count of active keys, or None."""
        return self._count.get(_COUNT)

    def put_count(self, count: int, generation: int) -> None:
        """Keep a count read at ``generation`` (dropped if keys changed since)."""
        if generation == self.generation and self.ttl > 0:
            self._count[_COUNT] = count
