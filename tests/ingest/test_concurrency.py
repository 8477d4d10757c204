"""Concurrent episode requests: merged into batches, near-duplicate spellings meet on
one entity (in one process and across processes), session order kept, alias updates
never lost, and supersession undone with its fact write."""

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg

from kgmem import FactQuery, Memory, Settings
from kgmem.ingest import EntityMention, EpisodeWrite, FactMention
from kgmem.ingest.merges import add_aliases

T0 = datetime(2024, 3, 1, 9, tzinfo=UTC)
SPELLINGS = ["Jonathan Smith", "Jonathann Smith", "Jonathan Smithh", "Jonathon Smith"]


def mention(i: int) -> EpisodeWrite:
    name = SPELLINGS[i % len(SPELLINGS)]
    return EpisodeWrite(
        text=f"Turn {i}: I met {name}.",
        uid=f"nd-{i}",
        reference_time=T0,
        entities=[EntityMention(name, "Person")],
    )


async def people(raw_conn: asyncpg.Connection, namespace: str) -> list[str]:
    rows = await raw_conn.fetch(
        f"SELECT name FROM \"{namespace}\"._kg_vertex WHERE label = 'Person' ORDER BY name"
    )
    return [r["name"] for r in rows]


async def test_near_duplicate_spellings_sent_concurrently_make_one_vertex(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    before = memory.building.queue.stats.batches
    outs = await asyncio.gather(*(memory.add_episodes(namespace, [mention(i)]) for i in range(16)))
    assert all(o.status == "done" for [o] in outs), [o.error for [o] in outs]
    assert len(await people(raw_conn, namespace)) == 1
    assert len({o.entities[0].uid for [o] in outs}) == 1
    # The 16 requests were built in fewer batches than requests.
    assert memory.building.queue.stats.batches - before < 16
    methods = {o.entities[0].method for [o] in outs}
    assert "fuzzy" in methods and ("new" in methods or "exact" in methods)


async def test_near_duplicates_from_two_processes_make_one_vertex(
    memory: Memory, settings: Settings, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    other = await Memory.open(settings)  # a second server process's store
    try:
        stores = [memory, other]
        outs = await asyncio.gather(
            *(stores[i % 2].add_episodes(namespace, [mention(i)]) for i in range(16))
        )
    finally:
        await other.close()
    assert all(o.status == "done" for [o] in outs), [o.error for [o] in outs]
    assert len(await people(raw_conn, namespace)) == 1


async def test_concurrent_sessions_keep_their_turn_order(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    async def session(s: int) -> None:
        for t in range(5):  # a client sends the next turn once the previous is answered
            [out] = await memory.add_episodes(
                namespace,
                [
                    EpisodeWrite(
                        text=f"session {s} turn {t}",
                        uid=f"s{s}-t{t}",
                        reference_time=T0 + timedelta(minutes=t),
                        session=f"chat-{s}",
                    )
                ],
            )
            assert out.status == "done", out.error

    await asyncio.gather(*(session(s) for s in range(6)))
    rows = await raw_conn.fetch(
        f'SELECT a.uid AS a, b.uid AS b FROM "{namespace}"."PRECEDES" e '
        f'JOIN "{namespace}"._kg_vertex a ON a.id = e.start_id '
        f'JOIN "{namespace}"._kg_vertex b ON b.id = e.end_id'
    )
    expected = {(f"s{s}-t{t}", f"s{s}-t{t + 1}") for s in range(6) for t in range(4)}
    assert {(r["a"], r["b"]) for r in rows} == expected
    sessions = await raw_conn.fetchval(
        f"SELECT count(*) FROM \"{namespace}\"._kg_vertex WHERE label = 'Session'"
    )
    assert sessions == 6


async def test_concurrent_alias_updates_lose_nothing(memory: Memory, namespace: str) -> None:
    await memory.add_episodes(
        namespace, [EpisodeWrite(text="x", entities=[EntityMention("Ada Lovelace", "Person")])]
    )
    [ada] = [e for e in (await memory.list_entities(namespace)).items if e.label == "Person"]
    names = [f"Countess {i}" for i in range(10)]
    added = await asyncio.gather(*(add_aliases(memory.ctx, namespace, ada.uid, [n]) for n in names))
    assert sorted(a for [a] in added) == sorted(names)
    stored = await memory.get_entity(namespace, ada.uid)
    assert sorted(stored.entity.properties["aliases"]) == sorted(names)


async def test_an_older_value_arriving_later_is_written_closed_at_the_newer_start(
    memory: Memory, namespace: str
) -> None:
    def ep(uid: str, fact: FactMention) -> EpisodeWrite:
        return EpisodeWrite(text=uid, uid=uid, reference_time=T0, facts=[fact])

    await memory.add_episodes(
        namespace, [ep("a", FactMention("Ann", "LIVES_IN", "Oslo", valid_from="2024-02-01"))]
    )
    # Starting before the fact in force: in valid-time order Rome comes first, so it is
    # the one closed (at Oslo's start); Oslo stays in force.
    [out] = await memory.add_episodes(
        namespace, [ep("b", FactMention("Ann", "LIVES_IN", "Rome", valid_from="2023-01-01"))]
    )
    assert out.status == "done" and len(out.closed) == 1
    query = FactQuery(predicate="LIVES_IN", include_closed=True)
    facts = {f.text: f for f in (await memory.list_facts(namespace, query)).items}
    assert not facts["Ann lives in Oslo"].is_closed
    rome = facts["Ann lives in Rome"]
    assert rome.is_closed and rome.uid == out.closed[0]
    assert rome.valid_to == facts["Ann lives in Oslo"].valid_from
