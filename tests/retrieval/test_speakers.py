"""Speaker favouring: a search text that names a speaker favours that speaker's episodes
in the minmax fusion, as one more weighted feature."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.ingest import EpisodeWrite
from kgmem.model import AxisWeights, SearchQuery
from kgmem.retrieval.fusion import Feature, Scored, fuse
from kgmem.retrieval.speakers import named

T0 = datetime(2024, 5, 15, 12, tzinfo=UTC)


def test_a_speaker_is_named_by_the_whole_name_in_any_case() -> None:
    speakers = {1: "Caroline", 2: "Melanie", 3: "Jon", 4: "Mary Ann", 5: "  "}
    assert named("What did caroline research?", speakers) == {1}
    assert named("Did Jonathan or Melanie go?", speakers) == {2}  # "Jon" is not "Jonathan"
    assert named("When did Mary Ann and Jon meet?", speakers) == {3, 4}
    assert named("Who went to Mary's?", speakers) == set()
    assert named("", speakers) == set()


_names = st.text(st.characters(categories=("Lu", "Ll")), min_size=1, max_size=8)


@given(
    name=_names,
    before=st.sampled_from(["", "Did ", "(", "ask "]),
    after=st.sampled_from(["", "?", " say", "'s"]),
)
def test_a_name_between_non_letters_is_found_and_inside_a_word_is_not(
    name: str, before: str, after: str
) -> None:
    assert named(f"{before}{name}{after}", {7: name}) == {7}
    assert named(f"x{name}y", {7: name}) == set()


def _axes() -> dict[str, dict[str, Scored]]:
    # Two turns the text axes find equally; a third found less.
    return {
        "keyword": {"mine": Scored(0.5, ""), "theirs": Scored(0.5, ""), "weak": Scored(0.1, "")},
        "vector": {"mine": Scored(0.7, ""), "theirs": Scored(0.7, ""), "weak": Scored(0.3, "")},
    }


def test_the_favoured_turn_rises_above_an_equal_one_by_its_weight() -> None:
    weights = {"keyword": 0.5, "vector": 0.3}
    plain = {f.key: f.score for f in fuse(_axes(), weights, method="minmax")}
    assert plain["mine"] == pytest.approx(plain["theirs"])
    favoured = Feature(0.2, {"mine": 1.0})
    mixed = fuse(_axes(), weights, method="minmax", features=[favoured])
    scores = {f.key: f.score for f in mixed}
    assert mixed[0].key == "mine"
    # A weighted mean over the axes and the feature: (0.8 * plain + 0.2 * 1) / 1.0.
    assert scores["mine"] == pytest.approx((0.8 * plain["mine"] + 0.2) / 1.0)
    assert scores["theirs"] == pytest.approx(0.8 * plain["theirs"])


_score = st.floats(0.0, 1.0)
_keys = st.sampled_from([f"k{i}" for i in range(8)])


@given(
    keyword=st.dictionaries(_keys, _score, min_size=1, max_size=8),
    vector=st.dictionaries(_keys, _score, min_size=1, max_size=8),
    favoured=st.sets(_keys),
    weight=st.floats(0.0, 2.0),
)
def test_favouring_never_lowers_a_favoured_candidate_below_one_it_led(
    keyword: dict[str, float], vector: dict[str, float], favoured: set[str], weight: float
) -> None:
    axes = {
        "keyword": {k: Scored(v, "") for k, v in keyword.items()},
        "vector": {k: Scored(v, "") for k, v in vector.items()},
    }
    weights = {"keyword": 0.5, "vector": 0.3}
    before = {f.key: f.score for f in fuse(axes, weights, method="minmax")}
    feature = Feature(weight, dict.fromkeys(favoured, 1.0))
    after = {f.key: f.score for f in fuse(axes, weights, method="minmax", features=[feature])}
    assert set(after) == set(before)
    for a in favoured & set(before):
        for b in set(before) - favoured:
            if before[a] > before[b] + 1e-9:
                assert after[a] > after[b] - 1e-9
    if weight == 0 or not favoured & set(before):
        assert after == pytest.approx(before)


async def _two_speakers(memory: Memory, namespace: str) -> None:
    turns = [
        ("Caroline", "I painted a lighthouse at sunrise last weekend."),
        ("Melanie", "I painted a lighthouse at sunrise last weekend."),
        ("Melanie", "The kids loved the beach."),
    ]
    await memory.add_episodes(
        namespace,
        [
            EpisodeWrite(
                text=text,
                uid=f"t{i}",
                speaker=speaker,
                reference_time=T0 + timedelta(days=i),
            )
            for i, (speaker, text) in enumerate(turns)
        ],
    )


async def test_search_favours_the_turns_of_the_speaker_the_question_names(
    embedding_memory: Memory, namespace: str
) -> None:
    await _two_speakers(embedding_memory, namespace)
    text = "What did Melanie paint at sunrise?"
    for weight, first in ((0.0, "t0"), (0.2, "t1")):
        weights = AxisWeights(keyword=0.5, vector=0.3, nearby_keyword=0, speaker=weight)
        q = SearchQuery(text=text, types=("episodes",), weights=weights, k=3)
        hits = (await embedding_memory.search(namespace, q)).hits
        # Without the feature the two equal turns tie and the uid decides.
        assert hits[0].uid == first, weight
    # An axis searched alone ranks by its own scores.
    alone = AxisWeights(keyword=1, vector=0, graph=0, speaker=0.5)
    q = SearchQuery(text=text, types=("episodes",), weights=alone, k=3)
    assert (await embedding_memory.search(namespace, q)).hits[0].uid == "t0"
