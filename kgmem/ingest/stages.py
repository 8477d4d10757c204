"""The pipeline's stages: extract, resolve, date, write, link.

Each stage reads and adds to one ``Work`` record and can be replaced or left out
(``date`` and ``link``) per namespace. Stages receive what they need when built
(``Services``), never globals.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from kgmem.graph import GraphContext
from kgmem.graph import entities as entity_ops
from kgmem.graph.writes import Hooks, write
from kgmem.ingest.extractors import Extractor, ExtractorUnavailable
from kgmem.ingest.normalise import key, uid_for
from kgmem.ingest.resolve import NameIndex, Thresholds, resolve, resolve_by_embedding, retyped
from kgmem.ingest.types import EntityMention, FactMention, Resolution, Work
from kgmem.model import BatchResult, EntityPatch, EntityWrite, FactWrite, GeoPoint
from kgmem.schema import validate_label
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import bookkeeping as ingest_store
from kgmem.storage.graph import namespaces
from kgmem.storage.graph.bookkeeping import NamedVertex


class Stage(Protocol):
    """One step of the pipeline."""

    name: str

    async def run(self, work: Work) -> None:
        """Read and add to ``work``."""
        ...


@dataclass(frozen=True, slots=True)
class Services:
    """What the stages of one namespace's run share."""

    ctx: GraphContext
    index: NameIndex
    thresholds: Thresholds
    ns: NamespaceRef | None = None
    """The namespace being built, resolved once for the batch."""

    def ref(self, namespace: str) -> NamespaceRef | None:
        """``ns`` when it is ``namespace`` (then writes need not look it up again)."""
        return self.ns if self.ns is not None and self.ns.name == namespace else None

    async def resolve(self, conn: Connection, namespace: str) -> NamespaceRef:
        """The namespace ``namespace``, looked up only when it is not ``ns``."""
        return self.ref(namespace) or await namespaces.resolve(conn, namespace)

    @property
    def plain(self) -> GraphContext:
        """The context without an embedder: structural edges need no vectors."""
        return dataclasses.replace(self.ctx, embedder=None)


class ExtractStage:
    """Run the extractor chain; an extractor that cannot run here leaves a note."""

    name = "extract"

    def __init__(self, services: Services, extractors: Sequence[Extractor]) -> None:
        self.services = services
        self.extractors = extractors

    async def run(self, work: Work) -> None:
        for extractor in self.extractors:
            try:
                await extractor.extract(work, self.services.index)
            except ExtractorUnavailable as exc:
                work.extraction.notes.append(str(exc))
        if not work.extraction.facts:
            work.extraction.notes.append(why_no_facts(work, [e.name for e in self.extractors]))


def why_no_facts(work: Work, extractors: Sequence[str]) -> str:
    """Why an episode made no facts: what was found, and what makes facts."""
    names = [m.name for m in work.extraction.entities if m.name != work.episode.speaker]
    found = (
        f"{len(names)} entities found ({', '.join(names[:8])}{', ...' if len(names) > 8 else ''})"
        if names
        else "no entities found"
    )
    if "llm" in extractors:
        return f"no facts made: {found}; the llm extractor found no statement between them"
    return (
        f"no facts made: {found}, but facts come only from structured input (the episode's "
        "`facts`) or an extraction model: set KGMEM_INGEST_LLM_URL to an OpenAI-compatible "
        "endpoint to turn on the llm extractor"
    )


class ResolveStage:
    """Map each mention to an entity uid (see ``kgmem.ingest.resolve``)."""

    name = "resolve"

    def __init__(self, services: Services) -> None:
        self.services = services

    async def run(self, work: Work) -> None:
        unmatched: list[EntityMention] = []
        for mention in work.extraction.entities:
            sure = key(mention.name) not in work.extraction.guessed
            index = self.services.index
            found = (sure and retyped(index, mention)) or self._by_name(mention)
            known = index.vertices.get(found.uid)
            if not sure and (found.created or (known is not None and known.type_guessed)):
                found = dataclasses.replace(found, type_guessed=True)
            work.resolved[key(mention.name)] = found
            if found.created and mention.uid is None:
                unmatched.append(mention)
        if unmatched:
            for mention, similar in zip(
                unmatched, await self._by_embedding(work, unmatched), strict=True
            ):
                if similar is not None:
                    work.resolved[key(mention.name)] = similar

    def _by_name(self, mention: EntityMention) -> Resolution:
        index = self.services.index
        if mention.uid is not None:
            known = mention.uid in index.vertices
            label = index.vertices[mention.uid].label if known else mention.label
            return Resolution(mention.uid, not known, mention.via, 1.0, label, mention.name)
        return resolve(index, mention, self.services.thresholds)

    async def _by_embedding(
        self, work: Work, mentions: Sequence[EntityMention]
    ) -> list[Resolution | None]:
        """Names no string method matched, by name-embedding similarity: the names are
        embedded in one call (the embedder caches recent texts) and their neighbours
        read in one query."""
        ctx, threshold = self.services.ctx, self.services.thresholds.embedding
        if ctx.embedder is None or threshold >= 1.0 or not self.services.index.vertices:
            return [None] * len(mentions)
        vectors = await ctx.embedder.embed([m.name for m in mentions])
        async with ctx.db.acquire() as conn:
            ns = await self.services.resolve(conn, work.namespace)
            nearest = await ingest_store.nearest_entities_many(
                conn, ns, [v.tolist() for v in vectors], 5
            )
        return [
            resolve_by_embedding(self.services.index, m, found, threshold)
            for m, found in zip(mentions, nearest, strict=True)
        ]


class WriteStage:
    """Create new entities, record merges, write facts with the episode as provenance,
    and close the facts a new value of a functional predicate supersedes."""

    name = "write"

    def __init__(self, services: Services) -> None:
        self.services = services

    async def run(self, work: Work) -> None:
        if not work.dated:
            work.dated = [
                (f, _plain_time(f.valid_from), _plain_time(f.valid_to))
                for f in work.extraction.facts
            ]
        await self._entities(work)
        facts = [p for p in (self._plan(work, *d) for d in work.dated) if p is not None]
        merges = _similarity_merges(work, facts)
        if not (facts or merges):
            return
        done = _Done()
        # Restatements and supersessions are the write's own (kgmem.graph.statements).
        result = await write(
            self.services.ctx,
            work.namespace,
            facts=facts,
            hooks=Hooks(then=functools.partial(self._in_transaction, merges, done)),
            ns=self.services.ref(work.namespace),
        )
        work.fact_uids.extend(dict.fromkeys(f.uid for f in result.facts))
        work.closed.extend(result.closed)
        work.extraction.notes.extend(closed_at_once(work, facts, result))
        work.merges.extend(done.merges)
        for plan in merges:
            self.services.index.alias(plan.resolution.uid, plan.resolution.name)

    async def _in_transaction(
        self,
        merges: Sequence[_MergePlan],
        done: _Done,
        conn: Connection,
        ns: NamespaceRef,
        written: BatchResult,
    ) -> None:
        """Within the fact write's transaction: add similarity-matched surfaces as
        aliases (row-locked) and log those merges, so none of it can be left half done."""
        from kgmem.ingest.merges import add_aliases_in

        # The storage layer runs a deadlocked write again: only the last run counts.
        done.merges.clear()
        for plan in merges:
            found = plan.resolution
            added = await add_aliases_in(self.services.ctx, conn, ns, found.uid, [found.name])
            merge_id = await ingest_store.record_merge(
                conn,
                ns,
                kept=found.uid,
                merged=plan.merged,
                evidence=plan.evidence,
                snapshot={**plan.snapshot_of(written), "aliases_added": added},
            )
            done.merges.append(merge_id)

    async def _entities(self, work: Work) -> None:
        new: dict[str, EntityWrite] = {}
        placed: dict[str, GeoPoint] = {}
        retype: dict[str, str] = {}
        for mention in work.extraction.entities:
            found = work.resolved.get(key(mention.name))
            if found is not None and found.created and found.uid not in new:
                new[found.uid] = _new_entity(mention, found)
            elif found is not None:
                if found.method == "retyped":
                    retype[found.uid] = found.label
                if mention.location is not None:
                    placed[found.uid] = mention.location
        if new:
            await write(
                self.services.ctx,
                work.namespace,
                entities=list(new.values()),
                ns=self.services.ref(work.namespace),
            )
            for e in new.values():
                aliases = tuple(str(a) for a in e.properties.get("aliases", ()))
                name = str(e.properties["name"])
                guessed = e.properties.get("type_guessed") is True
                self.services.index.add(NamedVertex(e.uid, 0, e.label, name, aliases, guessed))
        await self._retype(work, retype)
        for uid, point in placed.items():  # a known entity's new point; the rest kept
            await entity_ops.patch(
                self.services.ctx, work.namespace, uid, EntityPatch(location=point)
            )

    async def _retype(self, work: Work, retype: dict[str, str]) -> None:
        """Relabel the stored entities whose guessed type a sure cue corrected."""
        for uid, label in retype.items():
            sure = EntityPatch(label=label, properties={"type_guessed": None})
            await entity_ops.patch(self.services.ctx, work.namespace, uid, sure)
            known = self.services.index.vertices.get(uid)
            if known is not None:
                self.services.index.add(dataclasses.replace(known, label=label, type_guessed=False))

    def _plan(
        self, work: Work, fact: FactMention, start: datetime | None, end: datetime | None
    ) -> FactWrite | None:
        subject = work.resolved.get(key(fact.subject))
        obj = work.resolved.get(key(fact.object))
        if subject is None or obj is None:
            work.extraction.notes.append(f"fact {fact.subject} -> {fact.object}: unresolved")
            return None
        predicate = validate_label(fact.predicate, "predicate")
        props = dict(fact.properties)
        if fact.strength is not None:
            props["strength"] = fact.strength
        return FactWrite(
            subject=subject.uid,
            predicate=predicate,
            object=obj.uid,
            properties=props,
            valid_from=start,
            valid_to=end,
            confidence=fact.confidence,
            source=work.episode.claimant,
            episode=work.episode_uid,
            declared=fact.declared,
        )


def _new_entity(mention: EntityMention, found: Resolution) -> EntityWrite:
    """The entity a mention creates; a guessed label is stored as one (``type_guessed``)
    so that a later sure cue can correct it."""
    props: dict[str, object] = {**mention.properties, "name": mention.name.strip()}
    props["extracted"] = True
    if found.type_guessed:
        props["type_guessed"] = True
    if mention.aliases:
        props["aliases"] = list(mention.aliases)
    return EntityWrite(
        found.uid, found.label, props, location=mention.location, declared=mention.declared
    )


SIMILARITY_METHODS = ("fuzzy", "initials", "embedding")


@dataclass(frozen=True, slots=True)
class _MergePlan:
    """A mention resolved by similarity: a merge of the entity it would have been into
    the one it matched, logged (reversible) with the surface kept as an alias."""

    resolution: Resolution
    merged: str
    evidence: dict[str, object]
    subject_of: list[int]
    object_of: list[int]
    """Positions, among the episode's facts, of those naming the mention."""

    def snapshot_of(self, written: BatchResult) -> dict[str, object]:
        """What unmerging restores, with the uids the facts were written under."""
        found = self.resolution
        episode = self.evidence["episode"]
        return {
            "kind": "mention",
            "label": found.label,
            "properties": {"name": found.name, "extracted": True},
            "subject_of": [written.facts[i].uid for i in self.subject_of],
            "object_of": [
                *(written.facts[i].uid for i in self.object_of),
                f"mentions:{episode}:{found.uid}",
            ],
        }


@dataclass(slots=True)
class _Done:
    """What the write's transaction did: merge-log ids."""

    merges: list[int] = dataclasses.field(default_factory=list)


def _similarity_merges(work: Work, facts: Sequence[FactWrite]) -> list[_MergePlan]:
    ep = work.episode_uid
    plans = []
    for folded, found in work.resolved.items():
        if found.method not in SIMILARITY_METHODS:
            continue
        plans.append(
            _MergePlan(
                resolution=found,
                merged=uid_for(found.name),
                evidence={
                    "method": found.method,
                    "score": found.score,
                    "surface": found.name,
                    "episode": ep,
                },
                subject_of=[i for i, f in enumerate(facts) if key_of(work, f.subject) == folded],
                object_of=[i for i, f in enumerate(facts) if key_of(work, f.object) == folded],
            )
        )
    return plans


def key_of(work: Work, uid: str) -> str | None:
    """The folded mention that resolved to ``uid`` by similarity, if any."""
    for folded, found in work.resolved.items():
        if found.uid == uid and found.method in SIMILARITY_METHODS:
            return folded
    return None


def closed_at_once(work: Work, facts: Sequence[FactWrite], result: BatchResult) -> list[str]:
    """A note for each fact this write made and also closed: a later value of the same
    functional predicate the episode gives (or the store holds) supersedes it."""
    names = {r.uid: r.name or r.uid for r in work.resolved.values()}
    notes = []
    for fact, outcome in zip(facts, result.facts, strict=True):
        if outcome.uid not in result.closed:
            continue
        subject, obj = names.get(fact.subject, fact.subject), names.get(fact.object, fact.object)
        start = _start(work, fact)
        newer = [
            f"{names.get(f.object, f.object)} from {_start(work, f).date().isoformat()}"
            for f in facts
            if f is not fact
            and (f.subject, f.predicate) == (fact.subject, fact.predicate)
            and _start(work, f) >= start
        ]
        by = f"by {', '.join(newer)} in the same episode" if newer else "by a later stored value"
        notes.append(
            f"{subject} {fact.predicate} {obj} (fact {outcome.uid}, from "
            f"{start.date().isoformat()}) was closed in the same write: {fact.predicate} "
            f"holds one value at a time and it is superseded {by}"
        )
    return notes


def _start(work: Work, fact: FactWrite) -> datetime:
    return fact.valid_from if isinstance(fact.valid_from, datetime) else work.reference_time


def _plain_time(value: datetime | str | None) -> datetime | None:
    return value if isinstance(value, datetime) else None


class LinkStage:
    """MENTIONS from the episode to every resolved entity, PART_OF its session and
    PRECEDES from the session's previous episode.

    ``run`` only notes the episode; ``flush`` writes the links of every episode run
    since, with one read for all their sessions (the latest stored episode of each
    session at or before each episode's time) and one write, which also creates the
    sessions' vertices and carries ``extra`` entities (the episodes' statuses).
    """

    name = "link"

    def __init__(self, services: Services) -> None:
        self.services = services
        self.pending: list[Work] = []

    async def run(self, work: Work) -> None:
        self.pending.append(work)

    async def flush(self, namespace: str, extra: Sequence[EntityWrite] = ()) -> None:
        """Write the links of every episode run so far (and ``extra`` entities)."""
        works, self.pending = self.pending, []
        timed = [w for w in works if w.episode.session]
        stored = await self._stored_previous(namespace, timed)
        links = [link for w in works for link in _mentions(w)]
        sessions: dict[str, EntityWrite] = {}
        members: dict[str, list[tuple[str, str]]] = {}
        for work in timed:
            name = str(work.episode.session)
            session_uid = f"session:{name}"
            ep, mine = (
                work.episode_uid,
                _sortable((work.reference_time.isoformat(), work.episode_uid)),
            )
            if session_uid not in stored.sessions:
                sessions[session_uid] = EntityWrite(
                    uid=session_uid, label="Session", properties={"name": name}
                )
            links.append(
                FactWrite(subject=ep, predicate="PART_OF", object=session_uid, uid=f"part-of:{ep}")
            )
            earlier = [m for m in members.get(session_uid, []) if m < mine]
            before = stored.previous.get(ep)
            if before is not None:
                earlier.append(before)
            members.setdefault(session_uid, []).append(mine)
            if earlier:
                previous = max(earlier)[1]
                links.append(
                    FactWrite(
                        subject=previous, predicate="PRECEDES", object=ep, uid=f"precedes:{ep}"
                    )
                )
        if links or extra:
            entities = [*sessions.values(), *extra]
            await write(
                self.services.plain,
                namespace,
                entities=entities,
                facts=links,
                ns=self.services.ref(namespace),
            )

    async def _stored_previous(self, namespace: str, works: Sequence[Work]) -> _Previous:
        if not works:
            return _Previous(set(), {})
        async with self.services.ctx.db.acquire() as conn:
            ns = await self.services.resolve(conn, namespace)
            rows = await ingest_store.session_predecessors(
                conn,
                ns,
                [(f"session:{w.episode.session}", w.reference_time, w.episode_uid) for w in works],
            )
        found = _Previous(set(), {})
        for row in rows:
            found.sessions.add(row.session)
            if row.previous is not None and row.previous_at is not None:
                found.previous[row.episode] = _sortable((row.previous_at.isoformat(), row.previous))
        return found


@dataclass(frozen=True, slots=True)
class _Previous:
    """Which sessions exist, and each episode's latest stored predecessor (time, uid)."""

    sessions: set[str]
    previous: dict[str, tuple[str, str]]


def _mentions(work: Work) -> list[FactWrite]:
    ep = work.episode_uid
    return [
        FactWrite(subject=ep, predicate="MENTIONS", object=uid, uid=f"mentions:{ep}:{uid}")
        for uid in sorted({r.uid for r in work.resolved.values()})
    ]


def _sortable(item: tuple[str, str]) -> tuple[str, str]:
    """Episode times as stored are ISO strings; compare them as UTC instants."""
    when, uid = item
    try:
        return datetime.fromisoformat(when.replace("Z", "+00:00")).astimezone(UTC).isoformat(), uid
    except ValueError:
        return when, uid
