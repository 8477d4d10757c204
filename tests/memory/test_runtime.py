"""The runtime starts every background service through the one helper, reports each in
/health, and leaves nothing running after ``Memory.close()``."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from kgmem import Memory
from kgmem.process.periodic import Periodic
from kgmem.settings.config import RedisSettings
from tests.fixtures.database import store_settings
from tests.fixtures.redis import RedisServer

SERVED = {"listen", "redis-probe", "key-recheck", "watchdog", "keyword-upkeep", "index-population"}
"""The services of a server on an external database with Redis (no supervisor: it
supervises only an embedded PostgreSQL this process owns)."""


async def _nothing(_: object) -> None:
    pass


def _pending(before: set[asyncio.Task[object]]) -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() - before if not t.done()}


async def test_every_background_task_is_a_listed_service_and_none_outlives_close(
    fresh_database: Callable[[], Awaitable[str]],
    home_dir: Path,
    redis_server: RedisServer,
) -> None:
    url = await fresh_database()
    settings = store_settings(url, home_dir).model_copy(
        update={"redis": RedisSettings(url=redis_server.url, retry_s=0.2)}
    )
    before = asyncio.all_tasks()
    async with asyncio.timeout(120):
        memory = await Memory.open(settings, serve=True)
        try:
            memory.runtime.adopt(Periodic("adopted", 0.05, _nothing))  # a caller's own
            services = memory.services()
            assert {s.name for s in services} == SERVED | {"adopted"}
            # Each background task is one of the listed services, run by the helper.
            running = {t.get_name() for t in _pending(before)} - {"kgmem-prewarm"}
            assert running == {f"kgmem-{s.name}" for s in services}
            while any(s.status().state != "running" for s in services):  # noqa: ASYNC110 (polls the services' own report)
                await asyncio.sleep(0.05)
            report = await memory.health()
            assert set(report.services) == SERVED | {"adopted"}
            assert {s.state for s in report.services.values()} == {"running"}
        finally:
            await memory.close()
        assert {s.status().state for s in services} == {"stopped"}
        assert _pending(before) == set()


async def test_the_redis_probe_leaves_an_answering_redis_alone(
    pg_url: str, home_dir: Path, redis_server: RedisServer
) -> None:
    """While Redis answers, the probe neither reconnects (which would cut open event
    streams) nor bumps the epoch (which would empty the cache)."""
    settings = store_settings(pg_url, home_dir).model_copy(
        update={"redis": RedisSettings(url=redis_server.url, retry_s=0.1)}
    )
    ns = f"probe_{uuid.uuid4().hex[:12]}"

    async def compute() -> bytes:
        return b"answer"

    async with asyncio.timeout(60):
        memory = await Memory.open(settings)
        try:
            live = memory.live
            assert (await live.cached(ns, ("probe",), compute))[1] == "miss"
            await asyncio.sleep(1.0)  # about ten of the probe's steps
            assert live.probe is not None and live.probe.status().state == "running"
            assert (await live.cached(ns, ("probe",), compute))[1] == "hit"
            assert live.metrics.value("kgmem_redis_recoveries_total") == 0
        finally:
            await memory.close()
