"""kgmem on a host list: a closed port, a streaming standby and the primary named in one
URL (both libpq forms). Serving, migrations, the CLI and backups all find the primary;
backups read from the standby when asked."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from kgmem import EntityWrite, Memory
from kgmem.storage.backups import backup
from kgmem.storage.engine import conninfo, migrate
from kgmem.storage.engine.embedded import start_embedded
from tests.cli.test_serve import env_for, kgmem
from tests.fixtures.app import free_port
from tests.fixtures.database import store_settings
from tests.fixtures.streaming import Node, copy_of

pytestmark = pytest.mark.slow


@dataclass
class Pair:
    primary: Node
    standby: Node
    closed: int

    @property
    def netloc_url(self) -> str:
        ports = (self.closed, self.standby.port, self.primary.port)
        return "postgresql://postgres@" + ",".join(f"127.0.0.1:{p}" for p in ports) + "/kgmem"

    @property
    def query_url(self) -> str:
        ports = ",".join(str(p) for p in (self.closed, self.standby.port, self.primary.port))
        return f"postgresql://postgres@/kgmem?host=127.0.0.1,127.0.0.1,127.0.0.1&port={ports}"


@pytest.fixture(scope="module")
def pair(server_homes: Path) -> Iterator[Pair]:
    """A primary on a loopback port (a copy of a fresh embedded server, not yet
    migrated) and a streaming standby of it; a closed port to list first."""
    home = Path(tempfile.mkdtemp(dir=server_homes))
    home.chmod(0o755)
    origin = start_embedded(home / "origin", owner=True)
    try:
        primary = copy_of(origin.url, home / "primary", standby=False)
    finally:
        origin.stop()
    try:
        standby = copy_of(primary.url, home / "standby", standby=True)
        try:
            yield Pair(primary, standby, free_port())
        finally:
            standby.stop()
    finally:
        primary.stop()


async def _server_port(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT inet_server_port()"))
    finally:
        await conn.close()


async def test_both_host_list_forms_find_the_primary_past_a_closed_port_and_a_standby(
    pair: Pair, home_dir: Path
) -> None:
    for url in (pair.netloc_url, pair.query_url):
        assert await _server_port(conninfo.normalise(url)) == pair.primary.port
    # The first open on the host list migrates the new store through SQLAlchemy too.
    memory = await Memory.open(store_settings(pair.netloc_url, home_dir))
    try:
        await memory.create_namespace("hosts")
        await memory.upsert_entity(
            "hosts", EntityWrite(uid="ada", label="Person", properties={"name": "Ada"})
        )
        assert (await memory.get_entity("hosts", "ada")).entity.properties["name"] == "Ada"
    finally:
        await memory.close()
    assert migrate.current_revision(pair.query_url) == migrate.head_revision()
    assert migrate.status(pair.netloc_url).pending == ()


def test_cli_and_backups_work_on_a_host_list(pair: Pair, home_dir: Path, tmp_path: Path) -> None:
    env = env_for(home_dir, KGMEM_DATABASE_URL=pair.netloc_url)
    status = kgmem("migrate", "--status", env=env)
    assert status.returncode == 0, status.stderr
    assert "up to date" in status.stdout
    done = kgmem("backup", str(tmp_path / "store.kgb"), env=env)
    assert done.returncode == 0, done.stderr
    manifest = backup.read_manifest(tmp_path / "store.kgb")
    assert manifest.revision == migrate.head_revision()


async def test_backup_reads_from_the_standby_when_asked(
    pair: Pair, home_dir: Path, tmp_path: Path
) -> None:
    memory = await Memory.open(store_settings(pair.query_url, home_dir))
    try:
        await memory.create_namespace("from_standby")
        position = await memory.ctx.db.pool.fetchval("SELECT pg_current_wal_flush_lsn()::text")
    finally:
        await memory.close()
    standby = await asyncpg.connect(pair.standby.url)
    try:  # the standby has replayed the namespace before the backup starts
        for _ in range(100):
            if await standby.fetchval(
                "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn", position
            ):
                break
            await asyncio.sleep(0.1)
        await standby.execute("SELECT pg_wal_replay_pause()")  # the primary moves on alone
    finally:
        await standby.close()
    try:
        memory = await Memory.open(store_settings(pair.query_url, home_dir))
        try:
            await memory.create_namespace("after_pause")
        finally:
            await memory.close()
        env = env_for(home_dir, KGMEM_DATABASE_URL=pair.netloc_url)
        done = kgmem("backup", "--standby", str(tmp_path / "standby.kgb"), env=env)
        assert done.returncode == 0, done.stderr
        names = backup.read_manifest(tmp_path / "standby.kgb").namespaces
        assert "from_standby" in names and "after_pause" not in names
    finally:
        standby = await asyncpg.connect(pair.standby.url)
        try:
            await standby.execute("SELECT pg_wal_replay_resume()")
        finally:
            await standby.close()
