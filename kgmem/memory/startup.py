"""Where a ``Memory`` finds its database: an external URL, or the embedded server
under ``KGMEM_HOME`` guarded by the home lock; and stopping it again."""

from __future__ import annotations

import threading

from kgmem.settings.config import Settings
from kgmem.storage import (
    EmbeddedPostgres,
    HomeLock,
    start_embedded,
)
from kgmem.storage.engine import conninfo


def database_url(settings: Settings) -> str:
    """KGMEM_DATABASE_URL as kgmem's tools read it (a host list asks for the primary)."""
    url = settings.database.url
    assert url is not None
    return conninfo.normalise(url.get_secret_value())


def start_database(
    settings: Settings, *, serve: bool
) -> tuple[HomeLock | None, EmbeddedPostgres | None]:
    if settings.database.url is not None:
        return None, None
    lock = HomeLock(settings.home)
    if serve:
        lock.acquire()
        owner = True
    else:
        owner = lock.try_acquire()
    try:
        embedded = start_embedded(
            settings.home, owner=owner, shared_buffers=settings.database.shared_buffers
        )
        return (lock if owner else None), embedded
    except BaseException:
        if owner:
            lock.release()
        raise


def stop_database(
    embedded: EmbeddedPostgres | None,
    lock: HomeLock | None,
    timeout_s: float = 30.0,
    hard: threading.Event | None = None,
) -> None:
    if embedded is not None:
        embedded.stop(timeout_s=timeout_s, hard=hard)
    if lock is not None:
        lock.release()
