"""Session context: what an episode of a conversation is indexed and embedded with.

A turn of a conversation is often unreadable alone ("Yes, last week!"). An episode
with a ``session`` is therefore keyword-indexed together with the text of the
session's ``PRECEDING_TURNS`` previous episodes (kept on it as its ``preceding``
property, one of the vertex text properties, oldest first) and embedded together with
the session's next episode and the noun phrases of those previous episodes (its
``topics``: what the conversation was about just before, without their wording). The
newest episode of a session is embedded without a next turn until its successor
arrives.

"Previous" and "next" are by (reference time, uid), the order ``LinkStage`` draws
``PRECEDES`` in, over the batch being built and the episodes already stored, whatever
order they arrive in: building reads the stored episodes around each new one
(``stored_neighbours``, under the namespace's building lock, so two batches never miss
each other) and rewrites those whose context the new ones change: the stored
predecessor is embedded again with the new episode as its next, and the stored
successors within ``PRECEDING_TURNS`` are indexed again with their new previous turns.
How many previous turns the keyword index takes and what the vector takes were chosen
by nested leave-one-conversation-out cross-validation on LoCoMo (docs/performance.md,
"LoCoMo": "Which context each index takes" and "The vector axis: models and
contexts").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kgmem.graph import GraphContext
from kgmem.ingest import phrases
from kgmem.ingest.types import Work
from kgmem.model import Entity, EntityWrite
from kgmem.settings.config import LimitSettings
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import bookkeeping as ingest_store
from kgmem.storage.graph import vertices as vertex_store

PRECEDING = "preceding"
PRECEDING_TURNS = 2
TOPIC_PHRASES = 8


def embedded_text(text: str, following: str | None, preceding: str | None = None) -> str:
    """What an episode's vector embeds: its text, then its successor's if known, then
    the noun phrases of its previous turns (``topics``) in parentheses."""
    body = f"{text}\n{following}" if following else text
    told = topics(preceding)
    return f"{body}\n({told})" if told else body


def topics(preceding: str | None) -> str | None:
    """The latest ``TOPIC_PHRASES`` distinct noun phrases (``kgmem.ingest.phrases``)
    of the previous turns' text, one turn per line, oldest first; None without any."""
    seen: dict[str, None] = {}
    for line in (preceding or "").split("\n"):
        for found in phrases.find(line):
            seen.pop(found.name, None)  # a phrase said again moves to the end
            seen[found.name] = None
    return ", ".join(list(seen)[-TOPIC_PHRASES:]) or None


def _key(work: Work) -> tuple[str, str]:
    return (work.reference_time.isoformat(), work.episode_uid)


def preceding_text(texts: Sequence[str]) -> str | None:
    """What an episode is keyword-indexed with besides its text: its previous turns'
    texts, oldest first (None without any)."""
    return "\n".join(texts) if texts else None


def kept_preceding(preceding: str | None, text: str, limits: LimitSettings) -> str | None:
    """The end of ``preceding`` (the latest turns' words) that fits beside the episode's
    ``text``: within the longest string property, and, with the text, within the
    longest indexed text. The context is kgmem's own addition, so it gives way to the
    caller's text rather than ever making a write fail (None when nothing fits)."""
    if not preceding:
        return None
    room = min(limits.max_string_length, limits.max_text_length - len(text.strip()) - 1)
    if room <= 0:
        return None
    return preceding if len(preceding) <= room else preceding[-room:]


def _sessions(works: Sequence[Work]) -> dict[str, list[Work]]:
    """The session episodes of ``works`` per session, in time order."""
    by_session: dict[str, list[Work]] = {}
    for w in works:
        if w.episode.session:
            by_session.setdefault(w.episode.session, []).append(w)
    for members in by_session.values():
        members.sort(key=_key)
    return by_session


def neighbours(works: Sequence[Work]) -> dict[str, tuple[list[Work], Work | None]]:
    """Per episode uid of a session episode: its up to ``PRECEDING_TURNS`` previous
    episodes of the same session within ``works`` (oldest first) and its next one
    (None where the batch has none)."""
    found: dict[str, tuple[list[Work], Work | None]] = {}
    for members in _sessions(works).values():
        for i, w in enumerate(members):
            after = members[i + 1] if i + 1 < len(members) else None
            found[w.episode_uid] = (members[max(0, i - PRECEDING_TURNS) : i], after)
    return found


def embedded_texts(works: Sequence[Work]) -> list[str]:
    """Each episode's text to embed (its successor in the batch and the topics of its
    previous turns in the batch appended), and, as a side effect, ``preceding`` and
    ``following`` set from its neighbours in the batch."""
    near = neighbours(works)
    for w in works:
        before, after = near.get(w.episode_uid, ([], None))
        w.preceding = preceding_text([b.episode.text for b in before])
        w.following = after.episode.text if after is not None else None
    return texts_of(works)


def texts_of(works: Sequence[Work]) -> list[str]:
    """Each episode's text to embed, with the ``following`` and ``preceding`` it has
    been given."""
    return [embedded_text(w.episode.text, w.following, w.preceding) for w in works]


@dataclass(slots=True)
class _Turn:
    """One episode of a session's timeline: one being built or a stored one."""

    key: tuple[datetime, str]
    text: str
    work: Work | None = None
    stored: Entity | None = None


async def stored_neighbours(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, works: Sequence[Work]
) -> list[EntityWrite]:
    """Each session episode of ``works`` with its context over the batch and the stored
    episodes (``preceding`` and ``following`` set), and the stored episodes whose
    context the batch changes, rewritten: a stored predecessor embedded again with its
    new next turn, stored successors indexed with their new previous turns (and
    embedded again with their new topics and their own next one). Nothing to rewrite
    without an embedder."""
    lines = await _timelines(conn, ns, works)
    rewrites = [r for line in lines for r in _contexts(line)]
    if not rewrites or ctx.embedder is None:
        return []
    vectors = await ctx.embedder.embed([embedded_text(t.text, f, p) for t, p, f in rewrites])
    return [
        EntityWrite(
            t.stored.uid,
            "Episode",
            _with_preceding(t.stored, kept_preceding(p, t.text, ctx.limits)),
            embedding=v.tolist(),
        )
        for (t, p, f), v in zip(rewrites, vectors, strict=True)
        if t.stored is not None
    ]


async def _timelines(
    conn: Connection, ns: NamespaceRef, works: Sequence[Work]
) -> list[list[_Turn]]:
    """Per session of ``works``: its episodes in the batch and the stored ones around
    them (``_contexts`` says which), in no order; the batch's contexts set over the
    batch alone."""
    embedded_texts(works)
    sessions = _sessions(works)
    if not sessions:
        return []
    asks = [
        (f"session:{s}", w.reference_time, w.episode_uid) for s, ws in sessions.items() for w in ws
    ]
    found = await ingest_store.session_window(
        conn,
        ns,
        asks,
        before=PRECEDING_TURNS,
        after=PRECEDING_TURNS + 1,
        leave_out=[w.episode_uid for w in works],
    )
    stored = await vertex_store.by_ids(conn, ns, [m.id for m in found]) if found else {}
    lines = {
        s: [_Turn(_place(w), w.episode.text, work=w) for w in ws] for s, ws in sessions.items()
    }
    for m in found:
        e = stored.get(m.id)
        session = e.properties.get("session") if e is not None else None
        if e is not None and e.label == "Episode" and isinstance(session, str) and session in lines:
            lines[session].append(_Turn((m.occurred_at, m.uid), _text(e), stored=e))
    return list(lines.values())


def _contexts(line: list[_Turn]) -> list[tuple[_Turn, str | None, str | None]]:
    """Set the context of the timeline's episodes being built; the stored ones whose
    context they change, with their new previous turns' and next turn's text. The
    timeline holds every stored episode within ``PRECEDING_TURNS`` before and
    ``PRECEDING_TURNS + 1`` after each built one, so the contexts of the built ones and
    of the stored ones after them are complete; a stored one just before a built one
    gets a new next turn and keeps its previous turns."""
    line.sort(key=lambda t: t.key)
    changed = []
    for i, turn in enumerate(line):
        preceding = preceding_text([t.text for t in line[max(0, i - PRECEDING_TURNS) : i]])
        after = line[i + 1] if i + 1 < len(line) else None
        following = after.text if after is not None else None
        if turn.work is not None:
            turn.work.preceding, turn.work.following = preceding, following
            continue
        new_before = any(t.work is not None for t in line[max(0, i - PRECEDING_TURNS) : i])
        if new_before:
            changed.append((turn, preceding, following))
        elif after is not None and after.work is not None:
            # Only its next turn is new: its previous turns may lie outside the timeline
            # (it is read for the turn after it), so it keeps the ones it has.
            changed.append((turn, _stored_preceding(turn), following))
    return changed


def _stored_preceding(turn: _Turn) -> str | None:
    kept = turn.stored.properties.get(PRECEDING) if turn.stored is not None else None
    return kept if isinstance(kept, str) else None


def _with_preceding(stored: Entity, preceding: str | None) -> dict[str, object]:
    properties = {k: v for k, v in stored.properties.items() if k != PRECEDING}
    return {**properties, PRECEDING: preceding} if preceding else properties


def _place(work: Work) -> tuple[datetime, str]:
    return (work.reference_time, work.episode_uid)


def _text(stored: Entity) -> str:
    return str(stored.properties.get("text") or "")
