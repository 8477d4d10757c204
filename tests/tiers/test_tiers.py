"""Memory tiers: per-namespace policies, promotion, decay of the retrieval weight
(a factor in the score, named in the hit's reasons), archiving out of the search
indexes with the rows kept intact, search of the archive, and restore."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import EpisodeNotFound, InvalidInput
from kgmem.model import AxisWeights, SearchQuery
from kgmem.model.tier_model import TierPolicy
from kgmem.retrieval.decay import factor
from tests.fixtures.http_fakes import fake_vector

NOW = datetime.now(UTC)
KEYWORD = AxisWeights(keyword=1.0, vector=0.0)
VECTOR = AxisWeights(keyword=0.0, vector=1.0)
TEXT = "the harbour festival had lanterns on the water"


def episode(uid: str, days_ago: float, text: str = TEXT) -> EntityWrite:
    return EntityWrite(
        uid,
        "Episode",
        {"text": text, "occurred_at": (NOW - timedelta(days=days_ago)).isoformat()},
        embedding=fake_vector(text, 384),
    )


async def store(memory: Memory, namespace: str, *episodes: EntityWrite) -> None:
    await memory.write_batch(namespace, BatchWrite(entities=list(episodes)))


def query(**more: object) -> SearchQuery:
    return SearchQuery(
        text="harbour festival lanterns",
        embedding=fake_vector(TEXT, 384),
        types=("episodes",),
        k=10,
        **more,  # type: ignore[arg-type]
    )


async def test_without_a_policy_nothing_decays_and_the_defaults_are_reported(
    memory: Memory, namespace: str
) -> None:
    await store(memory, namespace, episode("old", 90), episode("new", 2))
    assert await memory.tiers.policy(namespace) == TierPolicy()
    hits = (await memory.search(namespace, query())).hits
    assert {h.uid for h in hits} == {"old", "new"}
    assert all("decay" not in h.reasons for h in hits)


async def test_decay_multiplies_old_episodes_scores_and_says_why(
    memory: Memory, namespace: str
) -> None:
    await store(memory, namespace, episode("old", 60), episode("new", 2), episode("now", 0.1))
    await memory.tiers.set_policy(namespace, {"decay_half_life_days": 30, "track_recalls": False})
    hits = {h.uid: h for h in (await memory.search(namespace, query())).hits}
    assert hits["old"].scores["decay"] == pytest.approx(0.25, abs=0.01)
    assert "60.0 days old (half-life 30 d)" in hits["old"].reasons["decay"]
    assert hits["new"].scores["decay"] == pytest.approx(0.5 ** (2 / 30), abs=0.01)
    assert "decay" not in hits["now"].reasons  # working memory does not decay
    assert hits["old"].score < hits["new"].score < hits["now"].score
    assert [h.uid for h in sorted(hits.values(), key=lambda h: h.rank)] == ["now", "new", "old"]


async def test_archived_episode_leaves_the_indexes_but_is_kept_and_restorable(
    memory: Memory, namespace: str
) -> None:
    await store(memory, namespace, episode("old", 90), episode("new", 2))
    await memory.tiers.set_policy(namespace, {"archive_after_days": 30})
    report = await memory.tiers.apply(namespace)
    assert report.archived == ("old",)
    assert report.counts["archived"] == 1
    for weights in (KEYWORD, VECTOR):
        hits = (await memory.search(namespace, query(weights=weights))).hits
        assert [h.uid for h in hits] == ["new"]
    kept = await memory.get_episode(namespace, "old")
    assert kept.properties["text"] == TEXT and not kept.has_embedding
    [(found, score)] = await memory.tiers.search_archive(namespace, "lanterns on the water")
    assert found.uid == "old" and score > 0
    [state] = await memory.tiers.states(namespace, archived=True)
    assert state.uid == "old" and state.archived_at is not None
    assert (await memory.tiers.apply(namespace)).archived == ()  # idempotent
    assert await memory.tiers.restore(namespace, ["old"]) == ["old"]
    assert await memory.tiers.restore(namespace, ["old"]) == []
    assert (await memory.get_episode(namespace, "old")).has_embedding
    hits = (await memory.search(namespace, query(weights=KEYWORD))).hits
    assert {h.uid for h in hits} == {"old", "new"}


async def test_archive_and_restore_name_only_episodes(memory: Memory, namespace: str) -> None:
    await store(memory, namespace, episode("ep", 1))
    with pytest.raises(EpisodeNotFound):
        await memory.tiers.archive(namespace, ["ep", "missing"])
    with pytest.raises(InvalidInput):
        await memory.tiers.archive(namespace, [])
    assert await memory.tiers.archive(namespace, ["ep"]) == ["ep"]


async def test_episodes_are_promoted_by_their_facts_or_by_recalls(
    memory: Memory, namespace: str
) -> None:
    await store(memory, namespace, episode("told", 5, "Mia works at Nordbank"), episode("asked", 5))
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[EntityWrite("mia", "Person"), EntityWrite("nordbank", "Organization")],
            facts=[FactWrite("mia", "WORKS_AT", "nordbank", episode="told")],
        ),
    )
    await memory.tiers.set_policy(namespace, {"promote_min_facts": 1, "promote_min_recalls": 2})
    first = await memory.tiers.apply(namespace)
    assert first.promoted == ("told",)
    for _ in range(2):
        await memory.search(namespace, query(weights=KEYWORD))
    second = await memory.tiers.apply(namespace)
    assert second.promoted == ("asked",)
    states = {s.uid: s for s in await memory.tiers.states(namespace)}
    assert states["asked"].tier == "semantic" and states["asked"].recalls == 2
    assert states["told"].promoted_because == "1 facts extracted"
    assert second.counts["semantic"] == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"decay_half_life_days": -1},
        {"decay_floor": 2},
        {"promote_min_facts": 1.5},
        {"archive_tiers": ["cold"]},
        {"nonsense": 1},
        {"track_recalls": "yes"},
        {"working_hours": None},
    ],
)
async def test_bad_policies_are_refused(
    memory: Memory, namespace: str, bad: dict[str, object]
) -> None:
    with pytest.raises(InvalidInput):
        await memory.tiers.set_policy(namespace, bad)
    assert await memory.tiers.policy(namespace) == TierPolicy()


async def test_concurrent_applies_writes_and_restores_leave_a_consistent_store(
    memory: Memory, namespace: str
) -> None:
    await store(memory, namespace, *(episode(f"e{i}", 40 + i, f"{TEXT} {i}") for i in range(30)))
    await memory.tiers.set_policy(namespace, {"archive_after_days": 30})

    async def writes() -> None:
        for i in range(10):
            await store(memory, namespace, episode(f"w{i}", 35, f"{TEXT} late {i}"))

    async with asyncio.timeout(120):
        reports = await asyncio.gather(
            *(memory.tiers.apply(namespace) for _ in range(4)),
            writes(),
            memory.tiers.restore(namespace, ["e0"]),
        )
        final = await memory.tiers.apply(namespace)
    archived = Counter(u for r in [*reports[:4], final] for u in r.archived)  # type: ignore[union-attr]
    # Each episode archived once; e0 a second time if its restore came in between.
    assert all(n == 1 for u, n in archived.items() if u != "e0") and archived["e0"] <= 2
    states = await memory.tiers.states(namespace)
    assert all(s.archived_at is not None for s in states)
    assert len(states) == 40
    hits = (await memory.search(namespace, query(weights=KEYWORD))).hits
    assert hits == ()
    again = await memory.tiers.apply(namespace)
    assert again.archived == () and again.counts["archived"] == 40


@given(
    age=st.floats(min_value=0, max_value=3650),
    more=st.floats(min_value=0, max_value=3650),
    half=st.floats(min_value=0.5, max_value=365),
    floor=st.floats(min_value=0, max_value=1),
)
@settings(max_examples=200, deadline=None)
def test_decay_is_a_factor_between_the_floor_and_one_and_never_grows_with_age(
    age: float, more: float, half: float, floor: float
) -> None:
    policy = TierPolicy(working_hours=0.001, decay_half_life_days=half, decay_floor=floor)
    younger = factor(policy, "episodic", NOW - timedelta(days=age), None, NOW)
    older = factor(policy, "episodic", NOW - timedelta(days=age + more), None, NOW)
    for f in (younger, older):
        assert f is None or floor <= f.score <= 1
    if younger is not None and older is not None:
        assert older.score <= younger.score
    assert factor(policy, "semantic", NOW - timedelta(days=age), None, NOW) is None
