"""With a replica configured, a search needs nothing from the primary: a primary and a
streaming standby of it (kgmem's own binaries on loopback ports), the REST app over a
store that knows both, then the primary stopped as if its machine died. Searches by
keyword and by vector, and Cypher reads, keep answering from the standby, with an API
key checked there (a key revoked before is still refused, a good one admitted, none at
all refused); writes answer 503 with ``Retry-After``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from kgmem import Memory
from kgmem.server.app import create_app
from kgmem.storage.pool.replicas import caught_up
from tests.fixtures.app import client_for
from tests.fixtures.streaming import Pair, replica_store, streaming_pair

pytestmark = pytest.mark.slow

NAMESPACE = "standby_reads"


@pytest.fixture(scope="module")
def pair(server_homes: Path) -> Iterator[Pair]:
    yield from streaming_pair(server_homes)


@pytest.fixture(scope="module")
async def store(pair: Pair, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Memory]:
    home = tmp_path_factory.mktemp("standby-reads")
    async with replica_store(home, pair.primary.url, [pair.standby.url]) as memory:
        yield memory


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", "Cache-Control": "no-cache"}


async def test_searches_answer_from_the_standby_while_the_primary_is_gone(
    pair: Pair, store: Memory
) -> None:
    assert store.reads.replicas, "the replica is configured"
    reader = await store.create_key("reader", ["read"])
    writer = await store.create_key("writer", ["admin"])
    revoked = await store.create_key("revoked", ["read"])
    await store.revoke_key(revoked.key.id)
    async with client_for(create_app(memory=store)) as client:
        made = await client.post(
            "/v1/namespaces", json={"name": NAMESPACE}, headers=_auth(writer.secret)
        )
        assert made.status_code == 201, made.text
        put = await client.put(
            f"/v1/namespaces/{NAMESPACE}/entities/ada",
            json={"label": "Person", "properties": {"name": "Ada Lovelace"},
                  "embedding": [1.0, 0.0, 0.0]},
            headers=_auth(writer.secret),
        )  # fmt: skip
        assert put.status_code in (200, 201), put.text
        lsn = put.headers["x-kgmem-lsn"]
        assert await caught_up(store.reads.replicas.members[0].db, lsn, 30.0)

        await asyncio.to_thread(pair.primary.stop, mode="immediate")
        store.key_checks.clear()  # every key check from now on reads the database

        for _ in range(3):  # the cache is bypassed: each one reads the standby
            for body in ({"text": "lovelace"}, {"embedding": [1.0, 0.0, 0.0], "k": 3}):
                found = await client.post(
                    f"/v1/namespaces/{NAMESPACE}/search", json=body, headers=_auth(reader.secret)
                )
                assert found.status_code == 200, found.text
                assert found.headers["x-kgmem-read-from"] == "replica"
                assert "x-kgmem-lsn" not in found.headers  # a search asks no position
                assert [h["entity"]["uid"] for h in found.json()["hits"]] == ["ada"]
            store.key_checks.clear()

        cypher = await client.post(
            f"/v1/namespaces/{NAMESPACE}/cypher",
            json={"query": "MATCH (p:Person) RETURN p.uid", "mode": "read"},
            headers=_auth(reader.secret),
        )
        assert cypher.status_code == 200, cypher.text
        assert cypher.headers["x-kgmem-read-from"] == "replica"
        assert cypher.json()["rows"] == [["ada"]]

        search = f"/v1/namespaces/{NAMESPACE}/search"
        refused = await client.post(search, json={"text": "ada"}, headers=_auth(revoked.secret))
        assert refused.status_code == 401, refused.text
        keyless = await client.post(search, json={"text": "ada"})
        assert keyless.status_code == 401, keyless.text  # the standby knows keys exist

        write = await client.put(
            f"/v1/namespaces/{NAMESPACE}/entities/grace",
            json={"label": "Person", "properties": {"name": "Grace"}},
            headers=_auth(writer.secret),
        )
        assert write.status_code == 503, write.text
        assert write.headers["retry-after"]
