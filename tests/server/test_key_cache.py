"""API-key checks are reused for a few seconds (``kgmem.keys.key_cache``): no round trip per
request, a key created or revoked in this process takes effect at once, one revoked by
another process within a second (its notification), and within the cache's lifetime
when notifications are lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bench.roundtrips import RoundTrips
from kgmem import Memory
from kgmem.keys.key_cache import KEY_CACHE_SECONDS, KeyCache
from kgmem.server.app import create_app
from tests.fixtures.app import client_for
from tests.fixtures.database import store_settings
from tests.fixtures.key_changes import within
from tests.server.test_entities_api import assert_problem


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
async def two_stores(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> AsyncIterator[tuple[Memory, Memory]]:
    """Two stores on one database of their own: a server's and another process's."""
    url = await fresh_database()
    served = await Memory.open(store_settings(url, tmp_path / "a"))
    other = await Memory.open(store_settings(url, tmp_path / "b"))
    await served.create_namespace("alpha")
    yield served, other
    await other.close()
    await served.close()


async def test_a_cached_check_costs_no_round_trip(two_stores: tuple[Memory, Memory]) -> None:
    memory, _ = two_stores
    issued = await memory.create_key("reader", ["read"])
    async with client_for(create_app(memory=memory)) as c:
        # The key watch empties the cache when it hears of a key change (the creation
        # above, heard a moment later) and on its periodic re-check: a check measured
        # across one of those costs a round trip more, so up to three tries.
        for attempt in range(3):
            got = await c.get("/v1/namespaces", headers=bearer(issued.secret))
            assert got.status_code == 200
            unknown = f"kgm_{attempt:012d}_" + "x" * 43  # not checked before
            # Only the checks' own statements, not a server background task's meanwhile.
            with RoundTrips(own=True) as rt:
                found = await memory.authenticate(issued.secret)
                assert await memory.authenticate(unknown) is None
                assert await memory.authenticate(unknown) is None
            assert found is not None and found.id == issued.key.id
            if rt.total == 1:
                break
        assert rt.total == 1


async def test_changes_in_this_process_take_effect_at_once(
    two_stores: tuple[Memory, Memory],
) -> None:
    memory, _ = two_stores
    app = create_app(memory=memory)
    async with client_for(app) as c:
        # Keyless loopback is served (and that answer cached) until a key exists.
        assert (await c.get("/v1/namespaces")).status_code == 200
        issued = await memory.create_key("temp", ["read"])
        assert_problem(await c.get("/v1/namespaces"), 401, "unauthenticated")
        assert (await c.get("/v1/namespaces", headers=bearer(issued.secret))).status_code == 200
        await memory.revoke_key(issued.key.id)
        assert_problem(
            await c.get("/v1/namespaces", headers=bearer(issued.secret)), 401, "unauthenticated"
        )
        # Search takes the fast path: the same check.
        search = await c.post(
            "/v1/namespaces/alpha/search", json={"text": "x"}, headers=bearer(issued.secret)
        )
        assert_problem(search, 401, "unauthenticated")


async def test_a_revocation_elsewhere_is_seen_within_a_second(
    two_stores: tuple[Memory, Memory],
) -> None:
    memory, other = two_stores
    issued = await memory.create_key("temp", ["read"])
    async with client_for(create_app(memory=memory)) as c:
        assert (await c.get("/v1/namespaces", headers=bearer(issued.secret))).status_code == 200
        await other.revoke_key(issued.key.id)

        # The check cached here is dropped when PostgreSQL's notification arrives.
        async def refused() -> bool:
            answer = await c.get("/v1/namespaces", headers=bearer(issued.secret))
            return answer.status_code != 200

        await within(1.0, refused)
        assert_problem(
            await c.get("/v1/namespaces", headers=bearer(issued.secret)), 401, "unauthenticated"
        )


async def test_without_notifications_a_revocation_is_seen_within_the_cache_lifetime(
    two_stores: tuple[Memory, Memory],
) -> None:
    memory, other = two_stores
    await memory.key_watch.close()  # what a lost LISTEN connection leaves
    memory.key_checks.ttl = 0.5  # the same rule as the default 5 s, quicker to test
    issued = await memory.create_key("temp", ["read"])
    async with client_for(create_app(memory=memory)) as c:
        assert (await c.get("/v1/namespaces", headers=bearer(issued.secret))).status_code == 200
        await other.revoke_key(issued.key.id)
        # Still cached here: accepted until the entry ages out ...
        assert (await c.get("/v1/namespaces", headers=bearer(issued.secret))).status_code == 200
        await asyncio.sleep(0.6)
        # ... then refused.
        assert_problem(
            await c.get("/v1/namespaces", headers=bearer(issued.secret)), 401, "unauthenticated"
        )
        # A key created elsewhere works at once (nothing negative was cached for it).
        fresh = await other.create_key("new", ["read"])
        assert (await c.get("/v1/namespaces", headers=bearer(fresh.secret))).status_code == 200


def test_a_check_that_started_before_a_change_is_not_kept() -> None:
    cache = KeyCache()
    assert cache.ttl == KEY_CACHE_SECONDS
    before = cache.generation
    cache.clear()  # a key was revoked while the check was reading the old row
    cache.put_key("kgm_x", None, before)
    cache.put_count(3, before)
    assert cache.key("kgm_x") == (False, None)
    assert cache.count() is None
    cache.put_key("kgm_x", None, cache.generation)
    cache.put_count(0, cache.generation)
    assert cache.key("kgm_x") == (True, None)
    assert cache.count() == 0
    off = KeyCache(ttl=0)
    off.put_count(1, off.generation)
    assert off.count() is None
