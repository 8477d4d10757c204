"""First-person favouring: an episode whose speaker speaks of themself ranks above one
that only reacts, as one more weighted feature of the minmax fusion, with its score and
reason on every hit, through every door (Python, REST, MCP, the client)."""

import dataclasses
import uuid

import pytest

from kgmem import Memory
from kgmem.ingest import EpisodeWrite
from kgmem.model import AxisWeights, SearchQuery
from kgmem.retrieval.first_person import speaks_of_self, values
from tests.retrieval.turn_doors import add_turns, orders, ranked_alike, text_weights

TEXT = "pottery class on Friday"
TURNS = [
    ("Caroline", "That pottery class on Friday! A pottery class on Friday sounds fun."),
    ("Melanie", "My pottery class on Friday was fun."),
]


def weights(first_person: float) -> AxisWeights:
    return text_weights(first_person=first_person)


def test_a_text_speaks_in_the_first_person_when_it_holds_a_first_person_pronoun() -> None:
    assert speaks_of_self("Melanie: I signed up for a pottery class.")
    assert speaks_of_self("Melanie: We've been camping; the kids loved OUR tent")
    assert speaks_of_self("Caroline: I\u2019m off to the park")
    assert speaks_of_self("Caroline: that one is mine")
    assert not speaks_of_self("Caroline: Wow, that's great! Your painting is lovely.")
    assert not speaks_of_self("Iris: imagine music in Milan")  # words that only start alike
    assert not speaks_of_self("")


def test_episodes_in_the_first_person_get_one_and_everything_else_zero() -> None:
    texts = {1: "I paint.", 2: "Nice painting!"}
    keys = [("v", 1), ("v", 2), ("v", 3), ("f", 1)]
    assert values(keys, texts) == {("v", 1): 1.0, ("v", 2): 0.0, ("v", 3): 0.0, ("f", 1): 0.0}


def test_the_feature_is_left_out_when_it_cannot_order_the_episodes() -> None:
    keys = [("v", 1), ("v", 2)]
    assert values(keys, {1: "I paint.", 2: "We paint."}) is None
    assert values(keys, {1: "Paint.", 2: "Nice."}) is None


async def _add_turns(memory: Memory, namespace: str) -> None:
    await add_turns(memory, namespace, TURNS)


async def test_search_ranks_the_turn_in_the_first_person_first_and_says_why(
    embedding_memory: Memory, namespace: str
) -> None:
    await _add_turns(embedding_memory, namespace)
    order, hits = await orders(embedding_memory, namespace, TEXT, "first_person")
    assert order == {0.0: ["t0", "t1"], 1.0: ["t1", "t0"]}
    assert hits[0].scores["first_person"] == pytest.approx(1.0)
    assert "first person" in hits[0].reasons["first_person"]
    assert "first_person" not in hits[1].scores  # the reaction adds nothing


async def test_the_english_rules_stay_out_of_a_namespace_in_another_language(
    embedding_memory: Memory,
) -> None:
    """A question mark and first-person pronouns are English rules: a namespace indexed
    under another text search configuration ranks without them."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    await embedding_memory.create_namespace(name, text_config="german")
    try:
        await _add_turns(embedding_memory, name)
        await embedding_memory.add_episodes(
            name, [EpisodeWrite(text="Was your pottery class on Friday fun?", uid="t2")]
        )
        both = dataclasses.replace(weights(1.0), statement=1.0)
        q = SearchQuery(text=TEXT, types=("episodes",), weights=both, k=3)
        hits = (await embedding_memory.search(name, q)).hits
        assert len(hits) == 3
        for hit in hits:
            assert not {"first_person", "statement"} & set(hit.scores), hit.scores
    finally:
        await embedding_memory.delete_namespace(name)


async def test_rest_mcp_and_the_client_take_the_weight_and_rank_as_python(
    embedding_memory: Memory, namespace: str
) -> None:
    await _add_turns(embedding_memory, namespace)
    q = SearchQuery(text=TEXT, types=("episodes",), weights=weights(1.0), k=2)
    body = {"text": TEXT, "types": ["episodes"], "k": 2, "weights": _weights_json(1.0)}
    python = await ranked_alike(embedding_memory, namespace, q, body, "first_person")
    assert python[0] == ("t1", pytest.approx(1.0))


def _weights_json(first_person: float) -> dict[str, float]:
    w = weights(first_person)
    names = ("keyword", "vector", "nearby_keyword", "nearby_vector", "speaker", "statement")
    return {**{n: getattr(w, n) for n in names}, "first_person": w.first_person}
