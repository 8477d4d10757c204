"""Session context for episode hits: the turns just before and after each one.

An agent that finds one turn of a conversation usually needs the few around it to read
it ("Yes, that one!" answers the turn before). With ``SearchQuery.context`` = n, each
episode hit carries up to n turns before and n after it in its session, in session
order, read through the ``PRECEDES`` chain that building links a session's episodes
with. Episodes written without a session, and entity and fact hits, carry none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from kgmem.model import SearchHit
from kgmem.storage import Connection, NamespaceRef, sessions
from kgmem.storage.graph import vertices as vertex_store


async def attach(
    conn: Connection, ns: NamespaceRef, hits: Sequence[SearchHit], steps: int
) -> list[SearchHit]:
    """``hits`` with each episode hit's neighbouring turns (two statements in all)."""
    episodes = [h.entity.id for h in hits if h.kind == "episode" and h.entity is not None]
    around = await sessions.neighbours(conn, ns, episodes, steps=steps)
    wanted = sorted({i for found in around.values() for _, i in found})
    loaded = await vertex_store.by_ids(conn, ns, wanted) if wanted else {}
    out = []
    for hit in hits:
        found = around.get(hit.entity.id, []) if hit.entity is not None else []
        turns = tuple(loaded[i] for _, i in found if i in loaded)
        out.append(replace(hit, context=turns) if turns else hit)
    return out
