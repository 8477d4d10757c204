"""Statement favouring: what tells ranks above an episode that asks, as one more
weighted feature of the minmax fusion, and every hit's reasons name the features that
added to its score."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.ingest import EpisodeWrite
from kgmem.model import AxisWeights, SearchQuery
from kgmem.retrieval.fusion import Feature, Scored, fuse
from kgmem.retrieval.statement_favouring import asks, telling

T0 = datetime(2024, 5, 15, 12, tzinfo=UTC)


def test_an_episode_asks_when_its_last_sentence_mark_is_a_question_mark() -> None:
    assert asks("Caroline: Any more paintings coming up?")
    assert asks("Melanie: Any plans? [shares a photo of a beach]")
    assert not asks("Why? Because I love it.")
    assert not asks("Really?!")
    assert not asks("no mark at all")
    assert not asks("")


_plain = st.text(st.characters(blacklist_characters=".!?"), max_size=20)


@given(head=st.text(max_size=30), mark=st.sampled_from(".!?"), tail=_plain)
def test_only_the_last_mark_decides_whatever_follows_it_without_marks(
    head: str, mark: str, tail: str
) -> None:
    assert asks(f"{head}{mark}{tail}") == (mark == "?")


def test_entities_facts_and_episodes_that_tell_get_one_and_episodes_that_ask_zero() -> None:
    texts = {1: "What did you paint?", 2: "A lighthouse."}
    keys = [("v", 1), ("v", 2), ("v", 3), ("f", 1)]
    assert telling(keys, texts) == {("v", 1): 0.0, ("v", 2): 1.0, ("v", 3): 1.0, ("f", 1): 1.0}


def test_the_feature_reorders_two_equal_candidates_and_is_reported_per_key() -> None:
    axes = {
        "keyword": {"asks": Scored(0.5, ""), "tells": Scored(0.5, ""), "weak": Scored(0.1, "")},
        "vector": {"asks": Scored(0.7, ""), "tells": Scored(0.7, ""), "weak": Scored(0.3, "")},
    }
    weights = {"keyword": 0.5, "vector": 0.3}
    feature = Feature(0.2, {"tells": 1.0, "weak": 1.0, "asks": 0.0}, "statement")
    fused = fuse(
        axes,
        weights,
        method="minmax",
        order={"asks": ("v", "a"), "tells": ("v", "b")},
        features=[feature],
    )
    assert fused[0].key == "tells"
    by_key = {f.key: f for f in fused}
    assert by_key["tells"].features == {"statement": 1.0}
    assert by_key["asks"].features == {}


async def test_search_ranks_the_answer_above_the_question_and_says_why(
    embedding_memory: Memory, namespace: str
) -> None:
    turns = [
        ("Caroline", "Did you paint a lighthouse at sunrise?"),
        ("Melanie", "I did paint a lighthouse at sunrise."),
    ]
    await embedding_memory.add_episodes(
        namespace,
        [
            EpisodeWrite(text=text, uid=f"t{i}", speaker=who, reference_time=T0 + timedelta(days=i))
            for i, (who, text) in enumerate(turns)
        ],
    )
    text = "Did you paint a lighthouse at sunrise?"  # the question's own words
    order = {}
    for weight in (0.0, 1.0):
        weights = AxisWeights(
            keyword=0.5,
            vector=0.2,
            nearby_keyword=0,
            nearby_vector=0,
            speaker=0,
            statement=weight,
            first_person=0,
        )
        q = SearchQuery(text=text, types=("episodes",), weights=weights, k=2)
        hits = (await embedding_memory.search(namespace, q)).hits
        order[weight] = [h.uid for h in hits]
    assert order == {0.0: ["t0", "t1"], 1.0: ["t1", "t0"]}
    assert hits[0].scores["statement"] == pytest.approx(1.0)
    assert "tells rather than asks" in hits[0].reasons["statement"]
    assert "statement" not in hits[1].scores  # the question adds nothing


async def test_every_hit_names_its_nearby_and_speaker_contributions(
    embedding_memory: Memory, namespace: str
) -> None:
    turns = [
        ("Caroline", "What did you paint?"),
        ("Melanie", "A lighthouse at sunrise."),
    ]
    await embedding_memory.add_episodes(
        namespace,
        [
            EpisodeWrite(
                text=text, uid=f"n{i}", speaker=who, reference_time=T0 + timedelta(minutes=i)
            )
            for i, (who, text) in enumerate(turns)
        ],
    )
    weights = AxisWeights(keyword=0.5, vector=0.2, nearby_keyword=0.3, speaker=0.2)
    q = SearchQuery(text="What did Melanie paint?", types=("episodes",), weights=weights, k=2)
    hits = {h.uid: h for h in (await embedding_memory.search(namespace, q)).hits}
    answer = hits["n1"]
    assert answer.scores["nearby_keyword"] > 0
    assert "within an hour" in answer.reasons["nearby_keyword"]
    assert answer.reasons["speaker"] == "the text names its speaker"
    assert "speaker" not in hits["n0"].scores
