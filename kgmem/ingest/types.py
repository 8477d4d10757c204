"""What flows through memory-graph building: episodes in, extractions between stages,
outcomes out. All frozen except ``Work``, the one record a pipeline run fills in."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kgmem.model.episodes import (
    SPEAKER_PREFIX,
    EntityMention,
    EpisodeOutcome,
    EpisodeWrite,
    ExtractionStatus,
    FactMention,
    Resolution,
    speaker_source,
)

__all__ = [
    "SPEAKER_PREFIX",
    "EntityMention",
    "EpisodeOutcome",
    "EpisodeWrite",
    "ExtractionStatus",
    "FactMention",
    "Resolution",
    "speaker_source",
]


@dataclass(slots=True)
class Extraction:
    """What the extractors found, merged across the chain."""

    entities: list[EntityMention] = field(default_factory=list)
    facts: list[FactMention] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tokens: int = 0

    guessed: set[str] = field(default_factory=set)
    """Folded names whose label rests on a weak sign (``kgmem.ingest.rules``)."""

    def add_entity(self, mention: EntityMention, *, guessed: bool = False) -> None:
        """Add a mention unless one of the same folded name is there already; one there
        as a bare ``Entity``, or with a guessed type, takes the type a later mention
        knows surely (the rules' ``Place`` after "in", spaCy's ``Organization``)."""
        from kgmem.ingest.normalise import key

        folded = key(mention.name)
        for i, known in enumerate(self.entities):
            if key(known.name) == folded:
                weak = known.label == "Entity" or (folded in self.guessed and not guessed)
                if weak and mention.label != "Entity" and known.uid is None:
                    self.entities[i] = dataclasses.replace(known, label=mention.label)
                    self._guess(folded, guessed)
                return
        self.entities.append(mention)
        self._guess(folded, guessed)

    def _guess(self, folded: str, guessed: bool) -> None:
        if guessed:
            self.guessed.add(folded)
        else:
            self.guessed.discard(folded)


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
class MergeRecord:
    """A logged merge: ``merged`` folded into ``kept`` with its evidence."""

    id: int
    kept: str
    merged: str
    evidence: Mapping[str, Any]
    merged_at: datetime
    undone_at: datetime | None
