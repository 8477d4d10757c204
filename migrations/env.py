"""Alembic environment for kgmem: plain-SQL migrations run through psycopg 3.

kgmem runs these itself at start-up (``kgmem.storage.engine.migrate``). To use the alembic
command line directly, set KGMEM_DATABASE_URL or pass ``-x url=postgresql://...``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import text

from kgmem.storage.engine.migrate import engine

# One lock id for "kgmem migrations": concurrent starters take turns.
MIGRATION_LOCK = 7_420_001

config = context.config


def _url() -> str:
    url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    url = url or os.environ.get("KGMEM_DATABASE_URL")
    if not url:
        raise SystemExit("set KGMEM_DATABASE_URL or pass -x url=... to run migrations")
    return str(url)


def run_migrations_online() -> None:
    with engine(_url()).connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        try:
            context.configure(
                connection=connection,
                version_table="kgmem_alembic_version",
                transaction_per_migration=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            connection.commit()


if context.is_offline_mode():
    raise SystemExit("kgmem migrations run online only")
run_migrations_online()
