"""Session context: what an episode of a conversation is indexed and embedded with.

A turn of a conversation is often unreadable alone ("Yes, last week!"). An episode
with a ``session`` is therefore keyword-indexed together with the text of the
session's previous episode (kept on it as its ``preceding`` property, which is one of
the vertex text properties) and embedded together with the session's next episode.
The newest episode of a session is embedded alone until its successor arrives.

"Previous" and "next" are by (reference time, uid), the order ``LinkStage`` draws
``PRECEDES`` in, over the batch being built and the episodes already stored, whatever
order they arrive in: building looks up each episode's stored predecessor and
successor (``stored_neighbours``, under the namespace's building lock, so two batches
never miss each other) and rewrites them when the new episode comes between: the
predecessor is embedded again with the new episode as its next, the successor is
indexed again with the new episode as its previous. Which neighbour each index takes
was chosen by leave-one-conversation-out cross-validation on LoCoMo
(docs/performance.md, "LoCoMo").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kgmem.graph import GraphContext
from kgmem.ingest.types import Work
from kgmem.model import Entity, EntityWrite
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
    side effect, ``preceding`` and ``following`` set from its neighbours in the batch."""
    near = neighbours(works)
    for w in works:
        before, after = near.get(w.episode_uid, (None, None))
        w.preceding = before.episode.text if before is not None else None
        w.following = after.episode.text if after is not None else None
    return texts_of(works)


def texts_of(works: Sequence[Work]) -> list[str]:
    """Each episode's text to embed, with the ``following`` it has been given."""
    return [embedded_text(w.episode.text, w.following) for w in works]


@dataclass(slots=True)
class _Rewrite:
    """A stored episode whose context a new one changes."""

    stored: Entity
    preceding: str | None = None  # its new previous turn's text
    following: str | None = None  # its new next turn's text


async def stored_neighbours(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, works: Sequence[Work]
) -> list[EntityWrite]:
    """Each session episode of ``works`` with its context over the batch and the stored
    episodes (``preceding`` and ``following`` set; the nearer of the batch's and the
    stored neighbour wins), and the stored neighbours whose context it changes,
    rewritten: a stored predecessor embedded again with its new next turn, a stored
    successor indexed with its new previous turn (and embedded again with its own next
    one). Nothing to rewrite without an embedder."""
    embedded_texts(works)
    members = [w for w in works if w.episode.session]
    if not members:
        return []
    asks = [(f"session:{w.episode.session}", w.reference_time, w.episode_uid) for w in members]
    batch = {w.episode_uid for w in works}
    found_before = await ingest_store.session_predecessors(conn, ns, asks)
    found_after = await ingest_store.session_successors(conn, ns, asks)
    before = {r.episode: (r.previous_at, r.previous) for r in found_before if r.previous}
    after = {r.episode: (r.previous_at, r.previous) for r in found_after if r.previous}
    near = neighbours(works)
    rewrites: dict[str, _Rewrite] = {}
    for w in members:
        mine, theirs = near[w.episode_uid]
        at = before.get(w.episode_uid)
        if at and at[1] not in batch and (mine is None or _nearer(at, _place(mine), -1)):
            text = await _rewrite(conn, ns, rewrites, at[1], following=w.episode.text)
            w.preceding = text if text is not None else w.preceding
        at = after.get(w.episode_uid)
        if at and at[1] not in batch and (theirs is None or _nearer(at, _place(theirs), 1)):
            text = await _rewrite(conn, ns, rewrites, at[1], preceding=w.episode.text)
            w.following = text if text is not None else w.following
    if not rewrites or ctx.embedder is None:
        return []
    await _stored_following(conn, ns, [r for r in rewrites.values() if r.following is None])
    items = [
        (
            EntityWrite(
                r.stored.uid,
                "Episode",
                {**r.stored.properties, **({PRECEDING: r.preceding} if r.preceding else {})},
            ),
            embedded_text(_text(r.stored), r.following),
        )
        for r in rewrites.values()
    ]
    vectors = await ctx.embedder.embed([t for _, t in items])
    return [
        EntityWrite(e.uid, e.label, e.properties, embedding=v.tolist())
        for (e, _), v in zip(items, vectors, strict=True)
    ]


def _place(work: Work) -> tuple[datetime, str]:
    return (work.reference_time, work.episode_uid)


def _nearer(stored: tuple[datetime | None, str], batch: tuple[datetime, str], side: int) -> bool:
    """Whether the stored neighbour lies nearer than the batch's one on ``side`` (-1:
    before, 1: after)."""
    if stored[0] is None:
        return False
    return (stored[0], stored[1]) > batch if side < 0 else (stored[0], stored[1]) < batch


def _text(stored: Entity) -> str:
    return str(stored.properties.get("text") or "")


async def _rewrite(
    conn: Connection,
    ns: NamespaceRef,
    rewrites: dict[str, _Rewrite],
    uid: str,
    *,
    preceding: str | None = None,
    following: str | None = None,
) -> str | None:
    """Record a new neighbour of the stored episode ``uid``; its text (None when it is
    not a stored episode)."""
    if uid not in rewrites:
        stored = await vertex_store.get(conn, ns, uid)
        if stored is None or stored.label != "Episode":
            return None
        rewrites[uid] = _Rewrite(stored)
    r = rewrites[uid]
    r.preceding = preceding or r.preceding
    r.following = following or r.following
    return _text(r.stored)


async def _stored_following(conn: Connection, ns: NamespaceRef, todo: list[_Rewrite]) -> None:
    """The stored next turn of each stored episode whose next turn the batch does not
    change (it is embedded again for a new previous turn, with the same next one)."""
    asks = []
    for r in todo:
        at = r.stored.properties.get("occurred_at")
        session = r.stored.properties.get("session")
        when = _when(at)
        if isinstance(session, str) and when is not None:
            asks.append((f"session:{session}", when, r.stored.uid))
    rows = await ingest_store.session_successors(conn, ns, asks) if asks else []
    nexts = {r.episode: r.previous for r in rows if r.previous}
    for r in todo:
        uid = nexts.get(r.stored.uid)
        stored = await vertex_store.get(conn, ns, uid) if uid else None
        if stored is not None and stored.label == "Episode":
            r.following = _text(stored)


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
