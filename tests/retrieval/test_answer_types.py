"""Answer types: an episode that holds the kind of answer the search text asks for (a
time, a number, a name) ranks above one that only shares its words, as one more
weighted feature of the minmax fusion, with its score and reason on every hit, through
every door (Python, REST, MCP, the client)."""

import dataclasses
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.model import AxisWeights, SearchQuery
from kgmem.retrieval.answer_types import asked, holds, values
from tests.retrieval.turn_doors import add_turns, orders, ranked_alike, text_weights

TEXT = "When did Melanie go to the pottery class?"
TURNS = [
    ("Caroline", "The pottery class! Did you like the pottery class, Melanie?"),
    ("Melanie", "I went to the pottery class yesterday."),
]


def weights(answer_type: float) -> AxisWeights:
    return text_weights(answer_type=answer_type)


def test_a_question_asks_for_a_kind_by_its_first_words() -> None:
    assert asked("When did Caroline move?") == "time"
    assert asked("what year did she graduate?") == "time"
    assert asked("How many kids does Melanie have?") == "number"
    assert asked("How often does he run?") == "number"
    assert asked("Where did they camp?") == "name"
    assert asked("Who supports Caroline?") == "name"
    assert asked("What did Melanie paint?") is None
    assert asked("Whenever you like") is None
    assert asked("Whose book is it?") is None


def test_a_text_holds_a_time_a_number_or_a_name() -> None:
    assert holds("time", "We went camping two weekends ago.")
    assert holds("time", "I moved here in 2019")
    assert holds("time", "See you next week!")
    assert not holds("time", "We went camping, it was great.")
    assert holds("number", "I have three kids") and holds("number", "We went 2 times")
    assert not holds("number", "I have kids")
    assert holds("name", "We camped near Lake Tahoe.")
    assert not holds("name", "Camping was fun. The lake was cold.")  # sentence starts only
    assert not holds("name", "I think so")  # "I" is not a name


@given(st.text(max_size=40))
def test_asking_and_holding_never_fail(text: str) -> None:
    kind = asked(text)
    assert kind in (None, "time", "number", "name")
    for each in ("time", "number", "name"):
        assert holds(each, text) in (True, False)


def test_episodes_that_hold_the_kind_get_one_and_everything_else_zero() -> None:
    texts = {1: "I went yesterday.", 2: "Sounds fun!"}
    keys = [("v", 1), ("v", 2), ("v", 3), ("f", 1)]
    found = values(keys, texts, "time")
    assert found == {("v", 1): 1.0, ("v", 2): 0.0, ("v", 3): 0.0, ("f", 1): 0.0}
    assert values(keys, {1: "yesterday", 2: "today"}, "time") is None  # cannot order
    assert values(keys, {1: "fun", 2: "nice"}, "time") is None


async def _add_turns(memory: Memory, namespace: str) -> None:
    await add_turns(memory, namespace, TURNS)


async def test_search_ranks_the_turn_holding_a_time_first_and_says_why(
    embedding_memory: Memory, namespace: str
) -> None:
    await _add_turns(embedding_memory, namespace)
    order, hits = await orders(embedding_memory, namespace, TEXT, "answer_type")
    assert order == {0.0: ["t0", "t1"], 1.0: ["t1", "t0"]}
    assert hits[0].scores["answer_type"] == pytest.approx(1.0)
    assert "asks for" in hits[0].reasons["answer_type"]
    assert "answer_type" not in hits[1].scores
    plain = SearchQuery(text="pottery class", types=("episodes",), weights=weights(1.0), k=2)
    for hit in (await embedding_memory.search(namespace, plain)).hits:
        assert "answer_type" not in hit.scores  # a text that asks for no kind


async def test_the_rule_stays_out_of_a_namespace_in_another_language(
    embedding_memory: Memory,
) -> None:
    name = f"t_{uuid.uuid4().hex[:12]}"
    await embedding_memory.create_namespace(name, text_config="german")
    try:
        await _add_turns(embedding_memory, name)
        q = SearchQuery(text=TEXT, types=("episodes",), weights=weights(1.0), k=2)
        hits = (await embedding_memory.search(name, q)).hits
        assert len(hits) == 2 and all("answer_type" not in h.scores for h in hits)
    finally:
        await embedding_memory.delete_namespace(name)


async def test_rest_mcp_and_the_client_take_the_weight_and_rank_as_python(
    embedding_memory: Memory, namespace: str
) -> None:
    await _add_turns(embedding_memory, namespace)
    q = SearchQuery(text=TEXT, types=("episodes",), weights=weights(1.0), k=2)
    body = {"text": TEXT, "types": ["episodes"], "k": 2, "weights": dataclasses.asdict(q.weights)}
    python = await ranked_alike(embedding_memory, namespace, q, body, "answer_type")
    assert python[0] == ("t1", pytest.approx(1.0))
