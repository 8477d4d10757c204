"""``kgmem backup``/``restore`` refuse cleanly, before changing anything, what they
cannot do: a whole-store restore under a running server, a point-in-time restore on a
server URL or to a time that is not one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from kgmem import Memory
from kgmem.storage import backup
from kgmem.storage.embedded import HomeLock
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
