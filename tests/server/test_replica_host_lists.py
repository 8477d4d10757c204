"""A replica configured as a host list (``standby,primary``: read from a standby among
them) follows the cluster's changes of role: a primary and a streaming standby of it
(kgmem's own binaries on loopback ports) behind the REST app. Once the standby is
promoted, the replica pool's connections opened to it while it was a standby are
dropped after their next read (reads belong on standbys); when the host its pool
reaches is lost, the next search looks another host of the list up at once instead of
leaving the whole replica out and sending its reads to the primary; a read under way
there runs again on another host."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from kgmem import Memory
from kgmem.graph.graph_context import GraphContext
from kgmem.server.app import create_app
from kgmem.storage.pool.replicas import Replica, caught_up
from tests.fixtures.app import client_for
from tests.fixtures.streaming import Pair, replica_store, streaming_pair

pytestmark = pytest.mark.slow

NAMESPACE = "host_list_reads"


@pytest.fixture
def pair(server_homes: Path) -> Iterator[Pair]:
    yield from streaming_pair(server_homes)


@pytest.fixture
async def store(pair: Pair, tmp_path: Path) -> AsyncIterator[Memory]:
    hosts = f"127.0.0.1:{pair.standby.port},127.0.0.1:{pair.primary.port}"
    async with replica_store(
        tmp_path, pair.primary.url, [f"postgresql://postgres@{hosts}/kgmem"]
    ) as memory:
        yield memory


def _open(replica: Replica) -> list[object]:
    return [c for c in replica.db.connections if not c.is_closed()]


Search = Callable[[], Awaitable[str]]


@pytest.fixture
async def search(store: Memory) -> AsyncIterator[Search]:
    """A keyword search by REST that finds the one entity written; it returns where the
    search ran (``X-Kgmem-Read-From``)."""
    replica = store.reads.replicas.members[0]
    key = await store.create_key("admin", ["admin"])
    auth = {"Authorization": f"Bearer {key.secret}", "Cache-Control": "no-cache"}
    async with client_for(create_app(memory=store)) as client:
        made = await client.post("/v1/namespaces", json={"name": NAMESPACE}, headers=auth)
        assert made.status_code == 201, made.text
        put = await client.put(
            f"/v1/namespaces/{NAMESPACE}/entities/ada",
            json={"label": "Person", "properties": {"name": "Ada Lovelace"}},
            headers=auth,
        )
        assert put.status_code in (200, 201), put.text
        assert await caught_up(replica.db, put.headers["x-kgmem-lsn"], 30.0)

        async def one() -> str:
            found = await client.post(
                f"/v1/namespaces/{NAMESPACE}/search", json={"text": "lovelace"}, headers=auth
            )
            assert found.status_code == 200, found.text
            assert [h["entity"]["uid"] for h in found.json()["hits"]] == ["ada"]
            return str(found.headers["x-kgmem-read-from"])

        yield one


async def test_connections_to_a_promoted_standby_are_dropped(
    pair: Pair, store: Memory, search: Search
) -> None:
    replica = store.reads.replicas.members[0]
    assert await search() == "replica"
    before = _open(replica)
    assert before and all(getattr(c, "began_as_standby", False) for c in before)

    await asyncio.to_thread(pair.standby.promote)
    for _ in range(5):
        assert await search() == "replica"
    # Each connection opened to the standby was dropped after its first answer from
    # the promoted server; the ones opened since know they reach a primary.
    assert not any(c in before for c in _open(replica))


async def test_a_read_on_a_lost_host_runs_on_another(
    pair: Pair, store: Memory, search: Search
) -> None:
    replica = store.reads.replicas.members[0]
    assert await search() == "replica"

    async def slow_read(context: GraphContext) -> int:
        async with context.db.acquire() as conn:
            return int(await conn.fetchval("SELECT inet_server_port() FROM pg_sleep(0.5)"))

    # The standby the pool reaches is lost while a read runs there: that read runs
    # again on the list's other host, and the replica is not left out.
    read = asyncio.create_task(store.reads.run(slow_read))
    await asyncio.sleep(0.2)
    await asyncio.to_thread(pair.standby.stop, mode="immediate")
    assert await read == pair.primary.port
    assert replica.up, "the replica was left out"
    for _ in range(3):
        assert await search() == "replica"
