"""Forgetting episodes leaves the store as if they had never been written: the same
facts with the same valid times and trust as writing only the others.

Compared on a normalised view (names, not uids). Transaction times differ between the
two stores by nature (the forgetting store closes again at the time it forgets), so
the view holds valid times and whether a fact is closed, not when it was recorded or
expired.
"""

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import FactQuery, Memory
from kgmem.ingest import EpisodeWrite, FactMention

DAY0 = datetime(2024, 1, 1, tzinfo=UTC)
PEOPLE = ("Ann", "Bob")
PREDICATES = ("LIVES_IN", "WORKS_AT")  # functional: a new value closes the former one
PLACES = ("Lisbon", "Nairobi", "Quito", "Helsinki", "Dakar", "Manila")


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[EpisodeWrite], set[int]]:
    """Episodes at distinct days in any order, each saying one value of one or two
    items; every value is new to its item (a value said twice is one fact restated,
    whose validity its first sayer set: forgetting that one keeps it)."""
    count = draw(st.integers(2, 6))
    days = draw(st.permutations(range(count)))
    episodes = []
    for k, day in enumerate(days):
        items = draw(
            st.lists(
                st.sampled_from([(p, q) for p in PEOPLE for q in PREDICATES]),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
        episodes.append(
            EpisodeWrite(
                f"episode {k}",
                uid=f"e{k}",
                reference_time=DAY0 + timedelta(days=day),
                source=draw(st.sampled_from([None, "alpha", "beta"])),
                facts=[FactMention(p, q, PLACES[k]) for p, q in items],
            )
        )
    forgotten = draw(st.sets(st.integers(0, count - 1)))
    return episodes, forgotten


async def _view(memory: Memory, namespace: str) -> list[tuple[object, ...]]:
    await memory.verify_namespace(namespace)
    names = {e.uid: e.properties.get("name") for e in (await memory.list_entities(namespace)).items}
    facts = (await memory.list_facts(namespace, FactQuery(include_closed=True))).items
    return sorted(
        (
            names[f.subject],
            f.predicate,
            names[f.object],
            f.valid_from,
            f.valid_to,
            f.is_closed,
            None if f.trust is None else round(f.trust, 6),
        )
        for f in facts
        if f.predicate in PREDICATES
    )


async def _store(memory: Memory, episodes: list[EpisodeWrite], forget: set[int]) -> list[object]:
    namespace = f"fe_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(namespace)
    try:
        for episode in episodes:
            await memory.add_episodes(namespace, [episode])
        for k in sorted(forget):
            await memory.delete_episode(namespace, f"e{k}")
        return list(await _view(memory, namespace))
    finally:
        await memory.delete_namespace(namespace)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(histories())
async def test_forgetting_episodes_equals_never_writing_them(
    memory: Memory, history: tuple[list[EpisodeWrite], set[int]]
) -> None:
    episodes, forgotten = history
    kept = [e for k, e in enumerate(episodes) if k not in forgotten]
    assert await _store(memory, episodes, forgotten) == await _store(memory, kept, set())
