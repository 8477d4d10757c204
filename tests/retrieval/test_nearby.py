"""The nearby features of the minmax fusion: the best score of another candidate close
in time, computed in one pass, mixed in at their weights."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.ingest import EpisodeWrite
from kgmem.model import AxisWeights, SearchQuery
from kgmem.retrieval.fusion import Scored, fuse
from kgmem.retrieval.nearby import WINDOW, Nearby, best_nearby

_keys = st.sampled_from([f"k{i}" for i in range(12)])
_scores = st.dictionaries(_keys, st.floats(0.0, 1.0), max_size=12)
_times = st.dictionaries(_keys, st.integers(0, 4 * int(WINDOW)).map(float), max_size=12)


@given(scores=st.lists(_scores, min_size=1, max_size=3), times=_times)
def test_each_timed_key_gets_the_best_score_of_another_key_within_the_window(
    scores: list[dict[str, float]], times: dict[str, float]
) -> None:
    found = best_nearby(scores, times)
    assert len(found) == len(scores)
    for axis, best in zip(scores, found, strict=True):
        assert set(best) == set(times)
        for key, value in best.items():
            others = [
                axis.get(o, 0.0) for o in times if o != key and abs(times[o] - times[key]) <= WINDOW
            ]
            assert value == max(others, default=0.0)


def test_nothing_scored_or_timed_gives_nothing() -> None:
    assert best_nearby([], {"a": 1.0}) == []
    assert best_nearby([{"a": 1.0}], {}) == [{}]


def _axes() -> dict[str, dict[str, Scored]]:
    # "q" is what the question names; "a", the turn right after it, answers it but
    # shares no words with the question; "far" is as weak as "a", on another day.
    return {
        "keyword": {"q": Scored(1.0, ""), "a": Scored(0.2, ""), "far": Scored(0.2, "")},
        "vector": {"q": Scored(0.8, ""), "a": Scored(0.5, ""), "far": Scored(0.5, "")},
    }


TIMES = {"q": 0.0, "a": 60.0, "far": 86400.0}


def test_a_candidate_next_to_a_strong_one_rises_above_an_equal_one_far_away() -> None:
    weights = {"keyword": 0.5, "vector": 0.2}
    plain = {f.key: f.score for f in fuse(_axes(), weights, method="minmax")}
    assert plain["a"] == pytest.approx(plain["far"])
    near = Nearby({"keyword": 0.3, "vector": 0.0}, TIMES)
    mixed = {f.key: f.score for f in fuse(_axes(), weights, method="minmax", nearby=near)}
    # keyword: q 1, a and far 0.2; vector: q 0.8, a and far 0.5 (scaled against 0).
    assert mixed["a"] == pytest.approx((0.5 * 0.2 + 0.2 * 0.5 / 0.8 + 0.3 * 1.0) / 1.0)
    assert mixed["far"] == pytest.approx((0.5 * 0.2 + 0.2 * 0.5 / 0.8) / 1.0)
    assert mixed["a"] > mixed["far"]


@given(w=st.floats(0.0, 1.0))
def test_zero_nearby_weights_or_no_times_change_nothing(w: float) -> None:
    weights = {"keyword": 0.5 + w, "vector": 0.5}
    plain = fuse(_axes(), weights, method="minmax")
    assert fuse(_axes(), weights, method="minmax", nearby=Nearby({}, TIMES)) == plain
    assert fuse(_axes(), weights, method="minmax", nearby=Nearby({"keyword": 1.0}, {})) == plain
    # The other fusions ignore it.
    near = Nearby({"keyword": 1.0}, TIMES)
    assert fuse(_axes(), weights, method="convex", nearby=near) == fuse(_axes(), weights)


def test_a_candidate_without_a_time_keeps_its_plain_score() -> None:
    axes = {**_axes(), "keyword": {**_axes()["keyword"], "entity": Scored(0.6, "")}}
    weights = {"keyword": 0.5, "vector": 0.2}
    plain = {f.key: f.score for f in fuse(axes, weights, method="minmax")}
    near = Nearby({"keyword": 0.3, "vector": 0.1}, TIMES)
    mixed = {f.key: f.score for f in fuse(axes, weights, method="minmax", nearby=near)}
    assert mixed["entity"] == pytest.approx(plain["entity"])
    assert mixed["far"] == pytest.approx(plain["far"] * 0.7 / 1.1)


T0 = datetime(2024, 5, 15, 12, tzinfo=UTC)


async def test_search_mixes_in_the_best_scores_of_episodes_within_the_hour(
    embedding_memory: Memory, namespace: str
) -> None:
    texts = [
        (0, "We hiked up the volcano near the glacier lagoon"),
        (60, "The volcano trail was steep"),
        (86400, "Another volcano story from a different day"),
    ]
    await embedding_memory.add_episodes(
        namespace,
        [
            EpisodeWrite(text=t, uid=f"e{i}", reference_time=T0 + timedelta(seconds=s))
            for i, (s, t) in enumerate(texts)
        ],
    )
    weights = AxisWeights(
        vector=0.2, keyword=0.4, nearby_keyword=0.3, nearby_vector=0.1, first_person=0
    )
    query = SearchQuery(text="volcano glacier lagoon", types=("episodes",), weights=weights)
    hits = {h.uid: h for h in (await embedding_memory.search(namespace, query)).hits}
    assert set(hits) == {"e0", "e1", "e2"}

    def scaled(axis: str) -> dict[str, float]:
        best = max(h.scores[axis] for h in hits.values())
        return {u: h.scores[axis] / best for u, h in hits.items()}

    kw, vec = scaled("keyword"), scaled("vector")
    # e0 and e1 are a minute apart, e2 a day away from both.
    for uid, other in (("e0", "e1"), ("e1", "e0")):
        expected = 0.4 * kw[uid] + 0.2 * vec[uid] + 0.3 * kw[other] + 0.1 * vec[other]
        assert hits[uid].score == pytest.approx(expected, rel=1e-4)
    assert hits["e2"].score == pytest.approx(0.4 * kw["e2"] + 0.2 * vec["e2"], rel=1e-4)


async def test_an_axis_searched_alone_ranks_by_its_own_scores(
    embedding_memory: Memory, namespace: str
) -> None:
    # The nearby features belong to fusion: a lone axis is not mixed with its neighbours.
    topics = ["glacier", "volcano", "harbour", "orchard", "library", "bakery"]
    await embedding_memory.add_episodes(
        namespace,
        [
            EpisodeWrite(
                text=f"We talked about the {topics[i % 6]} again, visit {i}",
                uid=f"e{i}",
                reference_time=T0 + timedelta(minutes=25 * i),
            )
            for i in range(24)
        ],
    )
    for axis in ("vector", "keyword"):
        near = AxisWeights(
            **{a: (1.0 if a == axis else 0.0) for a in ("vector", "keyword", "graph")},
            nearby_keyword=0.5,
            nearby_vector=0.5,
        )
        plain = replace(near, nearby_keyword=0.0, nearby_vector=0.0)
        found = []
        for weights in (near, plain):
            q = SearchQuery(text="volcano", types=("episodes",), weights=weights, k=5)
            found.append(
                [(h.uid, h.score) for h in (await embedding_memory.search(namespace, q)).hits]
            )
        assert found[0] == found[1]
        assert [s for _, s in found[0]] == sorted((s for _, s in found[0]), reverse=True)
