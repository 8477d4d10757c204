"""A search plan is a pure function of the query and the store's settings: which axes
run (in the query's order), how many candidates each returns, whether a lone vector
axis probes short first, and the lines ``explain`` prints."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from kgmem.model import (
    AxisWeights,
    CausalQuery,
    ExpansionQuery,
    GeoPoint,
    PlaceQuery,
    SearchQuery,
    TimeQuery,
)
from kgmem.retrieval.plan import VECTOR, Store, Tuning, plan
from tests.retrieval.graphs import at

NOW = at(2024, 5, 6)
AXES = ("vector", "keyword", "temporal", "spatial", "causal", "graph")


@st.composite
def queries(draw: st.DrawFn) -> tuple[SearchQuery, list[float] | None]:
    vector = draw(st.sampled_from([None, [0.5, 0.5]]))
    q = SearchQuery(
        text=draw(st.sampled_from([None, "", "  ", "harbour signal"])),
        time=draw(
            st.sampled_from(
                [
                    None,
                    TimeQuery(valid_at=at(2020, 3)),
                    TimeQuery(valid_at=at(2020, 3), now=at(2021)),
                ]
            )
        ),
        place=draw(st.sampled_from([None, PlaceQuery(near=GeoPoint(1.0, 2.0), radius_km=5)])),
        causal=draw(st.sampled_from([None, CausalQuery("a", depth=2)])),
        expansion=draw(st.sampled_from([None, ExpansionQuery(hops=2)])),
        k=draw(st.integers(1, 1000)),
        weights=AxisWeights(
            vector=draw(st.sampled_from([0.0, 0.32])), keyword=draw(st.sampled_from([0.0, 0.68]))
        ),
        order_by=draw(st.sampled_from(["score", "trust"])),
        min_trust=draw(st.sampled_from([None, 0.5])),
    )
    return q, vector


stores = st.builds(
    Store,
    ef_search=st.integers(10, 2000),
    can_embed=st.booleans(),
)
tunings = st.builds(
    Tuning,
    min_candidates=st.integers(1, 100),
    max_candidates=st.integers(100, 2000),
    judge_ahead=st.booleans(),
)


@given(queries(), stores, tunings)
def test_the_plan_follows_the_query_and_settings(
    given_query: tuple[SearchQuery, list[float] | None], store: Store, tuning: Tuning
) -> None:
    q, vector = given_query
    p = plan(q, store, tuning, vector, clock=NOW)
    assert p == plan(q, store, tuning, vector, clock=NOW)
    assert p.now == (q.time.now if q.time is not None and q.time.now else NOW)
    assert list(p.axes) == [a for a in AXES if a in p.axes]
    text = bool(q.text and q.text.strip())
    assert ("keyword" in p.axes) == (text and q.weights.keyword > 0)
    embeds = vector is None and text and store.can_embed
    assert p.has_vector == ((vector is not None or embeds) and q.weights.vector > 0)
    assert p.embeds == (p.has_vector and vector is None)
    assert ("temporal" in p.axes) == (q.time is not None)
    assert ("graph" in p.axes) == (q.expansion is not None)
    assert tuning.min_candidates <= p.limit or p.limit == tuning.max_candidates
    assert p.limit <= tuning.max_candidates
    assert p.limit >= min(4 * q.k, tuning.max_candidates)
    assert p.judge_ahead is tuning.judge_ahead
    assert p.others == tuple(a for a in p.axes if a != VECTOR)
    assert len(p.lines) == len(p.axes)
    assert [line.split(":")[0] for line in p.lines] == list(p.axes)


@given(queries(), stores, tunings)
def test_only_a_lone_vector_axis_ranked_by_score_probes_short(
    given_query: tuple[SearchQuery, list[float] | None], store: Store, tuning: Tuning
) -> None:
    q, vector = given_query
    p = plan(q, store, tuning, vector, clock=NOW)
    if p.short:
        assert p.axes == (VECTOR,)
        assert q.order_by == "score"
        assert q.min_trust is None
        assert p.short == q.k + 1 < p.limit <= store.ef_search
        assert p.lines[0].endswith(f"; first its top {q.k + 1} per kind")
    else:
        assert "first its top" not in " ".join(p.lines)
    assert p.load == (q.k if p.axes == (VECTOR,) else 0)
    # A plan changed by a test prints what it will do.
    assert "first its top" not in " ".join(replace(p, short=0).lines)
