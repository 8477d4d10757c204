"""The nearby features of the minmax fusion: the best score of another candidate close
in time, computed in one pass, mixed in at their weights."""

import sys
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


async def test_search_mixes_in_the_best_keyword_score_of_episodes_within_the_hour(
    memory: Memory, namespace: str
) -> None:
    texts = [
        (0, "We hiked up the volcano near the glacier lagoon"),
        (60, "The volcano trail was steep"),
        (86400, "Another volcano story from a different day"),
    ]
    await memory.add_episodes(
        namespace,
        [
            EpisodeWrite(text=t, uid=f"e{i}", reference_time=T0 + timedelta(seconds=s))
            for i, (s, t) in enumerate(texts)
        ],
    )
    weights = AxisWeights(vector=0.0, keyword=0.4, nearby_keyword=0.3, nearby_vector=0.0)
    query = SearchQuery(text="volcano glacier lagoon", types=("episodes",), weights=weights)
    hits = {h.uid: h for h in (await memory.search(namespace, query)).hits}
    assert set(hits) == {"e0", "e1", "e2"}
    best = max(h.scores["keyword"] for h in hits.values())
    scaled = {u: h.scores["keyword"] / best for u, h in hits.items()}
    # e0 and e1 are a minute apart, e2 a day away from both.
    assert hits["e0"].score == pytest.approx(
        (0.4 * scaled["e0"] + 0.3 * scaled["e1"]) / 0.7, rel=1e-4
    )
    assert hits["e1"].score == pytest.approx(
        (0.4 * scaled["e1"] + 0.3 * scaled["e0"]) / 0.7, rel=1e-4
    )
    assert hits["e2"].score == pytest.approx(0.4 * scaled["e2"] / 0.7, rel=1e-4)
    plain = SearchQuery(
        text="volcano glacier lagoon",
        types=("episodes",),
        weights=AxisWeights(vector=0.0, keyword=1.0, nearby_keyword=0.0, nearby_vector=0.0),
    )
    alone = {h.uid: h.score for h in (await memory.search(namespace, plain)).hits}
    assert alone["e2"] == pytest.approx(scaled["e2"], rel=1e-4)


async def test_a_lone_vector_search_over_timed_episodes_is_not_decided_by_the_short_probe(
    embedding_memory: Memory, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the nearby vector weight the fused order is not the similarity order the
    # short probe cuts at, so the search probes again in full, and its hits are those
    # of a search that never trusts the short probe.
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
    weights = AxisWeights(vector=0.2, keyword=0.0, nearby_keyword=0.0, nearby_vector=0.8)
    query = SearchQuery(text="volcano", types=("episodes",), weights=weights, k=3, explain=True)
    result = await embedding_memory.search(namespace, query)
    assert any("first its top" in line for line in result.plan or ())
    assert any("probed again" in line for line in result.plan or ())
    search_module = sys.modules["kgmem.retrieval.search"]  # the package exports search()
    monkeypatch.setattr(search_module, "_short_probe_decides", lambda run, fused: False)
    full = await embedding_memory.search(namespace, query)
    assert [h.uid for h in result.hits] == [h.uid for h in full.hits]
