"""The only package that talks to PostgreSQL (asyncpg for the service, psycopg 3 for
migrations) and, later, Redis. Everything above it sees kgmem errors and model types."""

from kgmem.storage.engine.embedded import EmbeddedPostgres, HomeLock, start_embedded
from kgmem.storage.pool.database import Connection, Database, open_database
from kgmem.storage.refs import NamespaceRef, VertexRef

__all__ = [
    "Connection",
    "Database",
    "EmbeddedPostgres",
    "HomeLock",
    "NamespaceRef",
    "VertexRef",
    "open_database",
    "start_embedded",
]
