"""Session context: what an episode of a conversation is indexed and embedded with.

A turn of a conversation is often unreadable alone ("Yes, last week!"). An episode
with a ``session`` is therefore keyword-indexed together with the text of the
session's previous episode (kept on it as its ``preceding`` property, which is one of
the vertex text properties) and embedded together with the session's next episode:
when that next episode arrives, the previous one is embedded again, with it. The
newest episode of a session is embedded alone until its successor arrives.

"Previous" and "next" are by (reference time, uid), the order ``LinkStage`` draws
``PRECEDES`` in. Turns are expected in order: one that arrives after a later turn of
its session was stored gets its context from the turns before it, but the later turn
keeps the context it was built with (as its ``PRECEDES`` link does). Which neighbour
each index takes was chosen by leave-one-conversation-out cross-validation on LoCoMo
(docs/performance.md, "LoCoMo").
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.graph import GraphContext
from kgmem.ingest.types import Work
from kgmem.model import EntityWrite
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage import ingest as ingest_store
from kgmem.storage import vertices as vertex_store

PRECEDING = "preceding"


def embedded_text(text: str, following: str | None) -> str:
    """What an episode's vector embeds: its text, then its successor's if known."""
    return f"{text}\n{following}" if following else text


def _key(work: Work) -> tuple[str, str]:
    return (work.reference_time.isoformat(), work.episode_uid)


def neighbours(works: Sequence[Work]) -> dict[str, tuple[Work | None, Work | None]]:
    """Per episode uid of a session episode: its previous and next episode of the same
    session within ``works`` (None where the batch has none)."""
    by_session: dict[str, list[Work]] = {}
    for w in works:
        if w.episode.session:
            by_session.setdefault(w.episode.session, []).append(w)
    found: dict[str, tuple[Work | None, Work | None]] = {}
    for members in by_session.values():
        members.sort(key=_key)
        for i, w in enumerate(members):
            before = members[i - 1] if i > 0 else None
            after = members[i + 1] if i + 1 < len(members) else None
            found[w.episode_uid] = (before, after)
    return found


def embedded_texts(works: Sequence[Work]) -> list[str]:
    """Each episode's text to embed (its successor in the batch appended), and, as a
    side effect, ``preceding`` set from its predecessor in the batch."""
    near = neighbours(works)
    texts = []
    for w in works:
        before, after = near.get(w.episode_uid, (None, None))
        if before is not None:
            w.preceding = before.episode.text
        texts.append(embedded_text(w.episode.text, after.episode.text if after else None))
    return texts


async def stored_predecessors(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, works: Sequence[Work]
) -> list[EntityWrite]:
    """For each session's first episode in ``works``: its ``preceding`` from the latest
    stored episode of the session before it, and that stored episode rewritten with
    a vector that embeds it followed by the new one (when an embedder is configured)."""
    near = neighbours(works)
    firsts = [w for w in works if w.episode.session and near[w.episode_uid][0] is None]
    if not firsts:
        return []
    rows = await ingest_store.session_predecessors(
        conn,
        ns,
        [(f"session:{w.episode.session}", w.reference_time, w.episode_uid) for w in firsts],
    )
    previous = {r.episode: r.previous for r in rows if r.previous is not None}
    rewrites: list[tuple[EntityWrite, str]] = []
    for w in firsts:
        uid = previous.get(w.episode_uid)
        stored = await vertex_store.get(conn, ns, uid) if uid else None
        if stored is None or stored.label != "Episode":
            continue
        text = str(stored.properties.get("text") or "")
        w.preceding = text or None
        props = dict(stored.properties)
        rewrites.append(
            (EntityWrite(stored.uid, "Episode", props), embedded_text(text, w.episode.text))
        )
    if not rewrites or ctx.embedder is None:
        return []
    vectors = await ctx.embedder.embed([t for _, t in rewrites])
    return [
        EntityWrite(e.uid, e.label, e.properties, embedding=v.tolist())
        for (e, _), v in zip(rewrites, vectors, strict=True)
    ]
