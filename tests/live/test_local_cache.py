"""The in-process cache's bounds: LRU by entries and bytes, TTL, versions."""

from __future__ import annotations

from kgmem.live.local_cache import LocalCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_the_ttl() -> None:
    clock = Clock()
    cache = LocalCache(max_entries=10, max_bytes=10_000, ttl_s=5, clock=clock)
    token, _ = cache.get("ns", "k")
    cache.set("ns", "k", token, b"body")
    clock.now = 4.9
    assert cache.get("ns", "k")[1] == b"body"
    clock.now = 5.0
    assert cache.get("ns", "k")[1] is None and len(cache) == 0


def test_least_recently_used_is_evicted_beyond_the_bounds() -> None:
    evicted: list[int] = []
    cache = LocalCache(max_entries=2, max_bytes=100, ttl_s=60, on_evict=evicted.append)
    for key in ("a", "b"):
        cache.set("ns", key, cache.get("ns", key)[0], b"x" * 10)
    cache.get("ns", "a")  # a is now more recent than b
    cache.set("ns", "c", cache.get("ns", "c")[0], b"x" * 10)
    assert cache.get("ns", "b")[1] is None and cache.get("ns", "a")[1] is not None
    cache.set("ns", "big", cache.get("ns", "big")[0], b"x" * 95)
    assert len(cache) == 1 and cache.size_bytes == 95 and sum(evicted) == 3


def test_a_bump_invalidates_only_its_namespace_and_stale_tokens_are_not_stored() -> None:
    cache = LocalCache(max_entries=10, max_bytes=1000, ttl_s=60)
    for ns in ("one", "two"):
        cache.set(ns, "k", cache.get(ns, "k")[0], ns.encode())
    token, _ = cache.get("one", "k")
    cache.bump("one")
    assert cache.get("one", "k")[1] is None and cache.get("two", "k")[1] == b"two"
    cache.set("one", "k", token, b"computed before the write")
    assert cache.get("one", "k")[1] is None
