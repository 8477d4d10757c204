"""Scratch databases a restore works in, and dropping those a killed restore left.

A restore under another name (``kgmem restore --as``) may work in a scratch database
of the store's server (``backup._renamed_copy``). It is dropped when the restore ends,
however it ends; a restore killed outright (SIGKILL, a lost machine) cannot, so every
start of a store drops the scratch databases no live restore holds
(``drop_leftovers``). A restore holds its scratch database by a connection named
after it (``application_name``), opened before the database is created and closed
after it is dropped: PostgreSQL ends that connection when the restore's process dies.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import psycopg
from psycopg import sql

_log = logging.getLogger("kgmem.backup")

PREFIX = "kgmem_restore_"
_NAME = re.compile(PREFIX + "[0-9a-f]{12}")
_HOLDER = "kgmem-restore "
"""The application_name of the connection that holds a scratch database, before its name."""

DROP_TIMEOUT_MS = 30_000
"""How long dropping a scratch database may wait. A drop waits until every backend of
the server has acknowledged it (a ProcSignalBarrier), and a backend blocked writing to a
client that no longer reads never does: past this, the drop is given up and the
database is named in the log (the next start drops it)."""


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """The name of a new, empty database on the server of ``url`` (needs CREATEDB),
    held for the block and dropped when it ends, by an error or an interrupt too."""
    name = PREFIX + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True, application_name=_HOLDER + name) as holder:
        try:
            holder.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            yield name
        finally:
            drop(url, name)


def drop(url: str, name: str) -> bool:
    """Drop scratch database ``name`` of the server of ``url`` (if it is there); False,
    with one line logged, when that could not be done (the next start drops it)."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"SET statement_timeout = {DROP_TIMEOUT_MS}")
            conn.execute(_drop_sql(name))
    except psycopg.Error as exc:
        _log.warning(
            "restore: the scratch database %s could not be dropped (%s); the next start of "
            "the store drops it, or DROP DATABASE %s",
            name,
            _first_line(exc),
            name,
        )
        return False
    return True


async def drop_leftovers(conn: asyncpg.Connection) -> list[str]:
    """Drop the scratch databases of the server ``conn`` is on that no live restore
    holds; their names. A database that cannot be dropped (no privilege, a read-only
    standby) is named in one logged line and left."""
    found = await conn.fetch(
        "SELECT d.datname FROM pg_database d WHERE d.datname LIKE $1 AND NOT EXISTS ("
        "SELECT 1 FROM pg_stat_activity a "
        "WHERE a.datname = d.datname OR a.application_name = $2 || d.datname)",
        PREFIX.replace("_", r"\_") + "%",
        _HOLDER,
    )
    dropped = []
    for (name,) in found:
        if not _NAME.fullmatch(name):
            continue
        try:
            await conn.execute(_drop_sql(name).as_string(None), timeout=DROP_TIMEOUT_MS / 1000)
        except (asyncpg.PostgresError, TimeoutError) as exc:
            _log.warning(
                "the scratch database %s a restore left could not be dropped (%s)",
                name,
                _first_line(exc),
            )
            continue
        _log.info("dropped the scratch database %s a killed restore left", name)
        dropped.append(name)
    return dropped


def _drop_sql(name: str) -> sql.Composed:
    return sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))


def _first_line(exc: Any) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
