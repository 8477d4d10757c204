"""Forgetting keeps trust consistent without a verification run: with
``update_on_write`` on (the default), forgetting an episode or a source re-scores the
data items of the facts it touched, as a write re-scores its own, and only those.

After a forgetting, every read path (list_facts, get_fact, the entity view, the
timeline, the fact's verification, a search hit) shows the same trust, and a kept
fact's trust moves towards what it is in a store where the forgotten claims were never
written (the incremental update is not independent of the order of the writes: a
verification run makes the two equal, ``test_forget_equivalence``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings

from kgmem import FactQuery, Memory
from kgmem.ingest import EpisodeWrite, FactMention
from kgmem.model import Fact, SearchQuery
from tests.ingest.test_forget_equivalence import PREDICATES, histories

DAY0 = datetime(2024, 1, 1, tzinfo=UTC)


def _episode(k: int, source: str, *mentions: tuple[str, str, str]) -> EpisodeWrite:
    return EpisodeWrite(
        f"episode {k}",
        uid=f"e{k}",
        reference_time=DAY0 + timedelta(days=k),
        source=source,
        facts=[FactMention(*m) for m in mentions],
    )


async def _fresh(memory: Memory) -> str:
    namespace = f"fr_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(namespace)
    return namespace


async def _facts(memory: Memory, namespace: str) -> list[Fact]:
    """The facts the episodes said (not their structural MENTIONS and PART_OF edges)."""
    found = (await memory.list_facts(namespace, FactQuery(include_closed=True))).items
    return [f for f in found if f.predicate in PREDICATES]


async def check_same_trust_everywhere(memory: Memory, namespace: str) -> None:
    """Each fact's trust as every read path gives it."""
    for f in await _facts(memory, namespace):
        one = await memory.get_fact(namespace, f.uid)
        detail = await memory.get_entity(namespace, f.subject, include_closed=True)
        [out] = [o for o in detail.outgoing if o.uid == f.uid]
        timeline = await memory.timeline(namespace, f.subject)
        [entry] = [e.fact for e in timeline if e.fact.uid == f.uid]
        seen = {(x.trust, x.verification) for x in (f, one, out, entry)}
        if not f.is_closed:
            check = await memory.fact_verification(namespace, f.uid)
            seen.add((check.trust, check.status if check.trust is not None else None))
        assert len(seen) == 1, (f.uid, seen)
    hits = await memory.search(namespace, SearchQuery(text="Ann", types=("facts",), k=50))
    trust = {f.uid: f.trust for f in await _facts(memory, namespace)}
    for hit in hits.hits:
        if hit.uid in trust:
            assert hit.trust == trust[hit.uid], hit.uid


async def _trust(memory: Memory, namespace: str) -> dict[tuple[str, str, str], float | None]:
    names = {e.uid: e.properties.get("name") for e in (await memory.list_entities(namespace)).items}
    return {
        (str(names[f.subject]), f.predicate, str(names[f.object])): f.trust
        for f in await _facts(memory, namespace)
    }


async def test_forgetting_a_supporting_episode_rescores_the_kept_fact(memory: Memory) -> None:
    """Two sources say Ann lives in Lisbon (and one of them where Bob works): forgetting
    one of the Lisbon episodes moves Lisbon's trust to what it is in a store that never
    heard it, with no verification run."""
    said = [
        _episode(0, "alpha", ("Ann", "LIVES_IN", "Lisbon")),
        _episode(1, "beta", ("Ann", "LIVES_IN", "Lisbon")),
        _episode(2, "gamma", ("Bob", "WORKS_AT", "Dakar")),
    ]
    forgetting, never = await _fresh(memory), await _fresh(memory)
    try:
        for episode in said:
            await memory.add_episodes(forgetting, [episode])
        for episode in (said[0], said[2]):
            await memory.add_episodes(never, [episode])
        before = await _trust(memory, forgetting)
        await memory.delete_episode(forgetting, "e1")
        after = await _trust(memory, forgetting)
        assert after != before  # the kept fact lost a supporting claim
        # The incremental update starts from each source's stored reliability, which the
        # forgotten agreement had raised: it moves the trust most of the way to what the
        # store that never heard it gives, not all of it (a verification run gives the
        # same in both: test_forget_equivalence).
        lisbon = ("Ann", "LIVES_IN", "Lisbon")
        unheard = (await _trust(memory, never))[lisbon]
        assert before[lisbon] is not None and after[lisbon] is not None and unheard is not None
        assert abs(after[lisbon] - unheard) < abs(before[lisbon] - unheard) / 2
        await check_same_trust_everywhere(memory, forgetting)
    finally:
        for namespace in (forgetting, never):
            await memory.delete_namespace(namespace)


async def test_a_forgotten_episode_no_longer_counts_for_its_speaker(memory: Memory) -> None:
    """alpha says where Ann lives, then (in another episode) agrees with beta on where
    Bob works: forgetting the second takes its claim out of alpha's scores, which are
    then those of a store where alpha only ever said the first."""
    said = [
        _episode(0, "alpha", ("Ann", "LIVES_IN", "Lisbon")),
        _episode(1, "beta", ("Bob", "WORKS_AT", "Dakar")),
        _episode(2, "alpha", ("Bob", "WORKS_AT", "Dakar")),
    ]
    forgetting, never = await _fresh(memory), await _fresh(memory)
    try:
        for episode in said:
            await memory.add_episodes(forgetting, [episode])
        for episode in said[:2]:
            await memory.add_episodes(never, [episode])
        before = (await memory.get_source(forgetting, "alpha")).source
        await memory.delete_episode(forgetting, "e2")
        after = (await memory.get_source(forgetting, "alpha")).source
        unheard = (await memory.get_source(never, "alpha")).source
        assert (before.claims, after.claims, unheard.claims) == (2, 1, 1)
        assert before.reliability != unheard.reliability
        assert after.reliability == pytest.approx(unheard.reliability, abs=1e-9)
        await check_same_trust_everywhere(memory, forgetting)
    finally:
        for namespace in (forgetting, never):
            await memory.delete_namespace(namespace)


async def test_forgetting_a_source_rescores_what_it_claimed_and_nothing_else(
    memory: Memory,
) -> None:
    said = [
        _episode(0, "alpha", ("Ann", "LIVES_IN", "Lisbon"), ("Bob", "WORKS_AT", "Dakar")),
        _episode(1, "beta", ("Ann", "LIVES_IN", "Lisbon"), ("Cid", "WORKS_AT", "Quito")),
    ]
    namespace = await _fresh(memory)
    try:
        for episode in said:
            await memory.add_episodes(namespace, [episode])
        names = {
            e.uid: e.properties.get("name") for e in (await memory.list_entities(namespace)).items
        }
        [bob] = [f for f in await _facts(memory, namespace) if names[f.subject] == "Bob"]
        untouched = await memory.fact_verification(namespace, bob.uid)
        before = await _trust(memory, namespace)
        await memory.delete_source(namespace, "beta")
        after = await _trust(memory, namespace)
        assert ("Cid", "WORKS_AT", "Quito") not in after  # only beta said it
        assert after[("Ann", "LIVES_IN", "Lisbon")] != before[("Ann", "LIVES_IN", "Lisbon")]
        # Bob's item was not touched: not scored again (alpha's reliability, which it
        # shares, moved with Ann's item).
        again = await memory.fact_verification(namespace, bob.uid)
        assert (again.trust, again.status) == (untouched.trust, untouched.status)
        await check_same_trust_everywhere(memory, namespace)
    finally:
        await memory.delete_namespace(namespace)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(histories())
async def test_after_forgetting_every_read_path_shows_the_same_trust(
    memory: Memory, history: tuple[list[EpisodeWrite], set[int]]
) -> None:
    episodes, forgotten = history
    namespace = await _fresh(memory)
    try:
        for episode in episodes:
            await memory.add_episodes(namespace, [episode])
        for k in sorted(forgotten):
            await memory.delete_episode(namespace, f"e{k}")
        await check_same_trust_everywhere(memory, namespace)
    finally:
        await memory.delete_namespace(namespace)
