"""BM25 probes read each row's score from the index scan (``bm25_get_current_score``)
instead of scoring the row again: same rows in the same order as the statement that
scores every row, scores equal to float4 precision, and when the plan is not the BM25
index scan (the cache is stale) the check sees it and the exact statement runs."""

import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage import keyword_search as kw
from kgmem.storage.filters import ElementFilter

WORDS = ["anvil", "rocket", "engine", "maker", "steel", "orbit"]


async def add_texts(memory: Memory, namespace: str) -> None:
    """40 entities whose summaries repeat words a varying number of times and at
    varying lengths (many exact ties), and facts between them."""
    entities = []
    for i in range(40):
        words = [WORDS[i % 6]] * (1 + i % 3) + [WORDS[(i * 5) % 6]] + ["filler"] * (i % 4)
        entities.append(
            EntityWrite(f"e{i:02d}", "Thing", {"name": f"E{i}", "summary": " ".join(words)})
        )
    facts = [FactWrite(f"e{i:02d}", "RELATES_TO", f"e{(i + 1) % 40:02d}") for i in range(20)]
    await memory.write_batch(namespace, BatchWrite(entities=entities, facts=facts))


async def both(
    conn: Connection, ns: NamespaceRef, text: str, limit: int, exact: bool
) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    hold = kw._scan_scores_hold
    if exact:
        kw._scan_scores_hold = lambda records: False  # type: ignore[assignment]
    try:
        vertices, facts = await kw.search_with_rows(
            conn,
            ns,
            text,
            backend="bm25",
            limit=limit,
            vertices=ElementFilter(),
            facts=ElementFilter(),
        )
    finally:
        kw._scan_scores_hold = hold  # type: ignore[assignment]
    return [(r.id, s) for r, s in vertices], [(r.id, s) for r, s in facts]


def same(a: list[tuple[int, float]], b: list[tuple[int, float]]) -> None:
    assert [i for i, _ in a] == [i for i, _ in b]
    for (_, x), (_, y) in zip(a, b, strict=True):
        assert x == pytest.approx(y, rel=1e-6)


@pytest.mark.parametrize("index_scan", [True, False])
async def test_scan_scores_give_the_exact_statements_answers(
    memory: Memory, namespace: str, index_scan: bool
) -> None:
    if memory.database.keyword_search != "bm25":
        pytest.skip("pg_textsearch is not installed on this server")
    await add_texts(memory, namespace)
    async with memory.database.transaction(readonly=True) as conn:
        ns = await memory.database.namespaces.resolve(conn, namespace)
        if not index_scan:
            await conn.execute("SET LOCAL enable_indexscan = off")
        for text in ["anvil rocket", "steel", "orbit engine maker", "filler anvil", "nothing"]:
            for limit in (1, 3, 50):
                want_v, want_f = await both(conn, ns, text, limit, exact=True)
                got_v, got_f = await both(conn, ns, text, limit, exact=False)
                same(got_v, want_v)
                same(got_f, want_f)
        scores = [s for _, s in (await both(conn, ns, "anvil rocket", 50, exact=True))[0]]
        assert len(set(scores)) < len(scores)  # ties are among the answers


async def test_a_stale_cache_is_caught(memory: Memory, namespace: str) -> None:
    if memory.database.keyword_search != "bm25":
        pytest.skip("pg_textsearch is not installed on this server")
    await add_texts(memory, namespace)
    async with memory.database.transaction(readonly=True) as conn:
        ns = await memory.database.namespaces.resolve(conn, namespace)
        await both(conn, ns, "filler", 1, exact=False)  # leaves a cached score behind
        await conn.execute("SET LOCAL enable_indexscan = off")
        index = f"{ns.name}._kg_vertex_text"
        sql = kw._with_scan_scores(f'"{ns.name}"."_kg_vertex"', "TRUE", index, kw.VERTEX_COLUMNS)
        records = await conn.fetch(sql, "anvil rocket", 50)
        assert records
        assert not kw._scan_scores_hold(records)
