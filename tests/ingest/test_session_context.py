"""Session context: an episode of a session is keyword-indexed with its previous
turns' text and embedded with its successor's and its previous turns' topics,
rewritten when a neighbour arrives."""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory, Settings
from kgmem.embedding.local import LocalEmbedder
from kgmem.embedding.provider import Vectors
from kgmem.embedding.text import CONTEXT_SEPARATOR
from kgmem.ingest import EpisodeWrite
from kgmem.ingest.session_context import (
    PRECEDING_TURNS,
    embedded_text,
    embedded_texts,
    neighbours,
    preceding_text,
    topics,
)
from kgmem.ingest.types import Work
from kgmem.model import EmbeddingInfo
from kgmem.settings.config import EmbeddingSettings

T0 = datetime(2024, 5, 15, 12, tzinfo=UTC)
TURNS = [
    "Caroline: I went to the LGBTQ support group yesterday.",
    "Melanie: How did it go?",
    "Caroline: It was powerful, the transgender stories moved me.",
]


def turn(i: int, session: str | None = "s1") -> EpisodeWrite:
    return EpisodeWrite(
        text=TURNS[i], uid=f"t{i}", reference_time=T0 + timedelta(seconds=i), session=session
    )


async def _stored(raw_conn, namespace: str, uid: str) -> tuple[str, list[float]]:
    row = await raw_conn.fetchrow(
        f'SELECT v.text, x.embedding::text AS e FROM "{namespace}"._kg_vertex v '
        f'JOIN "{namespace}"._kg_vertex_vector x USING (id) WHERE v.uid = $1',
        uid,
    )
    return row["text"], eval(row["e"])


async def test_turns_take_their_neighbours_across_batches(
    embedding_memory: Memory, namespace: str, local_embedder: LocalEmbedder, raw_conn
) -> None:
    await embedding_memory.add_episodes(namespace, [turn(0)])
    alone = (await local_embedder.embed([TURNS[0]]))[0]
    assert np.allclose((await _stored(raw_conn, namespace, "t0"))[1], alone, atol=1e-4)
    # The next two arrive together, in reverse order: order is by time, not position.
    outs = await embedding_memory.add_episodes(namespace, [turn(2), turn(1)])
    assert [o.status for o in outs] == ["done", "done"]
    expected = await local_embedder.embed(
        [f"{TURNS[0]}\n{TURNS[1]}", f"{TURNS[1]}\n{TURNS[2]}", TURNS[2]]
    )
    for i, vector in enumerate(expected):
        text, stored = await _stored(raw_conn, namespace, f"t{i}")
        assert np.allclose(stored, vector, atol=1e-4), i
        # Keyword search sees the turn itself, then its previous turns as its context.
        assert text == _indexed(TURNS, i)
    episode = await embedding_memory.get_episode(namespace, "t1")
    assert episode.properties["preceding"] == TURNS[0]
    assert episode.properties["text"] == TURNS[1]


async def test_a_retry_keeps_the_context(
    embedding_memory: Memory, namespace: str, raw_conn
) -> None:
    await embedding_memory.add_episodes(namespace, [turn(0), turn(1)])
    before = await _stored(raw_conn, namespace, "t1")
    out = await embedding_memory.retry_episode(namespace, "t1")
    assert out.status == "done"
    assert await _stored(raw_conn, namespace, "t1") == before


async def test_episodes_without_a_session_are_embedded_alone(
    embedding_memory: Memory, namespace: str, local_embedder: LocalEmbedder, raw_conn
) -> None:
    await embedding_memory.add_episodes(namespace, [turn(0, None), turn(1, None)])
    expected = await local_embedder.embed(TURNS[:2])
    for i in range(2):
        text, stored = await _stored(raw_conn, namespace, f"t{i}")
        assert text == TURNS[i]
        assert np.allclose(stored, expected[i], atol=1e-4)


def _vector_text(turns: list[str], i: int) -> str:
    """What the vector of turn ``i`` should embed: it, its next turn, and the topics of
    its previous turns."""
    following = turns[i + 1] if i + 1 < len(turns) else None
    return embedded_text(
        turns[i], following, preceding_text(turns[max(0, i - PRECEDING_TURNS) : i])
    )


def test_a_turn_is_embedded_with_the_topics_of_its_previous_turns() -> None:
    assert _vector_text(MANY, 0) == f"{MANY[0]}\n{MANY[1]}"
    assert topics(f"{MANY[0]}\n{MANY[1]}") == "rose garden, oak garden"
    assert _vector_text(MANY, 2) == f"{MANY[2]}\n{MANY[3]}\n(rose garden, oak garden)"
    # A phrase said again moves to the end; only the latest ones are kept.
    told = topics("\n".join(f"the {g} garden" for g in (*GARDENS, "rose", "elm")))
    assert told is not None
    assert told.split(", ")[-2:] == ["rose garden", "elm garden"]
    assert len(told.split(", ")) == 8 and "oak garden" not in told


def _indexed(turns: list[str], i: int) -> str:
    """What keyword search should see of turn ``i``: it, then after the context
    separator its previous turns."""
    before = turns[max(0, i - PRECEDING_TURNS) : i]
    return turns[i] + (CONTEXT_SEPARATOR + "\n".join(before) if before else "")


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", None]), st.integers(0, 5)), min_size=1, max_size=12
    )
)
def test_each_session_is_one_chain_in_time_order(rows: list[tuple[str | None, int]]) -> None:
    works = [
        Work("ns", f"e{i}", EpisodeWrite(text=f"w{i}", session=s), T0 + timedelta(seconds=t))
        for i, (s, t) in enumerate(rows)
    ]
    texts = embedded_texts(works)
    near = neighbours(works)
    for w, text in zip(works, texts, strict=True):
        if not w.episode.session:
            assert w.episode_uid not in near and text == w.episode.text and w.preceding is None
            continue
        before, after = near[w.episode_uid]
        assert text == w.episode.text + (f"\n{after.episode.text}" if after else "")
        assert w.preceding == ("\n".join(b.episode.text for b in before) or None)
        assert len(before) <= PRECEDING_TURNS
        for other in (*before, after):
            assert other is None or other.episode.session == w.episode.session
        if after is not None:
            assert near[after.episode_uid][0][-1] is w
            kept = before[max(0, len(before) - PRECEDING_TURNS + 1) :]
            assert near[after.episode_uid][0][:-1] == kept


async def _assert_chain(
    raw_conn, namespace: str, local_embedder: LocalEmbedder, turns: list[str]
) -> None:
    """Each turn indexed after its previous turns and embedded before its next one,
    with its previous turns' topics."""
    expected = await local_embedder.embed([_vector_text(turns, i) for i in range(len(turns))])
    for i, vector in enumerate(expected):
        text, stored = await _stored(raw_conn, namespace, f"t{i}")
        assert text == _indexed(turns, i), i
        assert np.allclose(stored, vector, atol=1e-4), i


async def test_a_turn_that_arrives_after_a_later_one_takes_and_gives_its_context(
    embedding_memory: Memory, namespace: str, local_embedder: LocalEmbedder, raw_conn
) -> None:
    # The last turn first, then the first, then the middle one, each alone.
    for i in (2, 0, 1):
        await embedding_memory.add_episodes(namespace, [turn(i)])
    await _assert_chain(raw_conn, namespace, local_embedder, TURNS)
    episode = await embedding_memory.get_episode(namespace, "t2")
    assert episode.properties["preceding"] == f"{TURNS[0]}\n{TURNS[1]}"


GARDENS = ("rose", "oak", "lily", "fern", "moss", "pine", "sage", "mint")
MANY = [f"Speaker {i % 2}: turn number {i} about the {g} garden" for i, g in enumerate(GARDENS)]


def many(i: int) -> EpisodeWrite:
    return EpisodeWrite(
        text=MANY[i], uid=f"t{i}", reference_time=T0 + timedelta(seconds=i), session="s1"
    )


async def test_turns_sent_one_at_a_time_keep_their_previous_turns_when_the_next_arrives(
    embedding_memory: Memory, namespace: str, local_embedder: LocalEmbedder, raw_conn
) -> None:
    # Each new turn gives the stored one before it a new next turn only: that one keeps
    # the previous turns it was indexed with, though the building reads no further back.
    for i in range(5):
        await asyncio.wait_for(embedding_memory.add_episodes(namespace, [many(i)]), 60)
    await _assert_chain(raw_conn, namespace, local_embedder, MANY[:5])


async def test_a_turn_that_arrives_late_reaches_every_later_turn_whose_context_it_is(
    embedding_memory: Memory, namespace: str, local_embedder: LocalEmbedder, raw_conn
) -> None:
    # Turn 2 arrives last: turns 3 and 4 take it among their previous turns, turn 1
    # takes it as its next, and turn 5 (further on) is left as it was.
    for i in (0, 1, 3, 4, 5, 2):
        await asyncio.wait_for(embedding_memory.add_episodes(namespace, [many(i)]), 60)
    await _assert_chain(raw_conn, namespace, local_embedder, MANY[:6])


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.permutations(range(len(MANY))))
async def test_concurrent_requests_of_one_session_get_the_same_context_in_any_order(
    embedding_memory: Memory, local_embedder: LocalEmbedder, raw_conn, order: list[int]
) -> None:
    # Sent together, the requests reach the building queue in any order (each embeds its
    # turn first); whatever the order, the stored turns end as one chain.
    namespace = f"sc_{uuid.uuid4().hex[:12]}"
    await embedding_memory.create_namespace(namespace)
    try:
        await asyncio.wait_for(
            asyncio.gather(*(embedding_memory.add_episodes(namespace, [many(i)]) for i in order)),
            timeout=120,
        )
        await _assert_chain(raw_conn, namespace, local_embedder, MANY)
    finally:
        await embedding_memory.delete_namespace(namespace)


class _Recording:
    """The local model, recording every text it is asked to embed."""

    def __init__(self, model: LocalEmbedder) -> None:
        self.model = model
        self.texts: list[str] = []

    @property
    def info(self) -> EmbeddingInfo:
        return self.model.info

    @property
    def loaded(self) -> bool:
        return self.model.loaded

    async def embed(self, texts: Sequence[str]) -> Vectors:
        self.texts += texts
        return await self.model.embed(texts)

    async def load(self) -> None:
        await self.model.load()

    async def close(self) -> None:
        return None


async def test_a_turn_sent_after_stored_ones_is_embedded_once_with_their_topics(
    settings: Settings, namespace: str, local_embedder: LocalEmbedder, raw_conn
) -> None:
    recording = _Recording(local_embedder)
    opened = await Memory.open(
        settings.model_copy(update={"embedding": EmbeddingSettings(provider="local")}),
        embedder=recording,
    )
    try:
        for i in range(3):
            await opened.add_episodes(namespace, [many(i)])
    finally:
        await opened.close()
    # Each new turn once, with the stored turns' topics; each stored predecessor once
    # more, with its new next turn.
    assert sorted(recording.texts) == sorted(
        [
            MANY[0],
            _vector_text(MANY[:2], 1),
            _vector_text(MANY[:2], 0),
            _vector_text(MANY[:3], 2),
            _vector_text(MANY[:3], 1),
        ]
    )
    await _assert_chain(raw_conn, namespace, local_embedder, MANY[:3])
