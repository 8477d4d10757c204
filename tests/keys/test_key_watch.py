"""``kgmem.keys.key_watch``: what the ``kgmem_access`` trigger notifies (and when), which holds
are told, and the fallback when notifications are lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from kgmem import Memory
from kgmem.settings.config import AuthSettings
from kgmem.storage.access_changes import CHANNEL
from tests.fixtures.database import store_settings
from tests.fixtures.key_changes import REVOKE, revoke_elsewhere


@pytest.fixture
async def store(
    fresh_database, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Memory, str]]:
    """A store of its own (keys are store-wide) and its URL; it re-checks every
    ``recheck_s`` (the test's parameter, else 5 s)."""
    url = await fresh_database()
    recheck_s = getattr(request, "param", 5.0)
    settings = store_settings(url, tmp_path).model_copy(
        update={"auth": AuthSettings(recheck_s=recheck_s)}
    )
    memory = await Memory.open(settings)
    try:
        yield memory, url
    finally:
        await memory.close()


@pytest.fixture
async def heard(store: tuple[Memory, str]) -> AsyncIterator[asyncio.Queue[str]]:
    """The payloads notified on ``kgmem_access``, as another process hears them."""
    conn = await asyncpg.connect(store[1])
    queue: asyncio.Queue[str] = asyncio.Queue()
    await conn.add_listener(CHANNEL, lambda *args: queue.put_nowait(args[3]))
    try:
        yield queue
    finally:
        await conn.close()


async def nothing_heard(queue: asyncio.Queue[str]) -> bool:
    await asyncio.sleep(0.2)
    return queue.empty()


async def test_key_changes_are_notified_when_they_commit_and_only_then(
    store: tuple[Memory, str], heard: asyncio.Queue[str]
) -> None:
    memory, url = store
    issued = await memory.create_key("k", ["read"])
    key = issued.key.id
    assert await asyncio.wait_for(heard.get(), 1) == f"key {key}"
    conn = await asyncpg.connect(url)
    try:
        # Marking a key used, or renaming it, changes nothing a check reads.
        assert await memory.authenticate(issued.secret) is not None
        await conn.execute("UPDATE kgmem.api_key SET name = 'renamed' WHERE id = $1", key)
        assert await nothing_heard(heard)
        # Rolled back: never heard; committed: heard at the commit, not before.
        tx = conn.transaction()
        await tx.start()
        await conn.execute("UPDATE kgmem.api_key SET scopes = '{write}' WHERE id = $1", key)
        assert await nothing_heard(heard)
        await tx.rollback()
        assert await nothing_heard(heard)
        tx = conn.transaction()
        await tx.start()
        await conn.execute("UPDATE kgmem.api_key SET namespaces = '{a}' WHERE id = $1", key)
        assert await nothing_heard(heard)
        await tx.commit()
        assert await asyncio.wait_for(heard.get(), 1) == f"key {key}"
        await conn.execute(REVOKE, key)
        assert await asyncio.wait_for(heard.get(), 1) == f"key {key}"
        await conn.execute(REVOKE, key)  # revoked already: nothing changes, nothing said
        assert await nothing_heard(heard)
        await conn.execute("DELETE FROM kgmem.api_key WHERE id = $1", key)
        assert await asyncio.wait_for(heard.get(), 1) == f"key {key}"
    finally:
        await conn.close()


async def test_a_holder_is_told_of_its_own_key_and_a_keyless_one_of_any(
    store: tuple[Memory, str],
) -> None:
    memory, url = store
    mine = await memory.create_key("mine", ["read"])
    theirs = await memory.create_key("theirs", ["read"])
    watch = memory.key_watch
    with (
        watch.hold(mine.key.id) as own,
        watch.hold(theirs.key.id) as other,
        watch.hold() as keyless,
    ):
        await asyncio.sleep(0.05)  # the creations' own notifications, already delivered
        for held in (own, other, keyless):
            held.tell()
            await held.changed()
        await revoke_elsewhere(url, mine.key.id)
        async with asyncio.timeout(1):
            assert await own.changed() == frozenset()
            assert await keyless.changed() == frozenset()
        with pytest.raises(TimeoutError):  # another key's change is not its business
            await asyncio.wait_for(other.changed(), 0.2)
        await memory.create_namespace("gone")
        await memory.delete_namespace("gone")
        async with asyncio.timeout(1):
            assert "gone" in await other.changed()  # told of every announced deletion
    assert await memory.authenticate(mine.secret) is None


@pytest.mark.parametrize("store", [0.3], indirect=True)
async def test_with_notifications_lost_a_revocation_is_seen_within_the_recheck_interval(
    store: tuple[Memory, str],
) -> None:
    memory, url = store
    issued = await memory.create_key("k", ["read"])
    with memory.key_watch.hold(issued.key.id) as held:
        assert await memory.authenticate(issued.secret) is not None  # cached now
        conn = await asyncpg.connect(url)
        try:
            # The LISTEN connection goes down: it comes back after a second.
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'kgmem-listen' AND datname = current_database()"
            )
            async with asyncio.timeout(1):
                while True:
                    if not memory.key_watch.listening:
                        break
                    await asyncio.sleep(0.01)
            await conn.execute(REVOKE, issued.key.id)
        finally:
            await conn.close()
        async with asyncio.timeout(0.3 + 0.3):  # one re-check interval, and slack
            while True:
                await held.changed()
                if await memory.authenticate(issued.secret) is None:
                    break
