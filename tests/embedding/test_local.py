"""The default model, for real: offline, 384 dimensions, unit vectors, meaningful."""

import numpy as np
import pytest

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.embedding.local import LocalEmbedder

pytestmark = pytest.mark.slow


async def test_vectors_are_unit_length_and_384_wide(local_embedder: LocalEmbedder) -> None:
    vectors = await local_embedder.embed(["hello world", "graph databases", ""])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert local_embedder.info.model == "all-MiniLM-L6-v2" and local_embedder.loaded


async def test_related_texts_are_closer_than_unrelated(local_embedder: LocalEmbedder) -> None:
    a, b, c = await local_embedder.embed(
        [
            "Alice is the chief technology officer of Acme",
            "Acme's CTO is named Alice",
            "The weather in Lisbon was sunny and warm",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.2


async def test_same_text_gives_the_same_vector(local_embedder: LocalEmbedder) -> None:
    one = await local_embedder.embed(["determinism"])
    two = await local_embedder.embed(["determinism", "other"])
    assert np.allclose(one[0], two[0], atol=1e-5)


async def test_entities_and_facts_are_embedded_on_write(
    embedding_memory: Memory, namespace: str, local_embedder: LocalEmbedder, raw_conn
) -> None:
    await embedding_memory.upsert_entity(
        namespace, EntityWrite("alice", "Person", {"name": "Alice", "summary": "CTO of Acme"})
    )
    await embedding_memory.upsert_entity(
        namespace, EntityWrite("acme", "Organization", {"name": "Acme"})
    )
    await embedding_memory.upsert_entity(namespace, EntityWrite("blank", "Entity", {"k": 1}))
    fact = await embedding_memory.add_fact(namespace, FactWrite("alice", "WORKS_AT", "acme"))
    stored = await raw_conn.fetchval(
        f'SELECT x.embedding::text FROM "{namespace}"._kg_vertex v '
        f'JOIN "{namespace}"._kg_vertex_vector x USING (id) WHERE v.uid = $1',
        "alice",
    )
    expected = (await local_embedder.embed(["Alice\nCTO of Acme"]))[0]
    assert np.allclose(np.array(eval(stored)), expected, atol=1e-4)
    assert not (await embedding_memory.get_entity(namespace, "blank")).entity.has_embedding
    fact_vec = await raw_conn.fetchval(
        f'SELECT count(*) = 1 FROM "{namespace}"._kg_fact f '
        f'JOIN "{namespace}"._kg_fact_vector x USING (id) WHERE f.uid = $1',
        fact.uid,
    )
    assert fact_vec and fact.text == "Alice works at Acme"


async def test_caller_vector_wins_over_the_model(
    embedding_memory: Memory, namespace: str, raw_conn
) -> None:
    mine = [0.0] * 383 + [1.0]
    await embedding_memory.upsert_entity(
        namespace, EntityWrite("a", "Person", {"name": "A"}, embedding=mine)
    )
    stored = await raw_conn.fetchval(
        f'SELECT x.embedding::text FROM "{namespace}"._kg_vertex v '
        f'JOIN "{namespace}"._kg_vertex_vector x USING (id) WHERE v.uid = $1',
        "a",
    )
    assert eval(stored) == mine


async def test_one_text_on_one_thread_gives_the_batch_vector(
    local_embedder: LocalEmbedder,
) -> None:
    # A single text is encoded on KGMEM_EMBEDDING_QUERY_THREADS threads (1), a batch on
    # torch's default: the vectors must not depend on it.
    batch = await local_embedder.embed(["thread count", "padding text of another length"])
    one = await local_embedder.embed(["thread count"])
    assert np.allclose(one[0], batch[0], atol=1e-5)
