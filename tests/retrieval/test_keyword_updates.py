"""An entity rewritten in place stays findable by keyword search after VACUUM (the BM25
index loses a row updated without an index entry once VACUUM prunes its old version)."""

import asyncpg

from kgmem import BatchWrite, EntityWrite, Memory
from kgmem.model import AxisWeights, SearchQuery

KEYWORD = AxisWeights(keyword=1.0, vector=0.0, graph=0.0)


def _note(i: int, **more: object) -> EntityWrite:
    return EntityWrite(f"doc{i}", "Note", {"text": f"common words plus word{i} and more", **more})


async def test_rewritten_rows_stay_in_the_keyword_index_after_vacuum(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    n = 200
    for start in range(0, n, 20):
        batch = range(start, start + 20)
        await memory.write_batch(namespace, BatchWrite(entities=[_note(i) for i in batch]))
        # Rewritten with the text unchanged, as building rewrites an episode's status.
        await memory.write_batch(namespace, BatchWrite(entities=[_note(i, seen=2) for i in batch]))
    await raw_conn.execute(f'VACUUM "{namespace}"._kg_vertex')
    query = SearchQuery(text="common words", k=n, weights=KEYWORD)
    found = {h.uid for h in (await memory.search(namespace, query)).hits}
    assert found == {f"doc{i}" for i in range(n)}
    for i in (0, 77, n - 1):
        query = SearchQuery(text=f"word{i}", k=1, weights=KEYWORD)
        assert [h.uid for h in (await memory.search(namespace, query)).hits] == [f"doc{i}"]
