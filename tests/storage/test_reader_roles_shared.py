"""Reader roles are named by namespace and PostgreSQL's roles are server-wide, so two
stores on one server with a namespace of the same name share one. Deleting the
namespace in one store leaves the other's role; deleting the last one drops it."""

from __future__ import annotations

import asyncpg

from kgmem import Memory
from tests.fixtures.database import NewDatabase, store_settings


async def _role_exists(pg_url: str, role: str) -> bool:
    conn = await asyncpg.connect(pg_url)
    try:
        return bool(
            await conn.fetchval("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role)
        )
    finally:
        await conn.close()


async def test_deleting_a_namespace_keeps_the_role_another_store_reads_through(
    pg_url: str, fresh_database: NewDatabase, tmp_path
) -> None:
    stores = [
        await Memory.open(store_settings(await fresh_database(), tmp_path / str(i)))
        for i in range(2)
    ]
    try:
        roles = set()
        for store in stores:
            await store.create_namespace("shared_name")
            roles.add(await store.cypher_reader_role("shared_name"))
        [role] = roles
        await stores[0].delete_namespace("shared_name")
        assert await _role_exists(pg_url, role)
        answer = await stores[1].cypher("shared_name", "MATCH (n) RETURN count(n) AS c")
        assert answer.rows == [[0]]
        await stores[1].delete_namespace("shared_name")
        assert not await _role_exists(pg_url, role)
    finally:
        for store in stores:
            await store.close()
