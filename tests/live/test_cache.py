"""The read cache, in both modes: hits, invalidation by every committed write (also
across two instances), the bypass header, and what /health and /metrics say."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import httpx

from kgmem import EntityWrite, Memory
from kgmem.server.app import create_app
from kgmem.storage import events as pg_events
from tests.fixtures.app import client_for, metric_sample
from tests.live.conftest import Pair, live_settings


async def _search(client: httpx.AsyncClient, ns: str, text: str, **headers: str) -> httpx.Response:
    response = await client.post(
        f"/v1/namespaces/{ns}/search", json={"text": text, "k": 5}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response


def _uids(response: httpx.Response) -> set[str]:
    return {hit["uid"] for hit in response.json()["hits"]}


async def _person(pair: Pair, ns: str, uid: str, name: str, *, on_b: bool = False) -> None:
    store = pair.b if on_b else pair.a
    await store.upsert_entity(ns, EntityWrite(uid=uid, label="Person", properties={"name": name}))


async def test_repeated_search_is_a_hit_with_the_same_body(
    pair: Pair, live_ns: str, client_a: httpx.AsyncClient
) -> None:
    await _person(pair, live_ns, "ada", "Ada Lovelace")
    first = await _search(client_a, live_ns, "lovelace")
    second = await _search(client_a, live_ns, "lovelace")
    assert first.headers["x-kgmem-cache"] == "miss"
    assert second.headers["x-kgmem-cache"] == "hit"
    assert second.content == first.content and _uids(second) == {"ada"}
    other = await _search(client_a, live_ns, "babbage")
    assert other.headers["x-kgmem-cache"] == "miss"  # another query is another entry


async def test_search_right_after_a_write_sees_the_write(
    pair: Pair, live_ns: str, client_a: httpx.AsyncClient
) -> None:
    await _person(pair, live_ns, "ada", "Ada Lovelace")
    assert _uids(await _search(client_a, live_ns, "lovelace")) == {"ada"}
    assert (await _search(client_a, live_ns, "lovelace")).headers["x-kgmem-cache"] == "hit"
    put = await client_a.put(
        f"/v1/namespaces/{live_ns}/entities/ada2",
        json={"label": "Person", "properties": {"name": "Ada Lovelace II"}},
    )
    assert put.status_code == 201
    after = await _search(client_a, live_ns, "lovelace")
    assert after.headers["x-kgmem-cache"] == "miss"
    assert _uids(after) == {"ada", "ada2"}


async def test_read_your_writes_across_two_instances(
    pair: Pair, live_ns: str, client_a: httpx.AsyncClient, client_b: httpx.AsyncClient
) -> None:
    await _person(pair, live_ns, "ada", "Ada Lovelace")
    assert _uids(await _search(client_a, live_ns, "lovelace")) == {"ada"}
    assert (await _search(client_a, live_ns, "lovelace")).headers["x-kgmem-cache"] == "hit"
    deleted = await client_b.delete(f"/v1/namespaces/{live_ns}/entities/ada")
    assert deleted.status_code == 204
    if pair.mode == "memory":
        # Without Redis each process has its own cache; B's write reaches A through
        # PostgreSQL NOTIFY, a few milliseconds after B's commit.
        for _ in range(100):
            if (await _search(client_a, live_ns, "lovelace")).headers["x-kgmem-cache"] != "hit":
                break
            await asyncio.sleep(0.02)
    after = await _search(client_a, live_ns, "lovelace")
    assert _uids(after) == set()
    if pair.mode == "redis":
        # Shared cache: B's result is stored in Redis and A hits it.
        assert (await _search(client_b, live_ns, "lovelace")).headers["x-kgmem-cache"] == "hit"


async def test_entity_reads_are_cached_until_the_entity_changes(
    pair: Pair, live_ns: str, client_a: httpx.AsyncClient, client_b: httpx.AsyncClient
) -> None:
    await _person(pair, live_ns, "ada", "Ada")
    url = f"/v1/namespaces/{live_ns}/entities/ada"
    assert (await client_a.get(url)).headers["x-kgmem-cache"] == "miss"
    hit = await client_a.get(url)
    assert (
        hit.headers["x-kgmem-cache"] == "hit"
        and hit.json()["entity"]["properties"]["name"] == "Ada"
    )
    other = await client_a.get(url, params={"facts_limit": 5})
    assert other.headers["x-kgmem-cache"] == "miss"  # parameters are part of the key
    await _person(pair, live_ns, "ada", "Ada King", on_b=pair.mode == "redis")
    fresh = await client_a.get(url)
    assert fresh.headers["x-kgmem-cache"] == "miss"
    assert fresh.json()["entity"]["properties"]["name"] == "Ada King"
    missing = await client_a.get(f"/v1/namespaces/{live_ns}/entities/nobody")
    assert (
        missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    )


async def test_no_cache_request_header_bypasses(
    pair: Pair, live_ns: str, client_a: httpx.AsyncClient
) -> None:
    await _person(pair, live_ns, "ada", "Ada Lovelace")
    await _search(client_a, live_ns, "lovelace")
    bypass = await _search(client_a, live_ns, "lovelace", **{"Cache-Control": "no-cache"})
    assert bypass.headers["x-kgmem-cache"] == "bypass" and _uids(bypass) == {"ada"}
    assert (await _search(client_a, live_ns, "lovelace")).headers["x-kgmem-cache"] == "hit"


async def test_health_and_metrics_report_the_backends_and_hits(
    pair: Pair, live_ns: str, client_a: httpx.AsyncClient
) -> None:
    health = (await client_a.get("/health")).json()
    expected = ("redis", "redis") if pair.mode == "redis" else ("memory", "postgres")
    assert (health["live"]["cache"], health["live"]["events"]) == expected
    assert health["live"]["redis"]["status"] == ("ok" if pair.mode == "redis" else "unused")
    assert health["live"]["warnings"] == []
    # /metrics counts the whole process (both stores of the pair, earlier tests):
    # compare two scrapes.
    hit = {"kind": "search", "result": "hit"}
    before = metric_sample(
        (await client_a.get("/metrics")).text, "kgmem_cache_requests_total", **hit
    )
    mine = pair.a.live.metrics.value("kgmem_cache_requests_total", **hit)
    await _person(pair, live_ns, "ada", "Ada Lovelace")
    await _search(client_a, live_ns, "lovelace")
    await _search(client_a, live_ns, "lovelace")
    text = (await client_a.get("/metrics")).text
    assert metric_sample(text, "kgmem_cache_requests_total", **hit) == before + 1
    assert pair.a.live.metrics.value("kgmem_cache_requests_total", **hit) == mine + 1
    assert "# TYPE kgmem_redis_fallbacks_total counter" in text
    backend = "redis" if pair.mode == "redis" else "postgres"
    assert metric_sample(text, "kgmem_events_published_total", backend=backend) >= 1


async def test_a_lost_listen_connection_drops_the_in_process_cache(
    pg_url: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    """Without Redis, other processes' writes arrive by NOTIFY; while the LISTEN
    connection is down they are lost, so after reconnecting nothing cached is served."""
    a = await Memory.open(live_settings(pg_url, tmp_path / "a", None))
    b = await Memory.open(live_settings(pg_url, tmp_path / "b", None))
    ns = f"l_{uuid.uuid4().hex[:12]}"
    try:
        await a.create_namespace(ns)
        await a.upsert_entity(ns, EntityWrite(uid="ada", properties={"name": "Ada Lovelace"}))
        async with client_for(create_app(memory=a)) as client:
            await _search(client, ns, "lovelace")
            assert (await _search(client, ns, "lovelace")).headers["x-kgmem-cache"] == "hit"
            conn = a.live.listener.connection
            assert conn is not None
            await raw_conn.execute("SELECT pg_terminate_backend($1)", conn.get_server_pid())
            for _ in range(200):
                if not a.live.listener.running:
                    break
                await asyncio.sleep(0.01)
            await b.delete_entity(ns, "ada")  # its NOTIFY cannot reach A now
            for _ in range(300):
                if a.live.listener.running:
                    break
                await asyncio.sleep(0.02)
            assert a.live.listener.running
            await asyncio.sleep(0.1)
            after = await _search(client, ns, "lovelace")
        assert after.headers["x-kgmem-cache"] == "miss" and _uids(after) == set()
    finally:
        await a.delete_namespace(ns)
        await b.close()
        await a.close()


async def test_the_echo_of_an_own_write_keeps_what_was_cached_after_it(
    pair: Pair, live_ns: str, client_a: httpx.AsyncClient
) -> None:
    """A write bumps its own instance's version before it returns; the notification of
    that same write may arrive after an entry was cached and must not drop it. Another
    instance's notification does. (Real NOTIFYs, sent as the write path sends them.)"""
    await _person(pair, live_ns, "ada", "Ada Lovelace")
    await _search(client_a, live_ns, "lovelace")
    assert (await _search(client_a, live_ns, "lovelace")).headers["x-kgmem-cache"] == "hit"
    db = pair.a.database
    await pg_events.publish(db, live_ns, "entity.upserted", "{}", 100, pair.a.live.origin)
    await asyncio.sleep(0.5)  # delivered by now
    assert (await _search(client_a, live_ns, "lovelace")).headers["x-kgmem-cache"] == "hit"
    await pg_events.publish(db, live_ns, "entity.upserted", "{}", 100, pair.b.live.origin)
    if pair.mode == "redis":  # the Redis cache is kept coherent by Redis, not by NOTIFY
        await asyncio.sleep(0.5)
        assert (await _search(client_a, live_ns, "lovelace")).headers["x-kgmem-cache"] == "hit"
        return
    for _ in range(100):
        if (await _search(client_a, live_ns, "lovelace")).headers["x-kgmem-cache"] != "hit":
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("another instance's notification never invalidated A's entry")
