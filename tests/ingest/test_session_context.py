"""Session context: an episode of a session is keyword-indexed with its predecessor's
text and embedded with its successor's, re-embedded when the successor arrives."""

import asyncio
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.embedding.local import LocalEmbedder
from kgmem.ingest import EpisodeWrite
from kgmem.ingest.session_context import embedded_texts, neighbours
from kgmem.ingest.types import Work

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
        # Keyword search sees the previous turn before the turn itself.
        assert text == (f"{TURNS[i - 1]}\n{TURNS[i]}" if i else TURNS[0])
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
        assert w.preceding == (before.episode.text if before else None)
        for other in (before, after):
            assert other is None or other.episode.session == w.episode.session
        if after is not None:
            assert near[after.episode_uid][0] is w


async def test_concurrent_requests_of_one_session_each_get_a_context_of_their_session(
    embedding_memory: Memory, namespace: str, local_embedder: LocalEmbedder, raw_conn
) -> None:
    # Sent together, the requests may reach the building queue in any order (each embeds
    # its turn first), and a turn that arrives after a later one keeps the context it
    # had (the module's documented limit). Whatever the order, each turn is indexed and
    # embedded with neighbours from its own session only, never another's text.
    await asyncio.wait_for(
        asyncio.gather(*(embedding_memory.add_episodes(namespace, [turn(i)]) for i in range(3))),
        timeout=120,
    )
    for i in range(3):
        text, stored = await _stored(raw_conn, namespace, f"t{i}")
        assert text in {TURNS[i], *(f"{TURNS[j]}\n{TURNS[i]}" for j in range(i))}, i
        candidates = [TURNS[i], *(f"{TURNS[i]}\n{TURNS[j]}" for j in range(i + 1, 3))]
        vectors = await local_embedder.embed(candidates)
        assert any(np.allclose(stored, v, atol=1e-4) for v in vectors), i
