"""Point-in-time recovery of the embedded server: a restore to a moment between two
writes brings back the first and not the second."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kgmem import EntityWrite, Memory
from kgmem.errors import EntityNotFound, InvalidBackup
from kgmem.storage.backups import pitr
from kgmem.storage.engine.embedded import start_embedded
from tests.fixtures.database import SMALL_BUFFERS, store_settings

pytestmark = pytest.mark.slow


async def _write(url: str, home: Path, uid: str) -> None:
    memory = await Memory.open(store_settings(url, home))
    try:
        await memory.upsert_entity("diary", EntityWrite(uid, "Person", {"name": uid}))
    finally:
        await memory.close()


async def test_restore_to_a_time_between_two_writes(home_dir: Path) -> None:
    archive = home_dir / "archive"
    server = start_embedded(home_dir, owner=True, shared_buffers=SMALL_BUFFERS)
    try:
        memory = await Memory.open(store_settings(server.url, home_dir))
        try:
            await memory.create_namespace("diary")
        finally:
            await memory.close()
        server = pitr.enable_archiving(home_dir, server, archive)
        assert pitr.enable_archiving(home_dir, server, archive) is server  # no second restart
        base = pitr.base_backup(server, archive)
        with pytest.raises(InvalidBackup, match="no base backup"):
            pitr.restore_to_time(home_dir, archive, base.finished_at.replace(year=2000))

        await _write(server.url, home_dir, "first")
        await asyncio.sleep(1.0)
        between = datetime.now(UTC)
        await asyncio.sleep(1.0)
        await _write(server.url, home_dir, "second")

        server, kept = pitr.restore_to_time(home_dir, archive, between)
        assert kept is not None and (kept / "PG_VERSION").exists()
        memory = await Memory.open(store_settings(server.url, home_dir))
        try:
            assert (await memory.get_entity("diary", "first")).entity.uid == "first"
            with pytest.raises(EntityNotFound):
                await memory.get_entity("diary", "second")
            await memory.upsert_entity("diary", EntityWrite("third", "Person", {"name": "t"}))
        finally:
            await memory.close()
    finally:
        server.stop()
