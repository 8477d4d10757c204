"""Communities: two separate groups of entities become two communities."""

import httpx

from kgmem import Memory
from kgmem.ingest import EpisodeWrite, FactMention


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
