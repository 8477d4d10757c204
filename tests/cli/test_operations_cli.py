"""``kgmem backup``/``restore`` refuse cleanly, before changing anything, what they
cannot do: a whole-store restore under a running server or into a store that has
namespaces, a namespace over one of the same name, a point-in-time restore on a server
URL or to a time that is not one. Both work on a server URL, and ``kgmem migrate
--status`` lists the migrations still to run without running them."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import psycopg

from kgmem import EntityWrite, Memory
from kgmem.storage.backups import backup
from kgmem.storage.engine import migrate
from kgmem.storage.engine.embedded import HomeLock
from tests.cli.test_serve import env_for, kgmem
from tests.fixtures.database import store_settings


async def test_restores_that_cannot_run_are_refused_with_a_reason(
    home_dir: Path, fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    url = await fresh_database()
    memory = await Memory.open(store_settings(url, home_dir))
    try:
        await memory.create_namespace("kept")
    finally:
        await memory.close()
    backup.backup(url, tmp_path / "store.kgb")

    lock = HomeLock(home_dir)  # what a running `kgmem serve` holds
    assert lock.try_acquire()
    try:
        held = kgmem("restore", str(tmp_path / "store.kgb"), env=env_for(home_dir))
    finally:
        lock.release()
    assert held.returncode == 1
    assert "another kgmem server" in held.stderr
    assert not (home_dir / "pgdata").exists()  # nothing was started or changed

    on_url = env_for(home_dir, KGMEM_DATABASE_URL=url)
    pitr = kgmem("restore", "--to-time", "2026-01-01T00:00:00Z", str(tmp_path), env=on_url)
    assert pitr.returncode == 1 and "embedded server" in pitr.stderr
    continuous = kgmem("backup", "--continuous", str(tmp_path / "arch"), env=on_url)
    assert continuous.returncode == 1 and "embedded server" in continuous.stderr
    when = kgmem("restore", "--to-time", "last tuesday", str(tmp_path), env=env_for(home_dir))
    assert when.returncode == 1 and "ISO 8601" in when.stderr
    garbage = tmp_path / "garbage.kgb"
    garbage.write_text("no")
    bad = kgmem("restore", str(garbage), env=on_url)
    assert bad.returncode == 1 and "not a kgmem backup" in bad.stderr


def _digest(env: dict[str, str], *args: str) -> str:
    done = kgmem("checksum", *args, env=env)
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["digest"])


async def test_backup_and_restore_on_a_server_url_refuse_a_store_that_is_not_empty(
    home_dir: Path, fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    url, empty = await fresh_database(), await fresh_database()
    memory = await Memory.open(store_settings(url, home_dir))
    try:
        await memory.create_namespace("kept")
        await memory.upsert_entity("kept", EntityWrite("ada", "Person", {"name": "Ada"}))
    finally:
        await memory.close()
    on_url = env_for(home_dir, KGMEM_DATABASE_URL=url)
    store, kept = str(tmp_path / "store.kgb"), str(tmp_path / "kept.kgb")
    assert kgmem("backup", store, env=on_url).returncode == 0
    assert kgmem("backup", kept, "--namespace", "kept", env=on_url).returncode == 0
    before = _digest(on_url)

    full = kgmem("restore", store, env=on_url)
    assert full.returncode == 1 and "--replace" in full.stderr and "kept" in full.stderr
    taken = kgmem("restore", kept, env=on_url)
    assert taken.returncode == 1 and "already exists" in taken.stderr
    assert _digest(on_url) == before  # the refusals changed nothing

    on_empty = env_for(home_dir, KGMEM_DATABASE_URL=empty)
    moved = kgmem("restore", store, env=on_empty)
    assert moved.returncode == 0 and "verified" in moved.stderr, moved.stderr
    assert _digest(on_empty) == before
    replaced = kgmem("restore", kept, "--replace", env=on_url)
    assert replaced.returncode == 0, replaced.stderr
    assert _digest(on_url, "--namespace", "kept") == _digest(on_empty, "--namespace", "kept")


async def test_migrate_status_lists_what_would_run_and_changes_nothing(
    home_dir: Path, fresh_database: Callable[[], Awaitable[str]]
) -> None:
    url = await fresh_database(migrated=False)
    ordered = migrate.revisions()
    migrate.upgrade(url, ordered[3].id)
    done = kgmem("migrate", "--status", env=env_for(home_dir, KGMEM_DATABASE_URL=url))
    assert done.returncode == 0, done.stderr
    assert f"database at migration {ordered[3].id}" in done.stdout
    assert f"{len(ordered) - 4} to run" in done.stdout
    listed = [line.split()[0] for line in done.stdout.splitlines() if line.startswith("  ")]
    assert listed == [r.id for r in ordered[4:]]
    assert migrate.current_revision(url) == ordered[3].id

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE kgmem_alembic_version SET version_num = '9999_from_the_future'")
    newer = kgmem("migrate", "--status", env=env_for(home_dir, KGMEM_DATABASE_URL=url))
    assert newer.returncode == 1 and "9999_from_the_future" in newer.stderr
