"""The in-process cache: LRU with a TTL, bounded in entries and bytes.

An entry is stored with the namespace version read before its body was computed and
served only while that version is current, so a write (which bumps the version after
its commit) makes every earlier entry of its namespace a miss at once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Entry:
    token: bytes
    expires: float
    body: bytes


class LocalCache:
    """Entries keyed by (namespace, key); ``on_evict`` counts bound-driven evictions."""

    def __init__(
        self,
        *,
        max_entries: int,
        max_bytes: int,
        ttl_s: float,
        on_evict: Callable[[int], None] = lambda n: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._versions: dict[str, int] = {}
        self._generation = 0
        self._bytes = 0
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._ttl = ttl_s
        self._on_evict = on_evict
        self._clock = clock

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        """Bytes of cached bodies."""
        return self._bytes

    def bump(self, namespace: str) -> None:
        """A committed write to ``namespace``: its earlier entries stop matching."""
        self._versions[namespace] = self._versions.get(namespace, 0) + 1

    def bump_all(self) -> None:
        """Writes may have been missed (notifications lost): no earlier entry matches."""
        self._generation += 1

    def _token(self, namespace: str) -> bytes:
        return f"{self._generation}:{self._versions.get(namespace, 0)}".encode()

    def get(self, namespace: str, key: str) -> tuple[bytes, bytes | None]:
        """(token, body or None), like the Redis backend."""
        token = self._token(namespace)
        entry = self._entries.get((namespace, key))
        if entry is None:
            return token, None
        if entry.token != token or entry.expires <= self._clock():
            self._drop((namespace, key))
            return token, None
        self._entries.move_to_end((namespace, key))
        return token, entry.body

    def set(self, namespace: str, key: str, token: bytes, body: bytes) -> None:
        """Keep ``body`` under ``token``; a stale token (a write came in between) or a
        body larger than the whole cache is not kept."""
        if token != self._token(namespace) or len(body) > self._max_bytes:
            return
        self._drop((namespace, key))
        self._entries[(namespace, key)] = _Entry(token, self._clock() + self._ttl, body)
        self._bytes += len(body)
        evicted = 0
        while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
            _, oldest = self._entries.popitem(last=False)
            self._bytes -= len(oldest.body)
            evicted += 1
        if evicted:
            self._on_evict(evicted)

    def _drop(self, where: tuple[str, str]) -> None:
        entry = self._entries.pop(where, None)
        if entry is not None:
            self._bytes -= len(entry.body)
