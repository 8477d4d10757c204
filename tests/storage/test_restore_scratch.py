"""The scratch database of a restore under another name never outlives it: a failing
or interrupted restore drops it, and a start of the store drops those a restore killed
outright left, but not one a live restore holds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from kgmem import EntityWrite, Memory
from kgmem.errors import StorageError
from kgmem.storage.backups import backup, scratch
from tests.cli.test_serve import env_for
from tests.fixtures.database import NewDatabase, store_settings


def scratch_databases(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'kgmem\\_restore\\_%'"
        ).fetchall()
    return {r[0] for r in rows}


def create_database(url: str, name: str, **connect: Any) -> psycopg.Connection[Any]:
    conn = psycopg.connect(url, autocommit=True, **connect)
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return conn


@contextmanager
def dropped_after(url: str, *names: str) -> Iterator[None]:
    try:
        yield
    finally:
        for name in names:
            scratch.drop(url, name)


async def people_backup(url: str, home: Path, path: Path) -> None:
    memory = await Memory.open(store_settings(url, home))
    try:
        await memory.create_namespace("people")
        await memory.upsert_entity("people", EntityWrite("ada", "Person", {"name": "Ada"}))
    finally:
        await memory.close()
    backup.backup(url, path, namespace="people")


async def test_a_start_drops_the_scratch_databases_no_restore_holds(
    pg_url: str, fresh_database: NewDatabase, home_dir: Path
) -> None:
    left = scratch.PREFIX + uuid.uuid4().hex[:12]
    held = scratch.PREFIX + uuid.uuid4().hex[:12]
    not_ours = scratch.PREFIX + "kept_by_someone"
    create_database(pg_url, left).close()
    create_database(pg_url, not_ours).close()
    with (
        dropped_after(pg_url, held, not_ours),
        create_database(pg_url, held, application_name="kgmem-restore " + held),
    ):
        memory = await Memory.open(store_settings(await fresh_database(), home_dir))
        await memory.close()
        found = scratch_databases(pg_url)
        assert left not in found
        assert {held, not_ours} <= found  # a live restore's, and a name not of kgmem's form


@pytest.mark.parametrize("failure", [StorageError("pg_dump failed"), KeyboardInterrupt()])
async def test_a_restore_failing_in_its_scratch_database_drops_it(
    fresh_database: NewDatabase,
    home_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: BaseException,
) -> None:
    url = await fresh_database()
    await people_backup(url, home_dir, tmp_path / "people.kgb")
    used: list[str] = []

    def fail_inside(conn: psycopg.Connection[Any], namespace: str) -> Any:
        used.append(conn.info.dbname)
        raise failure

    monkeypatch.setattr(backup, "_namespace_rows", fail_inside)
    with pytest.raises(type(failure)):  # run here: an interrupt must not cross threads
        backup.restore(url, tmp_path / "people.kgb", into="team")
    assert used and used[0].startswith(scratch.PREFIX)
    assert used[0] not in scratch_databases(url)


def _restore_process(url: str, home: Path, path: Path) -> subprocess.Popen[bytes]:
    env = env_for(home, KGMEM_DATABASE_URL=url)
    args = [sys.executable, "-m", "kgmem", "restore", str(path), "--as", "team"]
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _until_scratch_appears(url: str, before: set[str]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = scratch_databases(url) - before
        if new:
            return new.pop()
        time.sleep(0.01)
    raise AssertionError("the restore made no scratch database")


def _until_unused(url: str, name: str) -> None:
    """Wait for the programs the killed restore started (pg_restore) to end."""
    deadline = time.monotonic() + 60
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
            if conn.execute(query, (name,)).fetchone() == (0,):
                return
            time.sleep(0.05)
    raise AssertionError(f"{name} stayed in use")


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
async def test_a_killed_restore_leaves_no_scratch_database_after_a_start(
    fresh_database: NewDatabase, home_dir: Path, tmp_path: Path, how: signal.Signals
) -> None:
    """SIGTERM: the restore drops its scratch database itself; SIGKILL: the next start
    of the store does."""
    url = await fresh_database()
    await people_backup(url, home_dir, tmp_path / "people.kgb")
    before = scratch_databases(url)
    process = _restore_process(url, home_dir, tmp_path / "people.kgb")
    name = _until_scratch_appears(url, before)
    os.kill(process.pid, how)
    process.wait(60)
    with dropped_after(url, name):
        if how == signal.SIGTERM:
            assert name not in scratch_databases(url)
            return
        assert name in scratch_databases(url)  # what this start must clean
        _until_unused(url, name)
        memory = await Memory.open(store_settings(url, home_dir))
        await memory.close()
        assert name not in scratch_databases(url)
