"""Embedding imported entities after the load, in batches, outside any long transaction.

Imports write no vectors (embedding a million texts inside the load would make it
model-bound); this fills them in afterwards for every entity that has text and no
vector, and is what ``kgmem embed`` runs. An entity written meanwhile through the API
is embedded on write and so is skipped here.
"""

from __future__ import annotations

from collections.abc import Callable

from kgmem.graph import GraphContext
from kgmem.storage import bulk
from kgmem.storage.graph import namespaces
from kgmem.storage.indexes import embeddings


async def embed_pending(
    ctx: GraphContext, namespace: str, progress: Callable[[int, int], None] | None = None
) -> int:
    """Embed entities with text and no vector; ``progress(done, total)`` after each
    batch. Returns how many were embedded (0 when the store has no embedding model)."""
    if ctx.embedder is None:
        return 0
    async with ctx.db.acquire() as conn:
        ns = await namespaces.resolve(conn, namespace)
        total = await bulk.count_pending_texts(conn, ns)
    done, after = 0, 0
    size = 256
    while True:
        async with ctx.db.acquire() as conn:
            rows = await bulk.pending_texts(conn, ns, after, size)
        if not rows:
            return done
        vectors = await ctx.embedder.embed([text for _, text in rows])
        async with ctx.db.transaction() as conn:
            ids = [i for i, _ in rows]
            await embeddings.store(conn, ns, "vertex", ids, list(vectors), [False] * len(ids))
        done += len(rows)
        after = rows[-1][0]
        if progress:
            progress(done, total)
