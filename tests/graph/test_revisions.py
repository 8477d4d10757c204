"""A close keeps what was believed before it: "as of" reads at a known time before the
close see the fact open, through every read path (``kgmem.storage.graph.revisions``)."""

import json
from datetime import UTC, datetime

import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import InvalidTimestamp
from kgmem.io.exporter import ExportOptions
from kgmem.model import SearchQuery, TimeQuery

Y2020 = datetime(2020, 1, 1, tzinfo=UTC)
Y2022 = datetime(2022, 6, 1, tzinfo=UTC)
Y2024 = datetime(2024, 1, 1, tzinfo=UTC)
Y2025 = datetime(2025, 6, 1, tzinfo=UTC)


async def _berlin_then_lisbon(memory: Memory, namespace: str) -> tuple[datetime, datetime]:
    """Dana lives in Berlin from 2020; later Lisbon from 2024 closes it. Returns a known
    time between the two writes and one after both."""
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite("dana", "Person", {"name": "Dana"}),
                EntityWrite("berlin", "Place", {"name": "Berlin"}),
                EntityWrite("lisbon", "Place", {"name": "Lisbon"}),
            ]
        ),
    )
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "berlin", valid_from=Y2020))
    between = datetime.now(UTC)
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "lisbon", valid_from=Y2024))
    return between, datetime.now(UTC)


async def _lives_in(memory: Memory, namespace: str, time: TimeQuery) -> dict[str, object]:
    found = await memory.search(namespace, SearchQuery(time=time, types=("facts",), k=100))
    return {
        h.fact.object: h.fact.valid_to
        for h in found.hits
        if h.fact is not None and h.fact.predicate == "LIVES_IN"
    }


async def test_search_as_of_before_a_supersession_sees_the_fact_open(
    memory: Memory, namespace: str
) -> None:
    between, after = await _berlin_then_lisbon(memory, namespace)
    # Believed then: Berlin open-ended, so in 2025 too.
    assert await _lives_in(memory, namespace, TimeQuery(valid_at=Y2025, known_at=between)) == {
        "berlin": None
    }
    assert await _lives_in(memory, namespace, TimeQuery(known_at=between)) == {"berlin": None}
    # Believed now: Berlin until 2024, Lisbon since.
    assert await _lives_in(memory, namespace, TimeQuery(valid_at=Y2025, known_at=after)) == {
        "lisbon": None
    }
    assert await _lives_in(memory, namespace, TimeQuery(valid_at=Y2022, known_at=after)) == {
        "berlin": Y2024
    }
    assert await _lives_in(memory, namespace, TimeQuery(valid_at=Y2022)) == {"berlin": Y2024}
    # Before anything was recorded, nothing.
    assert (
        await _lives_in(memory, namespace, TimeQuery(known_at=datetime(2000, 1, 1, tzinfo=UTC)))
        == {}
    )


async def test_hand_close_is_revised_not_overwritten(memory: Memory, namespace: str) -> None:
    between, _ = await _berlin_then_lisbon(memory, namespace)
    [lisbon] = [f for f in (await memory.list_facts(namespace)).items if f.object == "lisbon"]
    before_close = datetime.now(UTC)
    await memory.close_fact(namespace, lisbon.uid, valid_to=datetime(2025, 1, 1, tzinfo=UTC))
    assert await _lives_in(memory, namespace, TimeQuery(valid_at=Y2025, known_at=before_close)) == {
        "lisbon": None
    }
    assert await _lives_in(memory, namespace, TimeQuery(valid_at=Y2025)) == {}
    assert await _lives_in(memory, namespace, TimeQuery(valid_at=Y2025, known_at=between)) == {
        "berlin": None
    }
    assert set((await memory.check_namespace(namespace)).values()) == {0}


async def _exported(memory: Memory, namespace: str, as_of: datetime) -> dict[str, object]:
    text = b"".join(
        [c async for c in memory.export(namespace, ExportOptions("jsonl", as_of=as_of))]
    )
    out = {}
    for line in text.decode().splitlines():
        item = json.loads(line)
        if item.get("type") == "relationship" or item.get("label") == "LIVES_IN":
            out[str(item.get("end"))] = item
    return out


async def test_export_as_of_uses_the_validity_believed_then(memory: Memory, namespace: str) -> None:
    between, after = await _berlin_then_lisbon(memory, namespace)
    # A known time after 2024 began: the close is what makes Berlin end there.
    assert between > Y2024
    assert list(await _exported(memory, namespace, between)) == ["berlin"]
    assert list(await _exported(memory, namespace, after)) == ["lisbon"]


async def test_timeline_and_entity_as_of_see_the_fact_open(memory: Memory, namespace: str) -> None:
    between, after = await _berlin_then_lisbon(memory, namespace)
    then = await memory.timeline(namespace, "dana", known_at=between)
    assert [(e.fact.object, e.fact.valid_to, e.fact.is_closed) for e in then] == [
        ("berlin", None, False)
    ]
    now = await memory.timeline(namespace, "dana", known_at=after)
    assert [(e.fact.object, e.fact.valid_to) for e in now] == [("berlin", Y2024), ("lisbon", None)]
    detail = await memory.get_entity(namespace, "dana", known_at=between)
    assert [(f.object, f.valid_to) for f in detail.outgoing] == [("berlin", None)]
    detail = await memory.get_entity(namespace, "dana", known_at=after)
    assert [f.object for f in detail.outgoing] == ["lisbon"]
    detail = await memory.get_entity(namespace, "dana", known_at=after, include_closed=True)
    assert sorted(f.object for f in detail.outgoing) == ["berlin", "lisbon"]


async def test_as_of_reads_refuse_a_time_without_zone(memory: Memory, namespace: str) -> None:
    await _berlin_then_lisbon(memory, namespace)
    with pytest.raises(InvalidTimestamp):
        await memory.timeline(namespace, "dana", known_at=datetime(2024, 1, 1))
    with pytest.raises(InvalidTimestamp):
        await memory.get_entity(namespace, "dana", known_at=datetime(2024, 1, 1))


async def test_a_new_validity_given_by_uid_keeps_the_one_it_replaces(
    memory: Memory, namespace: str
) -> None:
    await _berlin_then_lisbon(memory, namespace)
    await memory.add_fact(
        namespace, FactWrite("dana", "KNOWS", "berlin", uid="k", valid_from=Y2020)
    )
    before = datetime.now(UTC)
    await memory.add_fact(
        namespace, FactWrite("dana", "KNOWS", "berlin", uid="k", valid_from=Y2020, valid_to=Y2024)
    )

    async def knows(time: TimeQuery) -> dict[str, object]:
        found = await memory.search(namespace, SearchQuery(time=time, types=("facts",), k=100))
        return {
            h.uid: h.fact.valid_to for h in found.hits if h.fact and h.fact.predicate == "KNOWS"
        }

    assert await knows(TimeQuery(valid_at=Y2025, known_at=before)) == {"k": None}
    assert await knows(TimeQuery(valid_at=Y2025)) == {}
    assert await knows(TimeQuery(valid_at=Y2022)) == {"k": Y2024}
    # Sent again unchanged: no new revision, the history stays as it was.
    await memory.add_fact(
        namespace, FactWrite("dana", "KNOWS", "berlin", uid="k", valid_from=Y2020, valid_to=Y2024)
    )
    assert await knows(TimeQuery(valid_at=Y2025, known_at=before)) == {"k": None}
    async with memory.database.acquire() as conn:
        kept = await conn.fetchval(f'SELECT count(*) FROM "{namespace}"._kg_fact_revision')
    assert kept == 2  # Berlin's close and this one change
