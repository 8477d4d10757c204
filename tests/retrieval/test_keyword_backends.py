"""Keyword search: BM25 through pg_textsearch, and the PostgreSQL full-text ranking used
where pg_textsearch is missing, agree on what matches."""

import pytest

from kgmem import Memory
from kgmem.storage import keyword_search as kw
from kgmem.storage import namespaces
from kgmem.storage import vertices as vertex_store
from kgmem.storage.filters import ElementFilter
from tests.retrieval.graphs import add_people


@pytest.mark.parametrize("backend", ["bm25", "fulltext"])
async def test_both_backends_find_the_matching_texts(
    memory: Memory, namespace: str, backend: kw.Backend
) -> None:
    if backend == "bm25" and memory.database.keyword_search != "bm25":
        pytest.skip("pg_textsearch is not installed on this server")
    await add_people(memory, namespace)
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        found = await kw.search_vertices(
            conn, ns, "makers of anvils", backend=backend, limit=10, where=ElementFilter()
        )
        people = await kw.search_vertices(
            conn,
            ns,
            "rocket",
            backend=backend,
            limit=10,
            where=ElementFilter(labels=("Person",)),
        )
        names = await vertex_store.by_ids(conn, ns, [i for i, _ in found + people])
        facts = await kw.search_facts(conn, ns, "globex", backend=backend, limit=10)
    assert names[found[0][0]].uid == "acme"
    assert all(score > 0 for _, score in found)
    assert sorted(names[i].uid for i, _ in people) == ["alice", "bob"]
    assert len(facts) == 1
