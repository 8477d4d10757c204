"""Semantic axis: vector search, keyword search, their fusion, filters, ties, empty
results and explain."""

import pytest

from kgmem import Memory
from kgmem.errors import InvalidInput, InvalidVector
from kgmem.model import AxisWeights, SearchFilters, SearchQuery
from tests.retrieval.graphs import add_people, axis_vector, uids


async def test_vector_search_ranks_by_cosine_and_ties_share_a_rank(
    memory: Memory, namespace: str
) -> None:
    await add_people(memory, namespace)
    result = await memory.search(
        namespace, SearchQuery(embedding=axis_vector((0, 1.0)), types=("entities",), k=4)
    )
    assert uids(result.hits)[:2] == ["alice", "bob"]  # identical vectors: tie, then uid
    first, second = result.hits[0], result.hits[1]
    assert first.scores["vector"] == second.scores["vector"]
    assert first.score == pytest.approx(second.score)
    assert uids(result.hits)[2] == "globex"  # 0.5 along dim 0, acme has none
    assert "cosine similarity" in first.reasons["vector"]


async def test_keyword_search_finds_only_matching_text(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    result = await memory.search(namespace, SearchQuery(text="anvils"))
    assert uids(result.hits) == ["acme"]
    assert set(result.hits[0].scores) == {"keyword"}
    assert result.hits[0].scores["keyword"] == pytest.approx(1.0)


async def test_hybrid_hits_carry_both_axes(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    result = await memory.search(
        namespace,
        SearchQuery(text="rocket engineer", embedding=axis_vector((0, 1.0)), types=("entities",)),
    )
    top = result.hits[0]
    assert top.uid in {"alice", "bob"}
    assert set(top.scores) >= {"vector", "keyword"} and set(top.reasons) >= {"vector", "keyword"}
    # keyword-only match (globex says "rockets") ranks below the two engineers
    assert uids(result.hits).index("globex") > uids(result.hits).index("bob")


async def test_label_predicate_and_property_filters(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    vec = axis_vector((0, 1.0))
    orgs = await memory.search(
        namespace,
        SearchQuery(
            embedding=vec, filters=SearchFilters(labels=("Organization",)), types=("entities",)
        ),
    )
    assert uids(orgs.hits) == ["globex", "acme"]
    team = await memory.search(
        namespace,
        SearchQuery(embedding=vec, filters=SearchFilters(properties={"team": "avionics"})),
    )
    assert uids(team.hits) == ["bob"]
    facts = await memory.search(
        namespace,
        SearchQuery(
            embedding=axis_vector((3, 1.0)),
            types=("facts",),
            filters=SearchFilters(predicates=("WORKS_AT",)),
        ),
    )
    assert uids(facts.hits) == ["bob-acme", "alice-globex"]  # alice-acme is closed
    none = await memory.search(
        namespace,
        SearchQuery(
            embedding=vec, filters=SearchFilters(predicates=("LIVES_IN",)), types=("facts",)
        ),
    )
    assert none.hits == ()


async def test_no_match_is_an_empty_result(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    assert (await memory.search(namespace, SearchQuery(text="zeppelin"))).hits == ()
    empty = await memory.search(namespace, SearchQuery(text="zeppelin"))
    assert empty.plan is None


async def test_zero_weight_removes_an_axis(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    result = await memory.search(
        namespace,
        SearchQuery(
            text="anvils",
            embedding=axis_vector((0, 1.0)),
            weights=AxisWeights(keyword=0.0),
            types=("entities",),
        ),
    )
    assert all("keyword" not in h.scores for h in result.hits)
    assert uids(result.hits)[:2] == ["alice", "bob"]


async def test_explain_reports_plan_and_stage_times(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    result = await memory.search(
        namespace, SearchQuery(text="rocket", embedding=axis_vector((0, 1.0)), explain=True)
    )
    assert result.plan is not None and any(p.startswith("vector") for p in result.plan)
    assert result.timings_ms is not None
    assert {"vector", "keyword", "filter", "fuse", "load"} <= set(result.timings_ms)
    assert all(v >= 0 for v in result.timings_ms.values())


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (SearchQuery(), InvalidInput),
        (SearchQuery(text="   "), InvalidInput),
        (SearchQuery(text="x", k=0), InvalidInput),
        (SearchQuery(text="x", k=5000), InvalidInput),
        (SearchQuery(text="x", types=()), InvalidInput),
        (SearchQuery(text="x", weights=AxisWeights(vector=-1)), InvalidInput),
        (SearchQuery(text="x", filters=SearchFilters(labels=("bad\tlabel",))), InvalidInput),
        (SearchQuery(embedding=[1.0, 2.0]), InvalidVector),
    ],
)
async def test_bad_queries_are_refused(
    memory: Memory, namespace: str, query: SearchQuery, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await memory.search(namespace, query)
