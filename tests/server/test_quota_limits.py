"""Per-key limits over HTTP on a real server (``kgmem.keys.quotas``): a key past its request
rate gets 429 rate_limited with Retry-After while other keys and /health are served;
a key holding as many event streams as it may is refused one more until one ends.
Each test runs under a hard limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from kgmem.settings.config import Settings
from tests.fixtures.database import store_settings
from tests.fixtures.key_changes import Served, served_store, within
from tests.server.test_entities_api import assert_problem

LIMIT_S = 30


@pytest.fixture
async def served(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> AsyncIterator[Served]:
    """A real server whose keys may make 1 request per second in bursts of 3, and hold
    one stream open."""
    url = await fresh_database()
    base = store_settings(url, tmp_path)
    settings = Settings(
        home=base.home,
        database={"url": url},
        embedding=base.embedding.model_dump(),
        quota={"requests_per_s": 1, "burst": 3, "connections": 1},
    )
    async with served_store(url, settings) as served:
        yield served


def client(base: str, secret: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {secret}"}, timeout=10
    )


async def test_a_key_past_its_rate_is_told_when_to_retry_and_others_are_served(
    served: Served,
) -> None:
    hasty = (await served.memory.create_key("hasty", ["read"])).secret
    calm = (await served.memory.create_key("calm", ["read"])).secret
    async with asyncio.timeout(LIMIT_S), client(served.url, hasty) as c:
        answers = [await c.get("/v1/namespaces") for _ in range(10)]
        statuses = [a.status_code for a in answers]
        assert statuses[:3] == [200] * 3 and 429 in statuses[3:], statuses
        refused = next(a for a in answers if a.status_code == 429)
        assert_problem(refused, 429, "rate_limited")
        assert 1 <= int(refused.headers["Retry-After"]) <= 2
        async with client(served.url, calm) as other:
            assert (await other.get("/v1/namespaces")).status_code == 200
        assert (await c.get("/health")).status_code == 200  # /health counts nobody
        await asyncio.sleep(int(refused.headers["Retry-After"]))
        assert (await c.get("/v1/namespaces")).status_code == 200


async def test_a_key_holding_its_streams_is_refused_another_until_one_ends(
    served: Served,
) -> None:
    key = (await served.memory.create_key("streamer", ["read"])).secret
    async with asyncio.timeout(LIMIT_S), client(served.url, key) as c:
        async with c.stream("GET", "/v1/namespaces/alpha/events") as first:
            assert first.status_code == 200
            assert_problem(await c.get("/v1/namespaces/alpha/events"), 429, "too_many_connections")
        await asyncio.sleep(1.0)  # a token back for the next request

        async def admitted() -> bool:
            async with c.stream("GET", "/v1/namespaces/alpha/events") as again:
                return again.status_code == 200

        await within(10.0, admitted)
