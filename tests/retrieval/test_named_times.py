"""Named times: what occurred in the time a question names ("in May 2024") ranks above
what only shares its words, as one more weighted feature of the minmax fusion, with its
score and reason on every hit, through every door (Python, REST, MCP, the client)."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.model import SearchQuery, TimeQuery
from kgmem.retrieval.named_times import Named, inside, read, values
from kgmem.storage.indexes.candidates import VertexInfo
from tests.retrieval.turn_doors import T0, add_turns, orders, ranked_alike, text_weights

# add_turns writes t0 on 15 May 2024 and t1 a day later.
TEXT = "What did Melanie paint on 16 May 2024?"
TURNS = [
    ("Caroline", "Melanie, what do you paint these days? Paint me something!"),
    ("Melanie", "I finished a sunset over the lake."),
]


def _vertex(when: datetime | None) -> VertexInfo:
    fields = {f.name: None for f in dataclasses.fields(VertexInfo)}
    return VertexInfo(**{**fields, "label": "Episode", "occurred_at": when})  # type: ignore[arg-type]


def test_vertices_inside_the_window_get_one_and_every_other_candidate_zero() -> None:
    window = Named(T0, T0 + timedelta(days=1))
    vertices = {1: _vertex(T0), 2: _vertex(T0 + timedelta(days=1)), 3: _vertex(None)}
    found = values(vertices, {7: object()}, window)
    assert found == {("v", 1): 1.0, ("v", 2): 0.0, ("v", 3): 0.0, ("f", 7): 0.0}
    assert values({1: _vertex(T0)}, {}, window) is None  # all inside: cannot order
    assert values({2: _vertex(T0 - timedelta(days=3))}, {}, window) is None  # none


@given(
    st.lists(st.integers(-5, 5), max_size=8),
    st.integers(-5, 5),
    st.integers(1, 4),
)
def test_inside_is_the_half_open_window(days: list[int], start: int, length: int) -> None:
    low, high = T0 + timedelta(days=start), T0 + timedelta(days=start + length)
    times = {("v", i): T0 + timedelta(days=d) for i, d in enumerate(days)}
    found = inside(times, Named(low, high))
    assert found == {k for k, t in times.items() if low <= t < high}


def test_a_text_names_a_window_or_a_month_of_any_year() -> None:
    now = datetime(2026, 11, 29, tzinfo=UTC)
    day = read("What did Jon find for his store on 1 February, 2023?", now)
    assert day == Named(datetime(2023, 2, 1, tzinfo=UTC), datetime(2023, 2, 2, tzinfo=UTC))
    assert read("What did she do last year?", now) == Named(
        datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    )
    june = read("When did Melanie go camping in June?", now)
    assert june == Named(month=6)
    assert june.holds(datetime(2019, 6, 30, 23, tzinfo=UTC))
    assert not june.holds(datetime(2023, 7, 1, tzinfo=UTC))
    assert read("What may happen in may?", now) is None  # the verb, lower case
    assert read("What did Melanie paint?", now) is None


async def test_search_ranks_what_occurred_on_the_named_day_first_and_says_why(
    embedding_memory: Memory, namespace: str
) -> None:
    await add_turns(embedding_memory, namespace, TURNS)
    order, hits = await orders(embedding_memory, namespace, TEXT, "named_time")
    assert order == {0.0: ["t0", "t1"], 1.0: ["t1", "t0"]}
    assert hits[0].scores["named_time"] == pytest.approx(1.0)
    assert "names" in hits[0].reasons["named_time"]
    assert "named_time" not in hits[1].scores


async def test_a_time_query_or_a_text_naming_no_time_gets_no_feature(
    embedding_memory: Memory, namespace: str
) -> None:
    await add_turns(embedding_memory, namespace, TURNS)
    weights = text_weights(named_time=1.0)
    given_time = TimeQuery(start=T0, end=T0 + timedelta(days=3))
    for q in (
        SearchQuery(text="What did Melanie paint?", types=("episodes",), weights=weights, k=2),
        SearchQuery(text=TEXT, time=given_time, types=("episodes",), weights=weights, k=2),
    ):
        hits = (await embedding_memory.search(namespace, q)).hits
        assert hits and all("named_time" not in h.scores for h in hits)


async def test_rest_mcp_and_the_client_take_the_weight_and_rank_as_python(
    embedding_memory: Memory, namespace: str
) -> None:
    await add_turns(embedding_memory, namespace, TURNS)
    q = SearchQuery(text=TEXT, types=("episodes",), weights=text_weights(named_time=1.0), k=2)
    body = {"text": TEXT, "types": ["episodes"], "k": 2, "weights": dataclasses.asdict(q.weights)}
    python = await ranked_alike(embedding_memory, namespace, q, body, "named_time")
    assert python[0] == ("t1", pytest.approx(1.0))
