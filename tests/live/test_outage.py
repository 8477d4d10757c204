"""Redis failing mid-run (a real server stopped and started, or paused): reads keep
working uncached, events fall back to PostgreSQL, /health and the log say so, and
kgmem uses Redis again once it answers, never serving what was cached before."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from kgmem import EntityWrite, Memory
from kgmem.server.app import create_app
from tests.fixtures.app import client_for
from tests.fixtures.redis import RedisServer, running_redis
from tests.live.conftest import live_settings, sse


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server of this test's own, which it may stop, start and pause."""
    with running_redis() as server:
        yield server


@dataclass
class Stores:
    a: Memory
    b: Memory
    ns: str


@pytest.fixture
async def stores(own_redis: RedisServer, pg_url: str, tmp_path: Path) -> AsyncIterator[Stores]:
    fast = {"timeout_s": 0.5}  # the pause test needs calls to time out well within it
    a = await Memory.open(live_settings(pg_url, tmp_path / "a", own_redis.url, redis=fast))
    b = await Memory.open(live_settings(pg_url, tmp_path / "b", own_redis.url, redis=fast))
    ns = f"o_{uuid.uuid4().hex[:12]}"
    await a.create_namespace(ns)
    try:
        yield Stores(a, b, ns)
    finally:
        await a.delete_namespace(ns)
        await b.close()
        await a.close()


async def _search(client: httpx.AsyncClient, ns: str) -> httpx.Response:
    response = await client.post(f"/v1/namespaces/{ns}/search", json={"text": "lovelace"})
    assert response.status_code == 200, response.text
    return response


def _state(response: httpx.Response) -> tuple[str, set[str]]:
    return response.headers["x-kgmem-cache"], {h["uid"] for h in response.json()["hits"]}


async def _until(check: Callable[[], Any], seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_redis_stopped_and_started_mid_run(
    stores: Stores,
    own_redis: RedisServer,
    served: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="kgmem.live")
    ns, app = stores.ns, create_app(memory=stores.a)
    await stores.a.upsert_entity(ns, EntityWrite(uid="ada", properties={"name": "Ada Lovelace"}))
    async with client_for(app) as client, served(app) as base, sse(base, ns) as stream:
        await _search(client, ns)
        assert _state(await _search(client, ns)) == ("hit", {"ada"})

        own_redis.stop()
        for _ in range(3):  # every request still answers, uncached
            assert _state(await _search(client, ns)) == ("bypass", {"ada"})
        async with client_for(create_app(memory=stores.b)) as other:
            assert _state(await _search(other, ns)) == ("bypass", {"ada"})
        live = (await client.get("/health")).json()["live"]
        assert (live["cache"], live["events"], live["redis"]["status"]) == (
            "none",
            "postgres",
            "down",
        )
        assert live["redis"]["down_since"] and live["redis"]["last_error"] and live["warnings"]
        switched = await stream.next()
        assert (switched.event, switched.data["reason"]) == ("reset", "backend_changed")
        assert switched.data["backend"] == "postgres"
        await stores.b.upsert_entity(
            ns, EntityWrite(uid="bea", properties={"name": "Bea Lovelace"})
        )
        during = await stream.next()
        assert (during.event, during.data["ids"]) == ("entity.upserted", ["bea"])
        assert during.id is not None and during.id.isdigit()  # a PostgreSQL sequence
        assert _state(await _search(client, ns)) == ("bypass", {"ada", "bea"})

        own_redis.start()

        async def redis_back() -> bool:
            return (await client.get("/health")).json()["live"]["redis"]["status"] == "ok"

        await _until(redis_back)
        back = await stream.next()
        assert (back.event, back.data["backend"]) == ("reset", "redis")
        assert _state(await _search(client, ns))[0] == "miss"
        assert _state(await _search(client, ns)) == ("hit", {"ada", "bea"})
        await stores.a.delete_entity(ns, "bea")
        after = await stream.next()
        assert after.event == "entity.deleted" and "-" in (after.id or "")  # a Redis stream id
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("Redis unavailable" in m for m in warnings) == 2  # once per store, not per call
    assert any("Redis is back" in m for m in warnings)
    assert stores.a.live.metrics.value("kgmem_redis_fallbacks_total") == 1
    assert stores.a.live.metrics.value("kgmem_redis_recoveries_total") == 1


async def test_entries_cached_before_an_outage_are_never_served_after_it(
    stores: Stores, own_redis: RedisServer
) -> None:
    """Redis keeps its data through a pause, but a write during the pause could not
    bump the namespace version: the epoch bumped on recovery makes the old entry miss."""
    ns, app = stores.ns, create_app(memory=stores.a)
    await stores.a.upsert_entity(ns, EntityWrite(uid="ada", properties={"name": "Ada Lovelace"}))
    async with client_for(app) as client:
        await _search(client, ns)
        assert _state(await _search(client, ns)) == ("hit", {"ada"})
        admin = redis.Redis(host="127.0.0.1", port=own_redis.port)
        try:
            admin.execute_command("CLIENT", "PAUSE", "3000", "ALL")
            await stores.a.delete_entity(ns, "ada")  # cannot reach Redis: falls back
            assert not stores.a.live.redis_up
            assert _state(await _search(client, ns)) == ("bypass", set())

            async def recovered() -> bool:
                return stores.a.live.redis_up

            await _until(recovered)
        finally:
            admin.close()
        assert _state(await _search(client, ns)) == ("miss", set())
