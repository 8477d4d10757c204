"""Concurrent episode requests built as one batch: every request's change events are
published, in one statement for the whole batch, before any of them is answered, with
consecutive sequence numbers and each request's own ids."""

import asyncio
import json
from datetime import UTC, datetime

import pytest

from kgmem import Memory
from kgmem.errors import NamespaceNotFound
from kgmem.ingest import EntityMention, EpisodeWrite
from kgmem.storage import events as pg_events

T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
NAMES = [
    "Amara Okafor",
    "Bjorn Lindqvist",
    "Chiara Esposito",
    "Dmitri Volkov",
    "Esther Nakamura",
    "Farid Haddad",
    "Greta Jansen",
    "Hugo Marchetti",
    "Ines Carvalho",
    "Jonas Weber",
    "Kavya Reddy",
    "Lucia Fernandez",
]


async def test_a_batch_publishes_each_requests_events_before_answering(
    memory: Memory, namespace: str
) -> None:
    head = await pg_events.head(memory.ctx.db, namespace)
    published = memory.live.metrics.value("kgmem_events_published_total", backend="postgres")
    batches = memory.building.queue.stats.batches
    seen_at_answer: dict[str, set[str]] = {}

    async def send(i: int) -> None:
        [out] = await memory.add_episodes(
            namespace,
            [
                EpisodeWrite(
                    text=f"Turn {i} with {NAMES[i]}",
                    uid=f"be-{i}",
                    reference_time=T0,
                    session="be",
                    entities=[EntityMention(NAMES[i], "Person")],
                )
            ],
        )
        assert out.status == "done", out.error
        # When the request is answered its events are in the table already.
        rows = await pg_events.read(memory.ctx.db, namespace, head.seq, 1000)
        seen_at_answer[out.uid] = {body for _, body in rows}

    await asyncio.gather(*(send(i) for i in range(12)))
    assert memory.building.queue.stats.batches - batches < 12  # requests were merged

    rows = await pg_events.read(memory.ctx.db, namespace, head.seq, 1000)
    seqs = [seq for seq, _ in rows]
    assert seqs == list(range(head.seq + 1, head.seq + 1 + len(rows)))
    events = [json.loads(body) for _, body in rows]
    added = [e["ids"] for e in events if e["type"] == "episode.added"]
    assert sorted(added) == sorted([f"be-{i}"] for i in range(12))  # one per request
    upserted = sorted(i for e in events if e["type"] == "entity.upserted" for i in e["ids"])
    assert len(upserted) == 12  # each request's new person, in its own event
    for uid, bodies in seen_at_answer.items():
        assert any(f'"{uid}"' in b and "episode.added" in b for b in bodies), uid
    count = memory.live.metrics.value("kgmem_events_published_total", backend="postgres")
    assert count - published == len(rows)


async def test_building_in_a_missing_namespace_is_refused(memory: Memory) -> None:
    episode = EpisodeWrite(text="hello", uid="nowhere-1", reference_time=T0)
    with pytest.raises(NamespaceNotFound):
        await memory.add_episodes("no_such_namespace_here", [episode])
    # The building lock was released: a namespace created now builds at once.
    await memory.create_namespace("no_such_namespace_here")
    try:
        [out] = await asyncio.wait_for(
            memory.add_episodes("no_such_namespace_here", [episode]), timeout=60
        )
        assert out.status == "done"
    finally:
        await memory.delete_namespace("no_such_namespace_here")
