"""Point-in-time recovery of the embedded server: WAL archiving, base backups, and
restoring the data directory to a moment.

An archive directory holds ``wal/`` (every WAL segment the server completes, copied
there by its ``archive_command``) and ``base/<stamp>/`` (base backups taken with
pg_basebackup, each with ``<stamp>.json`` saying when it finished). Restoring to a time
takes the newest base backup that finished before it, replays the archived WAL up to
that time and opens the store there; the data directory it replaces is kept beside it.

Turning archiving on changes ``archive_mode``, which PostgreSQL reads only at start,
so the server is restarted; that needs this process to own ``KGMEM_HOME``.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from kgmem.errors import ConfigurationError, InvalidBackup
from kgmem.storage.backups.backup import pg_tool, run_tool
from kgmem.storage.engine import postmaster
from kgmem.storage.engine.embedded import EmbeddedPostgres, start_embedded

RECOVERY_WAIT_S = 300.0
"""How long a restore waits for PostgreSQL to replay the WAL and open the store."""


@dataclass(frozen=True, slots=True)
class BaseBackup:
    """One base backup in an archive."""

    path: Path
    finished_at: datetime


def archive_settings(archive: Path) -> dict[str, str]:
    """The server settings that copy each completed WAL segment into ``archive``/wal
    (never overwriting one already there) and close a segment at least each minute."""
    wal = archive.resolve() / "wal"
    return {
        "archive_mode": "on",
        "archive_command": f"test ! -f '{wal}/%f' && cp '%p' '{wal}/%f'",
        "archive_timeout": "60",
    }


def enable_archiving(home: Path, embedded: EmbeddedPostgres, archive: Path) -> EmbeddedPostgres:
    """Make the embedded server archive its WAL into ``archive``, restarting it when
    that changes its settings; the server to use from now on."""
    wal = archive.resolve() / "wal"
    wal.mkdir(parents=True, exist_ok=True)
    _give_to(archive.resolve(), _postgres_user())
    if _postgres_user() is not None:
        from pgserver.utils import ensure_prefix_permissions

        ensure_prefix_permissions(wal)  # PostgreSQL's user must reach it, as its pgdata
    wanted = archive_settings(archive)
    with psycopg.connect(embedded.url, autocommit=True) as conn:
        if all(_setting(conn, k) == v for k, v in wanted.items()):
            return embedded
        if not embedded.owner:
            raise ConfigurationError(
                "turning WAL archiving on restarts the embedded PostgreSQL: stop the kgmem "
                "server using this KGMEM_HOME first"
            )
        for key, value in wanted.items():
            conn.execute(f"ALTER SYSTEM SET {key} = {_literal(value)}")
    return _restart(home, embedded)


def base_backup(embedded: EmbeddedPostgres, archive: Path) -> BaseBackup:
    """Take a base backup of the running server into ``archive``/base."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = archive.resolve() / "base" / stamp
    target.parent.mkdir(parents=True, exist_ok=True)
    run_tool(
        [
            pg_tool("pg_basebackup"),
            "-D",
            str(target),
            "-Fp",
            "-X",
            "stream",
            "-c",
            "fast",
            "-d",
            embedded.url,
        ]
    )
    finished = datetime.now(UTC)
    meta = {"finished_at": finished.isoformat()}
    (target.parent / f"{stamp}.json").write_text(json.dumps(meta), encoding="utf-8")
    return BaseBackup(path=target, finished_at=finished)


def base_backups(archive: Path) -> list[BaseBackup]:
    """The base backups in ``archive``, oldest first."""
    found = []
    for meta in sorted((archive / "base").glob("*.json")):
        finished = datetime.fromisoformat(json.loads(meta.read_text())["finished_at"])
        found.append(BaseBackup(path=meta.with_suffix(""), finished_at=finished))
    return found


def restore_to_time(
    home: Path, archive: Path, when: datetime
) -> tuple[EmbeddedPostgres, Path | None]:
    """Replace the embedded store under ``home`` with its state at ``when`` (replayed
    from the newest base backup that finished before it) and start it; the running
    server and where the replaced data directory was moved (None when there was none).

    The caller owns ``home`` (its ``HomeLock``); a PostgreSQL still running there is
    stopped. Works whether or not the old data directory can still start.
    ``InvalidBackup`` when no base backup is old enough."""
    base = _base_for(archive.resolve(), when)
    pgdata = (home / "pgdata").resolve()
    postmaster.stop(pgdata, timeout_s=30.0)
    kept: Path | None = None
    if pgdata.exists():
        kept = pgdata.with_name(f"pgdata.before-restore-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        pgdata.rename(kept)
    shutil.copytree(base.path, pgdata, symlinks=True)
    _drop_copied_locks(pgdata)
    if kept is not None:
        _carry_unarchived_wal(kept, pgdata)
    _write_recovery(pgdata, archive.resolve(), when)
    _give_to(pgdata, _postgres_user())
    pgdata.chmod(0o700)
    restored = _start_again(home, pgdata)
    _await_promotion(restored.url)
    _clear_recovery(restored.url)
    return restored, kept


def _base_for(archive: Path, when: datetime) -> BaseBackup:
    usable = [b for b in base_backups(archive) if b.finished_at < when]
    if not usable:
        raise InvalidBackup(
            f"no base backup in {archive} finished before {when.isoformat()}; "
            "the earliest point to restore to is the end of the first base backup"
        )
    return usable[-1]


def _drop_copied_locks(pgdata: Path) -> None:
    """Remove the socket lock files a base backup copied from the running server (its
    sockets live in the data directory). Their pid is the old postmaster's, which may
    linger as a zombie or be reused, and PostgreSQL would refuse to start beside it."""
    for lock in pgdata.glob(".s.PGSQL.*"):
        lock.unlink(missing_ok=True)
    (pgdata / "postmaster.pid").unlink(missing_ok=True)


def _carry_unarchived_wal(old: Path, new: Path) -> None:
    """Copy the WAL the old server wrote but had not archived yet (its last segment),
    so a restore can reach the newest commits."""
    for segment in sorted((old / "pg_wal").iterdir()):
        if segment.is_file() and len(segment.name) == 24:
            shutil.copy2(segment, new / "pg_wal" / segment.name)


def _write_recovery(pgdata: Path, archive: Path, when: datetime) -> None:
    wal = archive / "wal"
    lines = {
        "restore_command": f"cp '{wal}/%f' '%p'",
        "recovery_target_time": when.astimezone(UTC).isoformat(sep=" "),
        "recovery_target_action": "promote",
    }
    with (pgdata / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
        for key, value in lines.items():
            conf.write(f"{key} = {_literal(value)}\n")
    (pgdata / "recovery.signal").touch()


def _await_promotion(url: str) -> None:
    deadline = time.monotonic() + RECOVERY_WAIT_S
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                if row is not None and not row[0]:
                    return
        except psycopg.OperationalError:
            pass  # still starting up
        time.sleep(0.2)
    raise ConfigurationError(
        f"PostgreSQL did not finish recovery within {RECOVERY_WAIT_S:g} s; see its log"
    )


def _clear_recovery(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for key in ("restore_command", "recovery_target_time", "recovery_target_action"):
            conn.execute(f"ALTER SYSTEM RESET {key}")
        conn.execute("SELECT pg_reload_conf()")


def _restart(home: Path, embedded: EmbeddedPostgres) -> EmbeddedPostgres:
    embedded.stop()
    return _start_again(home, embedded.pgdata)


def _start_again(home: Path, pgdata: Path) -> EmbeddedPostgres:
    """Start the embedded server after this process stopped it (pgserver remembers the
    stopped one as running otherwise)."""
    from pgserver.postgres_server import PostgresServer

    PostgresServer._instances.pop(pgdata, None)
    postmaster.remove_stale_lock_files(pgdata)
    return start_embedded(home, owner=True)


def _setting(conn: psycopg.Connection[Any], name: str) -> str:
    row = conn.execute("SELECT setting FROM pg_settings WHERE name = %s", (name,)).fetchone()
    return str(row[0]) if row else ""


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _postgres_user() -> str | None:
    """The OS user the embedded PostgreSQL runs as when it is not this process's user:
    pgserver runs it as ``pgserver`` when kgmem runs as root."""
    return "pgserver" if os.geteuid() == 0 else None


def _give_to(path: Path, user: str | None) -> None:
    """Hand ``path`` (recursively) to the OS user PostgreSQL runs as (``user``; None:
    this process's user, nothing to do)."""
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid, follow_symlinks=False)
