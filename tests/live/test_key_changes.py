"""An open event stream follows its key (``kgmem.keys.key_watch``): revoked or narrowed by
another process, it ends within a second with an ``error`` event carrying the problem a
new request would get; a namespace deleted elsewhere ends it with ``namespace.deleted``.
Events written after that are never sent."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from kgmem import EntityWrite, Memory
from tests.fixtures.key_changes import Served, regrant_elsewhere, revoke_elsewhere, served_store
from tests.live.conftest import Message, SseReader, live_settings, sse


@pytest.fixture
async def keyed(fresh_database, tmp_path: Path) -> AsyncIterator[Served]:  # type: ignore[no-untyped-def]
    """A served store of its own (its keys affect no other test), events in PostgreSQL."""
    url = await fresh_database()
    async with served_store(url, live_settings(url, tmp_path, None), ("alpha",)) as served:
        yield served


@contextlib.asynccontextmanager
async def writing(memory: Memory, ns: str) -> AsyncIterator[None]:
    """Writes to ``ns`` every 50 ms while inside (each one an event)."""

    async def write() -> None:
        for n in itertools.count():
            await memory.upsert_entity(ns, EntityWrite(uid=f"w{n}", label="Person"))
            await asyncio.sleep(0.05)

    task = asyncio.create_task(write())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def last_message(stream: SseReader, changed: Callable[[], Awaitable[float]]) -> Message:
    """The message ending ``stream`` after ``changed()`` (which returns when its change
    committed), within a second of it; the stream must end right after."""
    at = await changed()
    async with asyncio.timeout(1.0):
        while (message := await stream.next()).event == "entity.upserted":
            pass
        with pytest.raises(EOFError):
            await stream.next()
    print(f"sse: {message.event} and the end {time.monotonic() - at:.3f} s after the change")
    return message


async def test_a_revoked_key_ends_its_stream_within_a_second(keyed: Served) -> None:
    issued = await keyed.memory.create_key("doomed", ["read"])
    headers = {"Authorization": f"Bearer {issued.secret}"}
    async with sse(keyed.url, "alpha", headers=headers) as stream, writing(keyed.memory, "alpha"):
        assert (await stream.next()).event == "entity.upserted"
        last = await last_message(
            stream, lambda: revoke_elsewhere(keyed.database_url, issued.key.id)
        )
    assert last.event == "error"
    assert last.data["status"] == 401 and last.data["code"] == "unauthenticated"


async def test_a_grant_no_longer_covering_the_namespace_ends_its_stream(keyed: Served) -> None:
    issued = await keyed.memory.create_key("narrowed", ["read"], ["alpha"])
    headers = {"Authorization": f"Bearer {issued.secret}"}
    async with sse(keyed.url, "alpha", headers=headers) as stream, writing(keyed.memory, "alpha"):
        assert (await stream.next()).event == "entity.upserted"
        last = await last_message(
            stream, lambda: regrant_elsewhere(keyed.database_url, issued.key.id, ["beta"])
        )
    assert last.event == "error"
    assert last.data["status"] == 403 and last.data["code"] == "forbidden"


async def test_a_namespace_deleted_elsewhere_ends_its_stream(keyed: Served, tmp_path: Path) -> None:
    issued = await keyed.memory.create_key("reader", ["read"])
    headers = {"Authorization": f"Bearer {issued.secret}"}
    other = await Memory.open(live_settings(keyed.database_url, tmp_path / "other", None))
    try:
        async with sse(keyed.url, "alpha", headers=headers) as stream:

            async def delete() -> float:
                await other.delete_namespace("alpha")
                return time.monotonic()

            last = await last_message(stream, delete)
    finally:
        await other.close()
    assert last.event == "namespace.deleted"
