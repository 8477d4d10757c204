"""A process LISTENs on every channel through one connection of its own: the events
and the key changes share it, it comes back after a loss (each listener told of the
gap) and closes with the last listener."""

from __future__ import annotations

import asyncio

import asyncpg

from kgmem.settings.database_settings import DatabaseSettings
from kgmem.storage.pool import database
from kgmem.storage.pool.listen import APPLICATION, Listener


async def _listen_backends(conn: asyncpg.Connection) -> list[int]:
    return [
        pid
        for (pid,) in await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 "
            "AND datname = current_database()",
            APPLICATION,
        )
    ]


async def test_channels_share_one_connection_that_comes_back_after_a_loss(
    fresh_database,  # type: ignore[no-untyped-def]
) -> None:
    url = await fresh_database()
    db = await database.open_database(url, DatabaseSettings())
    heard: dict[str, list[str]] = {"one": [], "two": []}
    gaps: list[str] = []
    one = Listener(db, "chan_one", heard["one"].append, lambda: gaps.append("one"))
    two = Listener(db, "chan_two", heard["two"].append, lambda: gaps.append("two"))
    admin = await asyncpg.connect(url)
    try:
        await one.start()
        await two.start()
        assert one.running and two.running
        assert one.connection is two.connection
        assert len(await _listen_backends(admin)) == 1

        async def sent_and_heard(channel: str, payload: str, who: str) -> None:
            await admin.execute("SELECT pg_notify($1, $2)", channel, payload)
            async with asyncio.timeout(5):
                while payload not in heard[who]:  # noqa: ASYNC110 - delivered by the listener
                    await asyncio.sleep(0.01)

        await sent_and_heard("chan_one", "a", "one")
        await sent_and_heard("chan_two", "b", "two")
        assert heard == {"one": ["a"], "two": ["b"]}  # each hears its own channel only

        [pid] = await _listen_backends(admin)
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
        async with asyncio.timeout(10):
            while sorted(gaps) != ["one", "two"]:  # noqa: ASYNC110 - told after reconnecting
                await asyncio.sleep(0.02)
        assert one.running and two.running and len(await _listen_backends(admin)) == 1
        await sent_and_heard("chan_two", "c", "two")

        await one.stop()
        assert not one.running and two.running
        await sent_and_heard("chan_two", "d", "two")
        await admin.execute("SELECT pg_notify('chan_one', 'lost')")
        await two.stop()
        assert "lost" not in heard["one"]
        async with asyncio.timeout(5):
            while await _listen_backends(admin):  # noqa: ASYNC110 - closed with the last
                await asyncio.sleep(0.02)
    finally:
        await one.stop()
        await two.stop()
        await admin.close()
        await db.close()
