"""Communities: two separate groups of entities become two communities, computed off
the event loop under a deadline, one refresh per namespace at a time."""

import dataclasses

import asyncpg
import httpx
import psutil
import pytest

from kgmem import Memory
from kgmem.errors import CommunitiesTimedOut, TooManyJobs
from kgmem.ingest import EpisodeWrite, FactMention, communities
from kgmem.settings.config import LimitSettings
from kgmem.storage.graph import communities as community_store
from kgmem.storage.graph import namespaces


async def test_two_groups_make_two_communities_recomputed_only_on_change(
    memory: Memory, namespace: str, client: httpx.AsyncClient
) -> None:
    group_a = [FactMention(f"A{i}", "KNOWS", f"A{j}") for i in range(4) for j in range(i + 1, 4)]
    group_b = [FactMention(f"B{i}", "KNOWS", f"B{j}") for i in range(3) for j in range(i + 1, 3)]
    await memory.add_episodes(
        namespace, [EpisodeWrite(text="a", facts=group_a), EpisodeWrite(text="b", facts=group_b)]
    )
    url = f"/v1/namespaces/{namespace}/communities/refresh"
    first = (await client.post(url)).json()
    assert first["recomputed"] is True
    sizes = [len(c["members"]) for c in first["communities"]]
    assert sizes == [4, 3]
    assert "A0" in first["communities"][0]["summary"]
    again = (await client.post(url)).json()
    assert again["recomputed"] is False and len(again["communities"]) == 2
    await memory.add_episodes(
        namespace, [EpisodeWrite(text="c", facts=[FactMention("A0", "KNOWS", "B0")])]
    )
    third = (await client.post(url)).json()
    assert third["recomputed"] is True
    member_of = [
        f for f in (await memory.list_facts(namespace)).items if f.predicate == "MEMBER_OF"
    ]
    assert len(member_of) == sum(len(c["members"]) for c in third["communities"])


async def test_incremental_refresh_recomputes_only_changed_namespaces(
    memory: Memory, namespace: str
) -> None:
    await memory.add_episodes(
        namespace, [EpisodeWrite(text="x", facts=[FactMention("P", "KNOWS", "Q")])]
    )
    first = await memory.refresh_changed_communities()
    assert namespace in first
    assert namespace not in await memory.refresh_changed_communities()
    await memory.add_episodes(
        namespace, [EpisodeWrite(text="y", facts=[FactMention("Q", "KNOWS", "R")])]
    )
    assert namespace in await memory.refresh_changed_communities()


async def _two_groups(memory: Memory, namespace: str) -> None:
    group_a = [FactMention(f"A{i}", "KNOWS", f"A{j}") for i in range(4) for j in range(i + 1, 4)]
    group_b = [FactMention(f"B{i}", "KNOWS", f"B{j}") for i in range(3) for j in range(i + 1, 3)]
    await memory.add_episodes(
        namespace, [EpisodeWrite(text="a", facts=group_a), EpisodeWrite(text="b", facts=group_b)]
    )


async def test_detection_past_its_deadline_is_stopped_and_the_stored_communities_stay(
    memory: Memory, namespace: str
) -> None:
    await _two_groups(memory, namespace)
    before = await communities.refresh(memory.ctx, namespace)
    await memory.add_episodes(
        namespace, [EpisodeWrite(text="c", facts=[FactMention("A0", "KNOWS", "B0")])]
    )
    children = set(psutil.Process().children())
    with pytest.raises(CommunitiesTimedOut, match="KGMEM_HEAVY_REFRESH_TIMEOUT_S"):
        await communities.refresh(memory.ctx, namespace, timeout_s=0.01)
    assert set(psutil.Process().children()) == children  # the computation was stopped
    async with memory.ctx.db.acquire() as conn:
        kept = await community_store.stored(conn, await namespaces.resolve(conn, namespace))
    assert sorted((c.uid, c.members, c.summary) for c in kept) == sorted(
        (c.uid, tuple(sorted(c.members)), c.summary) for c in before.communities
    )


async def test_a_refresh_writes_more_members_than_one_write_takes(
    memory: Memory, namespace: str
) -> None:
    await _two_groups(memory, namespace)
    small = dataclasses.replace(memory.ctx, limits=LimitSettings(max_batch_items=2))
    report = await communities.refresh(small, namespace)
    assert [len(c.members) for c in report.communities] == [4, 3]
    stored = await communities.refresh(memory.ctx, namespace)
    assert stored.recomputed is False
    assert [sorted(c.members) for c in stored.communities] == [
        sorted(c.members) for c in report.communities
    ]
    assert [c.summary for c in stored.communities] == [c.summary for c in report.communities]


async def test_one_refresh_of_a_namespace_runs_at_a_time(
    memory: Memory, namespace: str, pg_url: str
) -> None:
    await _two_groups(memory, namespace)
    other = await asyncpg.connect(pg_url)
    try:
        assert await community_store.try_lock_refresh(other, namespace)
        with pytest.raises(TooManyJobs, match="being refreshed already"):
            await communities.refresh(memory.ctx, namespace)
        await community_store.unlock_refresh(other, namespace)
    finally:
        await other.close()
    assert (await communities.refresh(memory.ctx, namespace)).recomputed is True
