"""A keep-alive HTTP client of a real server is refused within a second of its key being
revoked or narrowed, or its namespace deleted, by another process (``kgmem.keys.key_watch``):
every request is checked, and the process's cached checks go when the change commits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from kgmem import Memory
from tests.fixtures.database import store_settings
from tests.fixtures.key_changes import (
    Served,
    regrant_elsewhere,
    revoke_elsewhere,
    served_store,
    within,
)
from tests.server.test_entities_api import assert_problem

VECTOR = [1.0] + [0.0] * 383


@pytest.fixture
async def served(fresh_database, tmp_path: Path) -> AsyncIterator[Served]:  # type: ignore[no-untyped-def]
    """A real server over a store of its own (its keys affect no other test)."""
    url = await fresh_database()
    async with served_store(url, store_settings(url, tmp_path), ("alpha", "beta")) as served:
        yield served


def keep_alive(base: str, secret: str) -> httpx.AsyncClient:
    """One connection, kept open between requests."""
    return httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {secret}"},
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        timeout=10,
    )


async def search(c: httpx.AsyncClient, ns: str) -> httpx.Response:
    return await c.post(f"/v1/namespaces/{ns}/search", json={"embedding": VECTOR})


async def test_a_revoked_key_is_refused_on_a_kept_alive_connection(served: Served) -> None:
    issued = await served.memory.create_key("doomed", ["read"])
    async with keep_alive(served.url, issued.secret) as c:
        assert (await search(c, "alpha")).status_code == 200
        await revoke_elsewhere(served.database_url, issued.key.id)
        took = await within(1.0, lambda: _refused(c, "alpha"))
        print(f"http keep-alive: revoked key refused after {took:.3f} s")
        assert_problem(await search(c, "alpha"), 401, "unauthenticated")
        assert_problem(await c.get("/v1/namespaces"), 401, "unauthenticated")


async def test_a_grant_no_longer_covering_a_namespace_is_refused_there(served: Served) -> None:
    issued = await served.memory.create_key("narrowed", ["read"], ["alpha"])
    async with keep_alive(served.url, issued.secret) as c:
        assert (await search(c, "alpha")).status_code == 200
        await regrant_elsewhere(served.database_url, issued.key.id, ["beta"])
        took = await within(1.0, lambda: _refused(c, "alpha"))
        print(f"http keep-alive: narrowed grant refused after {took:.3f} s")
        assert_problem(await search(c, "alpha"), 403, "forbidden")
        assert (await search(c, "beta")).status_code == 200


async def test_a_namespace_deleted_elsewhere_is_not_found(served: Served, tmp_path: Path) -> None:
    issued = await served.memory.create_key("reader", ["read"])
    other = await Memory.open(store_settings(served.database_url, tmp_path / "other"))
    try:
        async with keep_alive(served.url, issued.secret) as c:
            assert (await search(c, "beta")).status_code == 200  # cached by this process
            await other.delete_namespace("beta")
            took = await within(1.0, lambda: _refused(c, "beta"))
            print(f"http keep-alive: deleted namespace refused after {took:.3f} s")
            assert_problem(await search(c, "beta"), 404, "namespace_not_found")
    finally:
        await other.close()


async def _refused(c: httpx.AsyncClient, ns: str) -> bool:
    answer = await search(c, ns)
    return answer.status_code != 200
