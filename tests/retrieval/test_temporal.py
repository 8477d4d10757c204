"""Temporal axis: valid_at, known_at, both ("as of"), windows, recency decay, closed
facts, timed episodes, and an entity's timeline."""

from datetime import UTC, datetime

import pytest

from kgmem import EntityWrite, Memory
from kgmem.errors import EntityNotFound, InvalidInput, InvalidTimestamp
from kgmem.model import SearchQuery, TimeQuery
from tests.retrieval.graphs import add_people, at, uids


async def facts_at(memory: Memory, namespace: str, time: TimeQuery) -> list[str]:
    result = await memory.search(namespace, SearchQuery(time=time, types=("facts",), k=50))
    return sorted(uids(result.hits))


async def test_valid_at_includes_a_closed_fact_inside_its_validity(
    memory: Memory, namespace: str
) -> None:
    await add_people(memory, namespace)
    assert await facts_at(memory, namespace, TimeQuery(valid_at=at(2019))) == ["alice-acme"]
    assert await facts_at(memory, namespace, TimeQuery(valid_at=at(2020, 6))) == [
        "alice-acme",
        "bob-acme",
    ]
    assert await facts_at(memory, namespace, TimeQuery(valid_at=at(2022))) == [
        "alice-globex",
        "bob-acme",
    ]


async def test_validity_end_is_exclusive(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    got = await facts_at(memory, namespace, TimeQuery(valid_at=at(2021)))
    assert "alice-acme" not in got and "alice-globex" in got


async def test_without_a_time_only_current_facts_count(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    result = await memory.search(
        namespace, SearchQuery(text="works", types=("facts",), k=50, embedding=None)
    )
    assert "alice-acme" not in uids(result.hits)
    assert set(uids(result.hits)) == {"alice-globex", "bob-acme"}


async def test_known_at_sees_what_the_store_believed_then(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    # In mid-2020 the store knew alice-acme and bob-acme, not yet alice-globex.
    assert await facts_at(memory, namespace, TimeQuery(known_at=at(2020, 6))) == [
        "alice-acme",
        "bob-acme",
    ]
    assert await facts_at(memory, namespace, TimeQuery(known_at=at(2019))) == ["alice-acme"]
    assert await facts_at(memory, namespace, TimeQuery(known_at=at(2017))) == []


async def test_as_of_combines_world_and_belief_time(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    # Valid in 2022 as known at 2021-01-03: alice-globex was recorded on 2021-01-05, and
    # alice-acme's close was recorded when it was made (today), so back then the store
    # still believed alice at acme with no end.
    got = await facts_at(memory, namespace, TimeQuery(valid_at=at(2022), known_at=at(2021, 1, 3)))
    assert got == ["alice-acme", "bob-acme"]
    got = await facts_at(memory, namespace, TimeQuery(valid_at=at(2022), known_at=at(2021, 2)))
    assert got == ["alice-acme", "alice-globex", "bob-acme"]
    # As known now, the close holds: alice-acme ended in 2021.
    got = await facts_at(
        memory, namespace, TimeQuery(valid_at=at(2022), known_at=datetime.now(UTC))
    )
    assert got == ["alice-globex", "bob-acme"]


async def test_window_keeps_facts_overlapping_it(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    assert await facts_at(memory, namespace, TimeQuery(start=at(2018, 6), end=at(2019))) == [
        "alice-acme"
    ]
    assert await facts_at(memory, namespace, TimeQuery(start=at(2010), end=at(2011))) == []
    assert await facts_at(memory, namespace, TimeQuery(start=at(2020, 6), end=at(2021, 6))) == [
        "alice-acme",
        "alice-globex",
        "bob-acme",
    ]


async def test_decay_ranks_recent_facts_first_with_halving_scores(
    memory: Memory, namespace: str
) -> None:
    await add_people(memory, namespace)
    now = at(2022)
    result = await memory.search(
        namespace,
        SearchQuery(
            time=TimeQuery(half_life_days=365, now=now, start=at(2000), end=at(2030)),
            types=("facts",),
        ),
    )
    assert uids(result.hits) == ["alice-globex", "bob-acme", "alice-acme"]
    scores = {h.uid: h.scores["temporal"] for h in result.hits}
    assert scores["alice-globex"] == pytest.approx(0.5, abs=1e-6)
    assert scores["alice-acme"] == pytest.approx(0.5 ** ((now - at(2018)).days / 365), abs=1e-6)
    assert "decay" in result.hits[0].reasons["temporal"]


async def test_timed_episodes_filter_by_window(memory: Memory, namespace: str) -> None:
    for i, day in enumerate((1, 10, 20)):
        await memory.upsert_entity(
            namespace,
            EntityWrite(
                f"ep{i}",
                "Episode",
                {"text": f"turn {i}", "occurred_at": at(2023, 5, day).isoformat()},
            ),
        )
    result = await memory.search(
        namespace,
        SearchQuery(time=TimeQuery(start=at(2023, 5, 5), end=at(2023, 5, 20)), types=("episodes",)),
    )
    assert uids(result.hits) == ["ep1"]
    assert result.hits[0].kind == "episode"


async def test_timeline_lists_all_facts_by_valid_time_with_closure(
    memory: Memory, namespace: str
) -> None:
    await add_people(memory, namespace)
    entries = await memory.timeline(namespace, "alice")
    assert [e.fact.uid for e in entries] == ["alice-acme", "alice-globex"]
    closed = entries[0].fact
    assert closed.valid_to == at(2021) and closed.expired_at is not None
    assert entries[1].fact.expired_at is None
    assert {e.direction for e in entries} == {"outgoing"}
    acme = await memory.timeline(namespace, "acme")
    assert [e.fact.uid for e in acme] == ["alice-acme", "bob-acme"]
    assert {e.direction for e in acme} == {"incoming"}


async def test_timeline_of_unknown_entity_is_not_found(memory: Memory, namespace: str) -> None:
    with pytest.raises(EntityNotFound):
        await memory.timeline(namespace, "nobody")


@pytest.mark.parametrize(
    "time",
    [
        TimeQuery(start=at(2020), end=at(2019)),
        TimeQuery(start=at(2020), end=at(2020)),
        TimeQuery(valid_at=datetime(2020, 1, 1)),  # naive on purpose
        TimeQuery(half_life_days=0),
        TimeQuery(half_life_days=-3),
    ],
)
async def test_bad_times_are_refused(memory: Memory, namespace: str, time: TimeQuery) -> None:
    expected = InvalidTimestamp if time.half_life_days is None else InvalidInput
    with pytest.raises(expected):
        await memory.search(namespace, SearchQuery(time=time))


def test_at_is_utc() -> None:
    assert at(2020).tzinfo is UTC
