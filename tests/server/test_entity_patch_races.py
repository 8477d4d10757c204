"""Concurrent PATCHes of one entity never lose one another's changes; ``If-Match``
makes a patch conditional on the version a client read (412 ``version_mismatch``)."""

from __future__ import annotations

import asyncio

import httpx

from kgmem import EntityWrite, Memory
from kgmem.model import EntityPatch

PATCHERS = 8
ROUNDS = 3
LIMIT_S = 120  # hard limit: a lost wakeup or a deadlock fails the test instead of hanging


async def test_concurrent_patches_lose_no_update(memory: Memory, namespace: str) -> None:
    """Each patcher sets its own properties, one after another; at the end every one of
    them is stored (a read-then-write without a check kept only the last writer's)."""
    await memory.upsert_entity(namespace, EntityWrite("cafe", "Place", {"name": "Cafe"}))

    async def patcher(k: int) -> None:
        for r in range(ROUNDS):
            await memory.patch_entity(
                namespace, "cafe", EntityPatch(properties={f"p{k}_{r}": k * 10 + r})
            )

    async with asyncio.timeout(LIMIT_S):
        await asyncio.gather(*(patcher(k) for k in range(PATCHERS)))
    stored = (await memory.get_entity(namespace, "cafe", facts_limit=0)).entity.properties
    assert stored == {
        "name": "Cafe",
        **{f"p{k}_{r}": k * 10 + r for k in range(PATCHERS) for r in range(ROUNDS)},
    }


async def test_concurrent_http_patches_lose_no_update(
    client: httpx.AsyncClient, namespace: str
) -> None:
    url = f"/v1/namespaces/{namespace}/entities/cafe"
    await client.put(url, json={"label": "Place", "properties": {"name": "Cafe"}})
    async with asyncio.timeout(LIMIT_S):
        answers = await asyncio.gather(
            *(client.patch(url, json={"properties": {f"k{k}": k}}) for k in range(PATCHERS))
        )
    assert {a.status_code for a in answers} == {200}
    stored = (await client.get(url)).json()["entity"]["properties"]
    assert stored == {"name": "Cafe", **{f"k{k}": k for k in range(PATCHERS)}}


async def test_if_match_applies_only_to_the_version_read(
    client: httpx.AsyncClient, namespace: str
) -> None:
    url = f"/v1/namespaces/{namespace}/entities/cafe"
    put = await client.put(url, json={"label": "Place", "properties": {"name": "Cafe"}})
    read = await client.get(url)
    assert read.headers["etag"] == put.headers["etag"]
    first = await client.patch(
        url, json={"properties": {"wifi": True}}, headers={"if-match": read.headers["etag"]}
    )
    assert first.status_code == 200, first.text
    assert first.headers["etag"] != read.headers["etag"]
    # A second client still holding the old version is refused, and nothing changes.
    late = await client.patch(
        url, json={"properties": {"wifi": False}}, headers={"if-match": read.headers["etag"]}
    )
    assert late.status_code == 412, late.text
    assert late.headers["content-type"].startswith("application/problem+json")
    assert late.json()["code"] == "version_mismatch"
    now = await client.get(url)
    assert now.json()["entity"]["properties"] == {"name": "Cafe", "wifi": True}
    assert now.headers["etag"] == first.headers["etag"]
    again = await client.patch(
        url, json={"properties": {"wifi": False}}, headers={"if-match": now.headers["etag"]}
    )
    assert again.status_code == 200 and again.json()["properties"]["wifi"] is False
    anything = await client.patch(url, json={"properties": {"x": 1}}, headers={"if-match": "*"})
    assert anything.status_code == 200
