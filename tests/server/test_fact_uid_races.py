"""Writers posting one fact uid at the same moment, as clients retrying or several
agents stating one fact do: each answer is what running them one after the other gives
(every write succeeds), and one fact holds every writer's claim."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import EntityWrite, Memory

_WRITER = st.fixed_dictionaries(
    {},
    optional={
        "source": st.sampled_from(["hr", "press", "wiki", "registry"]),
        "confidence": st.floats(0.05, 1.0),
        "valid_from": st.sampled_from(["2019-01-01T00:00:00Z", "2021-06-01T00:00:00Z"]),
    },
)


@asynccontextmanager
async def _fresh_namespace(memory: Memory) -> AsyncIterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(name, "test")
    try:
        await memory.upsert_entity(name, EntityWrite("alice", "Person", {"name": "Alice"}))
        await memory.upsert_entity(name, EntityWrite("acme", "Company", {"name": "Acme"}))
        yield name
    finally:
        await memory.delete_namespace(name)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writers=st.lists(_WRITER, min_size=2, max_size=16))
async def test_concurrent_posts_of_one_uid_all_succeed_as_one_fact(
    client: httpx.AsyncClient, memory: Memory, writers: list[dict[str, object]]
) -> None:
    async with _fresh_namespace(memory) as ns:
        base = f"/v1/namespaces/{ns}"
        fact = {"subject": "alice", "predicate": "WORKS_AT", "object": "acme", "uid": "job"}
        async with asyncio.timeout(120):
            answers = await asyncio.gather(
                *(client.post(f"{base}/facts", json={**fact, **w}) for w in writers)
            )
        assert [a.status_code for a in answers] == [201] * len(writers), [
            a.text for a in answers if a.status_code != 201
        ]
        assert {a.json()["uid"] for a in answers} == {"job"}

        stored = (await client.get(f"{base}/facts/job")).json()
        assert stored["uid"] == "job"
        assert set(stored["sources"]) == {w["source"] for w in writers if "source" in w}
        listed = (await client.get(f"{base}/facts", params={"include_closed": True})).json()
        assert [f["uid"] for f in listed["items"]] == ["job"]
        found = await client.post(
            f"{base}/search", json={"text": "works at acme", "types": ["facts"], "k": 10}
        )
        assert found.status_code == 200, found.text
        assert [h["uid"] for h in found.json()["hits"]] == ["job"]
