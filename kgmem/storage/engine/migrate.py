"""Run kgmem's Alembic migrations (plain SQL, psycopg 3) against a database URL.

Alembic and SQLAlchemy are imported by the functions that use them: a server process
that does not migrate (a worker, a replica reader) never loads them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from kgmem.errors import StorageError
from kgmem.process.resources import resource_dir
from kgmem.storage.engine import conninfo

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine


def _config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    config.attributes["url"] = url
    return config


def engine(url: str) -> Engine:
    """A SQLAlchemy engine (psycopg 3, no pooling) whose connections libpq opens from
    ``url`` itself: SQLAlchemy's own URL parser reads one host only, libpq reads every
    form (``kgmem.storage.engine.conninfo``), and finds the primary of a host list."""
    from sqlalchemy import create_engine, pool

    target = conninfo.normalise(url)
    return create_engine(
        "postgresql+psycopg://",
        poolclass=pool.NullPool,
        creator=lambda: psycopg.connect(target),
    )


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (idempotent; serialised by a lock)."""
    from alembic import command

    try:
        command.upgrade(_config(url), revision)
    except Exception as exc:
        raise StorageError(f"migration to {revision} failed: {exc}") from exc


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` back to ``revision`` (``base`` drops everything)."""
    from alembic import command

    try:
        command.downgrade(_config(url), revision)
    except Exception as exc:
        raise StorageError(f"downgrade to {revision} failed: {exc}") from exc


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    with engine(url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": "kgmem_alembic_version"})
        return context.get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this kgmem."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config("")).get_current_head()


@dataclass(frozen=True, slots=True)
class Revision:
    """One migration: its id (what a store records), its file and its one-line summary."""

    id: str
    file: str
    summary: str


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """Where a database stands: its revision (None before the first) and what would run."""

    current: str | None
    head: str | None
    pending: tuple[Revision, ...]


def revisions() -> list[Revision]:
    """Every shipped migration in the order they apply, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config(""))
    chain = reversed(list(script.walk_revisions("base", "heads")))
    return [_revision(r) for r in chain]


def status(url: str) -> MigrationStatus:
    """The revision of the database at ``url`` and the migrations an upgrade would run
    (oldest first). Reads only; raises ``StorageError`` for a revision this kgmem does not
    know (a store written by a newer kgmem)."""
    current = current_revision(url)
    ordered = revisions()
    ids = [r.id for r in ordered]
    if current is not None and current not in ids:
        raise StorageError(
            f"the database is at migration {current}, which this kgmem does not know "
            "(written by a newer kgmem?)"
        )
    done = ids.index(current) + 1 if current is not None else 0
    return MigrationStatus(current=current, head=head_revision(), pending=tuple(ordered[done:]))


def _revision(script: object) -> Revision:
    from alembic.script import Script

    assert isinstance(script, Script)
    doc = (script.module.__doc__ or "").strip().splitlines()
    return Revision(id=script.revision, file=Path(script.path).name, summary=doc[0] if doc else "")
