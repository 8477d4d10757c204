"""Collecting a memory block's material: facts, episodes and contradictions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from kgmem.errors import EntityNotFound
from kgmem.memory import Memory
from kgmem.model import (
    ContextEpisode,
    ContextFact,
    ContextQuery,
    Contradiction,
    Entity,
    Fact,
    SearchQuery,
    TimeQuery,
)

_FACTS_PER_ENTITY = 20
_SESSION_TURNS = 2  # turns kept on each side of an episode in its session
_EPISODE = "Episode"


async def search_hits(memory: Memory, namespace: str, query: ContextQuery) -> list[Any]:
    """The search hits the block starts from (entities, facts and episodes)."""
    time = TimeQuery(valid_at=query.valid_at) if query.valid_at else None
    search = SearchQuery(text=query.text, time=time, k=query.k, min_trust=query.min_trust)
    return list((await memory.search(namespace, search)).hits)


async def facts_of(
    memory: Memory, namespace: str, hits: list[Any], query: ContextQuery
) -> tuple[list[Fact], dict[str, str]]:
    """Facts by relevance (hit facts, then the facts of hit entities) and entity names.

    Edges touching an episode (MENTIONS, PRECEDES, PART_OF of a session) are provenance,
    not statements about the world: the block shows episodes in their own section."""
    ends: dict[str, Entity] = {}
    facts: dict[str, Fact] = {}
    for hit in hits:
        if hit.kind == "fact" and hit.fact is not None:
            facts.setdefault(hit.fact.uid, hit.fact)
        elif hit.kind == "entity" and hit.entity is not None:
            ends[hit.entity.uid] = hit.entity
            detail = await memory.get_entity(
                namespace, hit.entity.uid, facts_limit=_FACTS_PER_ENTITY
            )
            for fact in (*detail.outgoing, *detail.incoming):
                facts.setdefault(fact.uid, fact)
    trusted = [f for f in facts.values() if _trusted(f, query.min_trust)]
    await _fetch_ends(memory, namespace, trusted, ends)
    episodes = {uid for uid, e in ends.items() if e.label == _EPISODE}
    kept = [f for f in trusted if not {f.subject, f.object} & episodes]
    return kept, {uid: _name(e) for uid, e in ends.items()}


def context_fact(fact: Fact, names: Mapping[str, str], now: datetime) -> ContextFact:
    """The fact as a block shows it."""
    current = fact.expired_at is None and (fact.valid_to is None or fact.valid_to > now)
    return ContextFact(
        uid=fact.uid,
        subject=fact.subject,
        predicate=fact.predicate,
        object=fact.object,
        subject_name=names.get(fact.subject, fact.subject),
        object_name=names.get(fact.object, fact.object),
        valid_from=fact.valid_from,
        valid_to=fact.valid_to,
        current=current,
        trust=fact.trust,
        status=fact.verification,
        sources=fact.sources,
    )


async def episodes_of(memory: Memory, namespace: str, hits: list[Any]) -> list[ContextEpisode]:
    """The episode hits, each with the turns around it in its session."""
    found = [h.entity for h in hits if h.kind == "episode" and h.entity is not None]
    shown = {e.uid for e in found}
    return [await _episode(memory, namespace, e, shown) for e in found]


def contradictions(memory: Memory, facts: Iterable[ContextFact]) -> list[Contradiction]:
    """Competing current values: several objects of a functional predicate for one
    subject, or facts that verification scored contested or refuted."""
    groups: dict[tuple[str, str], list[ContextFact]] = {}
    for fact in facts:
        if fact.current:
            groups.setdefault((fact.subject, fact.predicate), []).append(fact)
    found = []
    for (subject, predicate), group in groups.items():
        values = {f.object for f in group}
        disputed = any(f.status in ("contested", "refuted") for f in group)
        if len(values) > 1 and (memory.schema.is_functional(predicate) or disputed):
            found.append(
                Contradiction(
                    subject=subject,
                    predicate=predicate,
                    facts=tuple(f.uid for f in group),
                    values=tuple(f.object_name for f in group),
                )
            )
    return found


def now_utc() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def _trusted(fact: Fact, min_trust: float | None) -> bool:
    return min_trust is None or fact.trust is None or fact.trust >= min_trust


def _name(entity: Entity) -> str:
    name = entity.properties.get("name")
    return str(name) if name else entity.uid


async def _fetch_ends(
    memory: Memory, namespace: str, facts: list[Fact], ends: dict[str, Entity]
) -> None:
    missing = {u for f in facts for u in (f.subject, f.object)} - ends.keys()
    for uid in sorted(missing):
        try:
            detail = await memory.get_entity(namespace, uid, facts_limit=0)
        except EntityNotFound:  # deleted since the fact was read
            continue
        ends[uid] = detail.entity


async def _episode(
    memory: Memory, namespace: str, entity: Entity, shown: set[str]
) -> ContextEpisode:
    """The episode with the turns around it that the block does not already show."""
    props = entity.properties
    session = props.get("session")
    around: tuple[str, ...] = ()
    if session:
        turns = await memory.run_named(namespace, "session_episodes", {"session": session})
        uids = [row[0] for row in turns.rows]
        if entity.uid in uids:
            at = uids.index(entity.uid)
            window = turns.rows[max(0, at - _SESSION_TURNS) : at + _SESSION_TURNS + 1]
            around = tuple(_turn(row) for row in window if row[0] not in shown)
    return ContextEpisode(
        uid=entity.uid,
        text=str(props.get("text", "")),
        occurred_at=_str(props.get("occurred_at")),
        speaker=_str(props.get("speaker")),
        session=_str(session),
        session_context=around,
    )


def _turn(row: list[Any]) -> str:
    _, text, speaker, _ = row
    return f"{speaker}: {text}" if speaker else str(text)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
