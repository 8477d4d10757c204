"""``kgmem migrate`` from several processes at once on one new database, as kgmem
servers starting together on a cluster do: each waits its turn on the migration lock,
every one succeeds, and each migration ran once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from kgmem.storage.engine import migrate
from tests.cli.test_serve import env_for

pytestmark = pytest.mark.slow

PROCESSES = 4


def _migrate_at_once(url: str, homes: Path) -> list[tuple[int, str]]:
    """Start ``kgmem migrate`` ``PROCESSES`` times together; (exit status, output) each."""
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "kgmem", "migrate"],
            env=env_for(Path(tempfile.mkdtemp(dir=homes)), KGMEM_DATABASE_URL=url),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    return [(p.wait(timeout=300), p.communicate()[0]) for p in started]


async def test_several_processes_migrating_at_once_all_succeed_once(
    fresh_database: Callable[[], Awaitable[str]], server_homes: Path
) -> None:
    url = await fresh_database()
    for status, output in await asyncio.to_thread(_migrate_at_once, url, server_homes):
        assert status == 0, output
        assert f"database at migration {migrate.head_revision()}" in output
    assert migrate.current_revision(url) == migrate.head_revision()
    conn = await asyncpg.connect(url)
    try:  # one row: the version table was written by one upgrade chain, not several
        assert await conn.fetchval("SELECT count(*) FROM kgmem_alembic_version") == 1
    finally:
        await conn.close()
