"""The keyword index counts a vertex's own words twice and its context (an episode's
previous turns) once: ``kgmem.embedding.entity_text`` marks where the context starts,
``kgmem.text_vector`` (migration 0043) weighs the two parts."""

from __future__ import annotations

from collections import Counter

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.embedding import entity_text
from kgmem.embedding.text import CONTEXT_SEPARATOR
from kgmem.storage.filters import ElementFilter
from kgmem.storage.graph import namespaces
from kgmem.storage.graph import vertices as vertex_store
from kgmem.storage.indexes import keyword_search as kw
from kgmem.storage.indexes.keyword_search import OWN_WORDS
from kgmem.storage.sql import table

WORDS = st.lists(st.sampled_from(["lisbon", "harbour", "violin", "garden", "tram"]), max_size=6)


async def _tf(conn: asyncpg.Connection, sql: str, *args: object) -> Counter[str]:
    """Each lexeme's count of positions in the tsvector ``sql`` gives."""
    rows = await conn.fetch(
        f"SELECT (u).lexeme, cardinality((u).positions) AS n FROM unnest(({sql})) u", *args
    )
    return Counter({r["lexeme"]: r["n"] for r in rows})


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(own=WORDS, context=WORDS)
async def test_own_words_count_twice_and_the_context_once(
    memory: Memory, own: list[str], context: list[str]
) -> None:
    text = entity_text({"text": " ".join(own), "preceding": " ".join(context)})
    async with memory.database.acquire() as conn:
        got = await _tf(conn, "SELECT kgmem.text_vector('english', $1)", text or "")
        alone = await _tf(conn, "SELECT to_tsvector('english', $1)", " ".join(own))
        around = await _tf(conn, "SELECT to_tsvector('english', $1)", " ".join(context))
    assert got == Counter({k: OWN_WORDS * n for k, n in alone.items()}) + around
    # A document's length (its distinct lexemes) is not changed by the weighing.
    assert len(got) == len(set(alone) | set(around))


async def test_a_turn_saying_the_words_ranks_above_the_turn_after_it(
    memory: Memory, namespace: str
) -> None:
    """The answer says "Lisbon" itself; the short reply after it has it only in its
    context. With the context counted as the turn's own words, the reply would rank
    first: it holds "Lisbon" as often, in fewer distinct words."""
    asked = "Where do you live these days, now that the children have grown up and left?"
    said = "We moved to Lisbon last spring, the whole family and the dog too"
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite("said", "Turn", {"text": said, "preceding": asked}),
                EntityWrite("reply", "Turn", {"text": "How lovely!", "preceding": said}),
            ]
        ),
    )
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        found = await kw.search_vertices(conn, ns, "Lisbon", limit=10, where=ElementFilter())
        rows = await vertex_store.by_ids(conn, ns, [i for i, _ in found])
    assert [rows[i].uid for i, _ in found] == ["said", "reply"]


async def test_a_callers_separator_does_not_start_a_context(memory: Memory) -> None:
    text = entity_text({"name": "Ana", "text": f"violin{CONTEXT_SEPARATOR}harbour"})
    assert text is not None and CONTEXT_SEPARATOR not in text
    async with memory.database.acquire() as conn:
        got = await _tf(conn, "SELECT kgmem.text_vector('english', $1)", text)
    assert got == Counter(dict.fromkeys(["ana", "violin", "harbour"], OWN_WORDS))


async def test_a_facts_separator_does_not_start_a_context(memory: Memory, namespace: str) -> None:
    """A fact's text with the separator is stored with a space there: all of its words
    count as its own."""
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[EntityWrite("ana", "Person", {"name": "Ana"})],
            facts=[
                FactWrite("ana", "PLAYS", "ana", uid="f", text=f"violin{CONTEXT_SEPARATOR}harbour")
            ],
        ),
    )
    async with memory.database.acquire() as conn:
        side = table(namespace, "_kg_fact")
        assert await conn.fetchval(f"SELECT text FROM {side} WHERE uid = 'f'") == "violin harbour"
        got = await _tf(conn, f"SELECT tsv FROM {side} WHERE uid = 'f'")
    assert got == Counter(dict.fromkeys(["violin", "harbour"], OWN_WORDS))
