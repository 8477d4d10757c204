"""Opening a store: extension checks, migrations, recorded embedding model."""

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import EmbeddingModelMismatch, MissingExtension
from kgmem.storage.engine import migrate
from kgmem.storage.pool import database
from tests.fixtures.database import store_settings


async def test_missing_extension_is_named_with_install_advice(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    advice = "install it from https://example.org/ext"
    monkeypatch.setattr(
        database,
        "REQUIRED_EXTENSIONS",
        {**database.REQUIRED_EXTENSIONS, "no_such_extension": advice},
    )
    conn = await asyncpg.connect(pg_url)
    try:
        with pytest.raises(MissingExtension) as err:
            await database._check_extensions(conn, pg_url)
    finally:
        await conn.close()
    assert "'no_such_extension'" in err.value.detail and advice in err.value.detail


async def test_required_extensions_are_present_here(pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        await database._check_extensions(conn, pg_url)
    finally:
        await conn.close()


async def test_store_refuses_a_different_embedding_model(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    url = await fresh_database()
    first = await Memory.open(store_settings(url, tmp_path))
    await first.close()
    with pytest.raises(EmbeddingModelMismatch, match="all-MiniLM-L6-v2"):
        await Memory.open(store_settings(url, tmp_path, model="nomic-embed-text", dimension=768))
    reopened = await Memory.open(store_settings(url, tmp_path))
    await reopened.close()


async def test_migrations_go_down_to_base_and_up_again(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    url = await fresh_database()
    memory = await Memory.open(store_settings(url, tmp_path))
    await memory.create_namespace("doomed")
    await memory.close()
    assert migrate.current_revision(url) == migrate.head_revision()
    migrate.downgrade(url, "base")
    assert migrate.current_revision(url) is None
    conn = await asyncpg.connect(url)
    try:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM pg_namespace WHERE nspname IN ('kgmem', 'doomed')"
            )
            == 0
        )
    finally:
        await conn.close()
    migrate.upgrade(url)
    assert migrate.current_revision(url) == migrate.head_revision()


async def test_failed_write_leaves_no_uninterruptible_backend(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    """A rolled-back write of indexed text leaves no backend that ignores termination
    (an earlier keyword index held interrupts off after a ROLLBACK)."""
    import asyncio

    from kgmem import BatchWrite, EntityWrite, FactWrite
    from kgmem.errors import UidConflict

    url = await fresh_database()
    memory = await Memory.open(store_settings(url, tmp_path))
    try:
        await memory.create_namespace("rollme")
        await memory.write_batch(
            "rollme",
            BatchWrite(
                entities=[EntityWrite("a", properties={"name": "A"}), EntityWrite("b")],
                facts=[FactWrite("a", "KNOWS", "b", uid="f1")],
            ),
        )
        for _ in range(3):
            with pytest.raises(UidConflict):
                await memory.write_batch(
                    "rollme",
                    BatchWrite(
                        entities=[EntityWrite("c", properties={"name": "indexed text"})],
                        facts=[
                            FactWrite("a", "KNOWS", "c", uid="f2", text="more text"),
                            FactWrite("b", "KNOWS", "a", uid="f1"),
                        ],
                    ),
                )
        admin = await asyncpg.connect(url)
        others = (
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        try:
            # The backends there now must all end; the store's listeners reconnect with
            # new ones, which are not what this looks for.
            ended = [r["pid"] for r in await admin.fetch(f"SELECT pid {others}")]
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid", ended
            )
            for _ in range(50):
                left = await admin.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])", ended
                )
                if left == 0:
                    break
                await asyncio.sleep(0.1)
        finally:
            await admin.close()
        assert ended and left == 0
    finally:
        await memory.close()


async def test_a_holder_of_several_shared_places_leaves_only_the_rest() -> None:
    """An import holds as many places as connections it uses; Cypher beyond the rest is
    refused after the wait, and a patient taker waits until places come back."""
    from kgmem.errors import DatabaseBusy

    db = database.Database(
        pool=None, server_version="", extensions={}, shared_connections=3, share_wait_s=0.05
    )
    async with db.sharing(places=2, patient=True), db.sharing():
        with pytest.raises(DatabaseBusy):
            async with db.sharing():
                pass
        waiting = asyncio.create_task(_hold(db.sharing(places=2, patient=True)))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # patient: no refusal while every place is held
    await asyncio.wait_for(waiting, 5)


async def _hold(place: AbstractAsyncContextManager[None]) -> None:
    async with place:
        pass
