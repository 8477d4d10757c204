"""Stores for the live tests, in both modes: ``memory`` (in-process cache, PostgreSQL
LISTEN/NOTIFY events) and ``redis`` (a real redis-server). Each mode has two stores,
A and B, over the session's one PostgreSQL (and, in redis mode, one Redis): two
kgmem instances serving the same data."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from fastapi import FastAPI

from kgmem import Memory, Settings
from kgmem.server.app import create_app
from kgmem.settings.config import CacheSettings, EventSettings, RedisSettings
from tests.fixtures.app import client_for
from tests.fixtures.database import store_settings
from tests.fixtures.redis import RedisServer, free_port

MODES = ("memory", "redis")
_SECTIONS: dict[str, Any] = {
    "redis": RedisSettings,
    "cache": CacheSettings,
    "events": EventSettings,
}


def live_settings(pg_url: str, home: Path, redis_url: str | None, **sections: Any) -> Settings:
    """Store settings with the given Redis (or none), fast Redis probes, and any
    overrides of the redis, cache and events sections."""
    values: dict[str, dict[str, Any]] = {
        # Generous: a loaded 2-core machine can stall a loopback call for a second.
        "redis": {"timeout_s": 3.0, "retry_s": 0.2},
        "events": {"keepalive_s": 0.5},
    }
    values["redis"]["url"] = redis_url
    for name, overrides in sections.items():
        values.setdefault(name, {}).update(overrides)
    update = {name: _SECTIONS[name](**v) for name, v in values.items()}
    return store_settings(pg_url, home).model_copy(update=update)


@dataclass
class Pair:
    """Two kgmem instances (stores and apps) over one PostgreSQL (and one Redis)."""

    mode: str
    a: Memory
    b: Memory
    app_a: FastAPI
    app_b: FastAPI


@pytest.fixture(scope="session", params=MODES)
async def pair(
    request: pytest.FixtureRequest, pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Pair]:
    mode: str = request.param
    url = None
    if mode == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        url = server.url
    a = await Memory.open(live_settings(pg_url, tmp_path_factory.mktemp("a"), url))
    b = await Memory.open(live_settings(pg_url, tmp_path_factory.mktemp("b"), url))
    try:
        yield Pair(mode, a, b, create_app(memory=a), create_app(memory=b))
    finally:
        await b.close()
        await a.close()


@pytest.fixture
async def live_ns(pair: Pair) -> AsyncIterator[str]:
    """A fresh namespace, created (and deleted) through store A."""
    name = f"l_{uuid.uuid4().hex[:12]}"
    await pair.a.create_namespace(name, "live test")
    try:
        yield name
    finally:
        await pair.a.delete_namespace(name)


@pytest.fixture
async def client_a(pair: Pair) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(pair.app_a) as c:
        yield c


@pytest.fixture
async def client_b(pair: Pair) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(pair.app_b) as c:
        yield c


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """``app`` served by uvicorn on a loopback port in this event loop (streaming
    responses need a real server: httpx's ASGI transport buffers whole bodies)."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=free_port(),
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def served() -> Callable[[FastAPI], Any]:
    return serving


@dataclass(frozen=True)
class Message:
    id: str | None
    event: str
    data: dict[str, Any]


class SseReader:
    """Reads messages (and comments) from an open text/event-stream response.

    A background task parses the stream into a queue, so a timed-out wait does not
    cancel (and so end) the response's line iterator."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.comments: list[str] = []
        self._queue: asyncio.Queue[Message | None] = asyncio.Queue()
        self._task = asyncio.create_task(self._parse())

    async def next(self, wait: float = 5.0) -> Message:
        """The next message (not comment); TimeoutError if none comes in ``wait`` s."""
        message = await asyncio.wait_for(self._queue.get(), wait)
        if message is None:
            self._queue.put_nowait(None)
            raise EOFError("the stream ended")
        return message

    async def _parse(self) -> None:
        fields: dict[str, str] = {}
        try:
            async for line in self.response.aiter_lines():
                if line == "":
                    if "data" in fields or "event" in fields:
                        data = orjson.loads(fields.get("data", "{}"))
                        self._queue.put_nowait(
                            Message(fields.get("id"), fields.get("event", "message"), data)
                        )
                    fields = {}
                elif line.startswith(":"):
                    self.comments.append(line[1:].strip())
                else:
                    name, _, value = line.partition(":")
                    fields[name] = value[1:] if value.startswith(" ") else value
        except httpx.HTTPError:
            pass
        finally:
            self._queue.put_nowait(None)

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def quiet(self, seconds: float) -> bool:
        """True when no message comes within ``seconds``."""
        try:
            await self.next(seconds)
        except TimeoutError:
            return True
        return False


@asynccontextmanager
async def sse(
    base: str,
    ns: str,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> AsyncIterator[SseReader]:
    """An open events stream of namespace ``ns`` on the server at ``base``."""
    timeout = httpx.Timeout(10, read=30)
    async with (
        httpx.AsyncClient(base_url=base, timeout=timeout) as http,
        http.stream(
            "GET", f"/v1/namespaces/{ns}/events", headers=headers, params=params
        ) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = SseReader(response)
        try:
            yield reader
        finally:
            await reader.close()
