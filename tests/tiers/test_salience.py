"""Extractive salience: the sentences kept, and a lone vector axis ranked after decay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem import BatchWrite, EntityWrite, Memory
from kgmem.distill import salience
from kgmem.model import AxisWeights, SearchQuery
from tests.fixtures.http_fakes import fake_vector

WORDS = ["cat", "dog", "lyon", "bakery", "hike", "alps", "printer", "venue", "seats", "sea"]


@given(
    texts=st.lists(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join),
        min_size=1,
        max_size=25,
    ),
    keep=st.integers(min_value=1, max_value=30),
    mix=st.floats(min_value=0, max_value=1),
    vectors=st.booleans(),
)
@settings(max_examples=150, deadline=None)
def test_selection_keeps_distinct_sentences_in_order(
    texts: list[str], keep: int, mix: float, vectors: bool
) -> None:
    window = [
        salience.Sentence(t, f"ep{i}", fake_vector(t, 16) if vectors else None)
        for i, t in enumerate(texts)
    ]
    weights = salience.idf([salience.words(t) for t in texts])
    chosen = salience.select(window, keep, weights, mix)
    assert chosen == sorted(set(chosen))
    assert all(0 <= i < len(window) for i in chosen)
    if keep >= len(window):
        assert chosen == list(range(len(window)))
    else:
        assert 1 <= len(chosen) <= keep
        kept = [" ".join(salience.words(texts[i])) for i in chosen]
        assert len(kept) == len(set(kept))  # a repeated sentence is kept once


def _mixed(a: float) -> list[float]:
    base, other = fake_vector("query", 384), fake_vector("elsewhere", 384)
    return [(1 - a) * x + a * y for x, y in zip(base, other, strict=True)]


async def test_a_lone_vector_axis_ranks_by_decayed_score(memory: Memory, namespace: str) -> None:
    now = datetime.now(UTC)
    old = [
        EntityWrite(
            f"old{i}",
            "Episode",
            {"text": f"old {i}", "occurred_at": (now - timedelta(days=400)).isoformat()},
            embedding=_mixed(0.01 * i),
        )
        for i in range(3)
    ]
    new = EntityWrite(
        "new", "Episode", {"text": "new", "occurred_at": now.isoformat()}, embedding=_mixed(0.2)
    )
    await memory.write_batch(namespace, BatchWrite(entities=[*old, new]))
    await memory.tiers.set_policy(namespace, {"decay_half_life_days": 10, "track_recalls": False})
    query = SearchQuery(
        embedding=fake_vector("query", 384),
        types=("episodes",),
        k=1,
        weights=AxisWeights(keyword=0.0, vector=1.0),
    )
    [hit] = (await memory.search(namespace, query)).hits
    assert hit.uid == "new"
