"""What flows through memory-graph building: episodes in, extractions between stages,
outcomes out. All frozen except ``Work``, the one record a pipeline run fills in."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from kgmem.model import GeoPoint

ExtractionStatus = Literal["pending", "done", "failed"]


@dataclass(frozen=True, slots=True)
class EntityMention:
    """An entity named in an episode: its surface name, a type if known, aliases, and
    where it is if the caller knows (the entity's stored point becomes that)."""

    name: str
    label: str = "Entity"
    aliases: Sequence[str] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)
    uid: str | None = None  # the entity is known: resolution is skipped
    via: str = "caller"  # who named the uid: the caller or the known-entity matcher
    location: GeoPoint | None = None  # where the entity is: stored as its point


@dataclass(frozen=True, slots=True)
class FactMention:
    """A statement ``subject -[predicate]-> object`` between mentioned names.

    ``valid_from``/``valid_to`` are times or expressions ("last Tuesday", "in May")
    resolved against the episode's reference time by the date stage.
    """

    subject: str
    predicate: str
    object: str
    valid_from: datetime | str | None = None
    valid_to: datetime | str | None = None
    confidence: float | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    strength: float | None = None  # causal edges


@dataclass(frozen=True, slots=True)
class EpisodeWrite:
    """A raw memory to store and build the graph from.

    ``reference_time`` anchors relative dates (now when None). ``entities`` and
    ``facts`` are what the caller already knows; they are trusted as given. The facts
    are claimed by ``claimant``: the ``source`` given, else the speaker's source.
    """

    text: str
    uid: str | None = None
    reference_time: datetime | None = None
    speaker: str | None = None
    source: str | None = None
    session: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    entities: Sequence[EntityMention] = ()
    facts: Sequence[FactMention] = ()

    @property
    def claimant(self) -> str | None:
        """The uid of the Source claiming this episode's facts: ``source`` when given,
        else the speaker's (``speaker_source``), else none (the facts rest on nothing)."""
        return self.source or speaker_source(self.speaker)


SPEAKER_PREFIX = "speaker:"


def speaker_source(speaker: str | None) -> str | None:
    """The uid of the Source standing for a speaker: ``speaker:`` and the name with its
    runs of white space made one space (``speaker:Ada Lovelace``); None for no name.
    Case is kept: a speaker is named the same way across a conversation's turns."""
    name = " ".join((speaker or "").split())
    return SPEAKER_PREFIX + name if name else None


@dataclass(slots=True)
class Extraction:
    """What the extractors found, merged across the chain."""

    entities: list[EntityMention] = field(default_factory=list)
    facts: list[FactMention] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tokens: int = 0

    def add_entity(self, mention: EntityMention) -> None:
        """Add a mention unless one of the same folded name is there already; one there
        as a bare ``Entity`` takes the type a later mention knows (the rules' ``Place``
        after "in")."""
        from kgmem.ingest.normalise import key

        folded = key(mention.name)
        for i, known in enumerate(self.entities):
            if key(known.name) == folded:
                if known.label == "Entity" and mention.label != "Entity" and known.uid is None:
                    self.entities[i] = dataclasses.replace(known, label=mention.label)
                return
        self.entities.append(mention)


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a mention went: the entity uid, whether it is new, and why."""

    uid: str
    created: bool
    method: str  # caller, exact, alias, fuzzy, embedding, initials, new
    score: float = 1.0
    label: str = "Entity"
    name: str = ""


@dataclass(slots=True)
class Work:
    """One episode's pass through the pipeline: each stage reads and adds to it."""

    namespace: str
    episode_uid: str
    episode: EpisodeWrite
    reference_time: datetime
    extraction: Extraction = field(default_factory=Extraction)
    resolved: dict[str, Resolution] = field(default_factory=dict)
    dated: list[tuple[FactMention, datetime | None, datetime | None]] = field(default_factory=list)
    fact_uids: list[str] = field(default_factory=list)
    vector: list[float] | None = None  # the episode text's embedding, made before the build
    preceding: str | None = None  # the session's previous episode's text (session context)
    following: str | None = None  # the session's next episode's text (session context)
    embedded: str | None = None  # the text ``vector`` embeds
    closed: list[str] = field(default_factory=list)
    merges: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EpisodeOutcome:
    """The result of ingesting one episode."""

    uid: str
    status: ExtractionStatus
    error: str | None
    entities: tuple[Resolution, ...]
    facts: tuple[str, ...]
    closed: tuple[str, ...]
    tokens: int
    notes: tuple[str, ...]
    source: str | None = None
    """The Source claiming the episode's facts (``EpisodeWrite.claimant``)."""


@dataclass(frozen=True, slots=True)
class MergeRecord:
    """A logged merge: ``merged`` folded into ``kept`` with its evidence."""

    id: int
    kept: str
    merged: str
    evidence: Mapping[str, Any]
    merged_at: datetime
    undone_at: datetime | None
