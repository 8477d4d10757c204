"""Property: the keyword statistics equal a plain recomputation from the live rows after
any sequence of writes, rewrites, deletes, merges and compactions, with no rebuild; and
BM25 ranks what is written at once, by every writer, concurrently.

``KGMEM_PROPERTY_EXAMPLES`` sets how many sequences are tried (default 10)."""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import KgmemError
from kgmem.storage.indexes import text_index
from tests.graph.test_invariants import Runner, replay, store  # noqa: F401 (the fixture)

EXAMPLES = int(os.environ.get("KGMEM_PROPERTY_EXAMPLES", "10"))
UIDS = ["a", "b", "c", "d", "e"]
# Words that stem alike ("runs", "running"), stop words, and words of other scripts.
WORDS = ["runs", "running", "ran", "the", "of", "anvil", "anvils", "größe", "東京", "42", "x"]

texts = st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join)


@dataclass(frozen=True)
class Put:
    uid: str
    text: str


@dataclass(frozen=True)
class Delete:
    uid: str


@dataclass(frozen=True)
class Link:
    subject: str
    object: str
    text: str


@dataclass(frozen=True)
class Merge:
    keep: str
    other: str


@dataclass(frozen=True)
class Compact:
    pass


uids = st.sampled_from(UIDS)
operations = st.lists(
    st.one_of(
        st.builds(Put, uids, texts),
        st.builds(Delete, uids),
        st.builds(Link, uids, uids, texts),
        st.builds(Merge, uids, uids),
        st.just(Compact()),
    ),
    max_size=14,
)


async def apply(memory: Memory, namespace: str, op: object) -> None:
    """One operation; those the store refuses (a missing entity, a self-merge) are fine:
    the statistics must hold whatever was refused."""
    try:
        match op:
            case Put(uid, text):
                await memory.upsert_entity(namespace, EntityWrite(uid, "Note", {"name": text}))
            case Delete(uid):
                await memory.delete_entity(namespace, uid)
            case Link(subject, obj, text):
                await memory.write_batch(
                    namespace,
                    BatchWrite(
                        entities=[EntityWrite(subject), EntityWrite(obj)],
                        facts=[FactWrite(subject, "SAYS", obj, {"note": text})],
                    ),
                )
            case Merge(keep, other):
                await memory.merge_entities(namespace, keep, other)
            case Compact():
                async with memory.database.transaction() as conn:
                    await text_index.compact(conn, namespace)
    except KgmemError:
        pass


async def statistics_hold(memory: Memory, namespace: str) -> list[text_index.TextIndexCheck]:
    return [check for check, _ in await memory.check_keyword_index(namespace)]


async def run_sequence(memory: Memory, ops: list[object]) -> None:
    namespace = f"s_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(namespace)
    try:
        for op in ops:
            await apply(memory, namespace, op)
        for check in await statistics_hold(memory, namespace):
            assert check.ok, check
    finally:
        await memory.delete_namespace(namespace)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_statistics_equal_the_rows_after_any_sequence(
    store: tuple[Runner, Memory],  # noqa: F811
    ops: list[object],
) -> None:
    replay(store, run_sequence, ops)


async def test_concurrent_writers_keep_exact_statistics_and_are_all_found(
    memory: Memory, namespace: str
) -> None:
    """Eight writers on one namespace at once (with compactions between), under a hard
    limit: every word written is found at once, and the statistics are exact."""

    async def writer(w: int) -> None:
        for k in range(10):
            uid = f"w{w}k{k}"
            await memory.upsert_entity(
                namespace, EntityWrite(uid, "Note", {"name": f"zq{w}x{k}q note"})
            )
            if k % 3 == 0:
                async with memory.database.transaction() as conn:
                    await text_index.compact(conn, namespace)

    async with asyncio.timeout(120):
        await asyncio.gather(*(writer(w) for w in range(8)))
    for check in await statistics_hold(memory, namespace):
        assert check.ok, check
    from kgmem.model import AxisWeights, SearchQuery

    only = AxisWeights(keyword=1, vector=0, temporal=0, spatial=0, causal=0, graph=0)
    for w in range(8):
        for k in range(10):
            found = await memory.search(
                namespace, SearchQuery(text=f"zq{w}x{k}q", weights=only, k=1)
            )
            assert [h.uid for h in found.hits] == [f"w{w}k{k}"]


@settings(max_examples=EXAMPLES * 4, deadline=None)
@given(text=st.text(st.characters(exclude_categories=("Cs",)), max_size=200))
def test_any_text_is_indexed_and_any_query_answers(
    store: tuple[Runner, Memory],  # noqa: F811
    text: str,
) -> None:
    """Whatever the text (any script, quotes, backslashes, tsquery syntax), writing it
    keeps the statistics exact and a keyword search for it answers, finding it unless
    it has no indexed word."""
    runner, memory = store

    async def run() -> None:
        from kgmem.model import AxisWeights, SearchQuery

        namespace = f"u_{uuid.uuid4().hex[:12]}"
        await memory.create_namespace(namespace)
        try:
            clean = text.replace("\x00", "")
            await memory.upsert_entity(namespace, EntityWrite("t", "Note", {"name": clean}))
            only = AxisWeights(keyword=1, vector=0, temporal=0, spatial=0, causal=0, graph=0)
            async with asyncio.timeout(10):
                # A search of nothing but white space is refused (test_bad_input covers it).
                query = clean if clean.strip() else "x"
                found = await memory.search(namespace, SearchQuery(text=query, weights=only))
            for check in await statistics_hold(memory, namespace):
                assert check.ok, check
            documents = (await statistics_hold(memory, namespace))[0].documents
            assert [h.uid for h in found.hits] == (["t"] if documents and clean.strip() else [])
        finally:
            await memory.delete_namespace(namespace)

    runner.run(run())
