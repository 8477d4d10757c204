"""Run kgmem's Alembic migrations (plain SQL, psycopg 3) against a database URL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool

from kgmem.errors import StorageError
from kgmem.resources import resource_dir


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    config.attributes["url"] = url
    return config


def _engine_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (idempotent; serialised by a lock)."""
    try:
        command.upgrade(_config(url), revision)
    except Exception as exc:
        raise StorageError(f"migration to {revision} failed: {exc}") from exc


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` back to ``revision`` (``base`` drops everything)."""
    try:
        command.downgrade(_config(url), revision)
    except Exception as exc:
        raise StorageError(f"downgrade to {revision} failed: {exc}") from exc


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None before the first migration."""
    engine = create_engine(_engine_url(url), poolclass=pool.NullPool)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": "kgmem_alembic_version"})
        return context.get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this kgmem."""
    return ScriptDirectory.from_config(_config("")).get_current_head()
