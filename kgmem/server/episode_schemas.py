"""Request and response bodies of the memory-graph building endpoints (episodes,
pipeline configuration, merges, communities)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kgmem import ingest
from kgmem.model import GeoPoint
from kgmem.model.search_input import Location
from kgmem.model.times import Instant
from kgmem.server.schemas import EntityOut


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EntityMentionIn(_In):
    name: str = Field(min_length=1, description="The entity's name as the episode uses it")
    label: str = Field(default="Entity", description="Vertex label, e.g. Person")
    aliases: list[str] = Field(default_factory=list)
    properties: dict[str, Any] = Field(default_factory=dict)
    uid: str | None = Field(default=None, description="A known entity's uid: no resolution")
    location: Location | None = Field(
        default=None, description="Where the entity is: stored as its point (WGS84)"
    )

    def to_core(self) -> ingest.EntityMention:
        loc = self.location
        return ingest.EntityMention(
            self.name,
            self.label,
            self.aliases,
            self.properties,
            self.uid,
            location=GeoPoint(loc.lat, loc.lon) if loc else None,
        )


class FactMentionIn(_In):
    subject: str = Field(min_length=1, description="Subject entity name")
    predicate: str = Field(description="Edge label, e.g. WORKS_AT")
    object: str = Field(min_length=1, description="Object entity name")
    valid_from: str | None = Field(
        default=None, description="ISO 8601 time or an expression such as 'last Tuesday'"
    )
    valid_to: str | None = None
    confidence: float | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    strength: float | None = Field(default=None, description="Causal edges: 0..1")

    def to_core(self) -> ingest.FactMention:
        return ingest.FactMention(
            subject=self.subject,
            predicate=self.predicate,
            object=self.object,
            valid_from=_time(self.valid_from),
            valid_to=_time(self.valid_to),
            confidence=self.confidence,
            properties=self.properties,
            strength=self.strength,
        )


def _time(value: str | None) -> datetime | str | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return parsed if parsed.tzinfo else value


class EpisodeIn(_In):
    """A raw memory: a conversation turn, note or document chunk."""

    text: str = Field(description="The memory's text")
    uid: str | None = Field(default=None, description="Your key; generated when absent")
    reference_time: Instant | None = Field(
        default=None, description="When it happened; anchors relative dates (default now)"
    )
    speaker: str | None = Field(
        default=None,
        description="Who said it. Unless `source` is given, the source `speaker:<name>` "
        "(created on first use) claims the episode's facts, so they get trust",
    )
    source: str | None = Field(
        default=None,
        description="The source uid asserting the episode's facts (created on first use); "
        "wins over `speaker`",
    )
    session: str | None = Field(default=None, description="Conversation or document id")
    metadata: dict[str, Any] = Field(default_factory=dict)
    entities: list[EntityMentionIn] = Field(default_factory=list)
    facts: list[FactMentionIn] = Field(default_factory=list)

    def to_core(self) -> ingest.EpisodeWrite:
        return ingest.EpisodeWrite(
            text=self.text,
            uid=self.uid,
            reference_time=self.reference_time,
            speaker=self.speaker,
            source=self.source,
            session=self.session,
            metadata=self.metadata,
            entities=[e.to_core() for e in self.entities],
            facts=[f.to_core() for f in self.facts],
        )


class EpisodeBatchIn(_In):
    episodes: list[EpisodeIn] = Field(min_length=1)


class ResolutionOut(BaseModel):
    uid: str
    created: bool
    method: str = Field(description="caller, known, exact, alias, initials, fuzzy, embedding, new")
    score: float
    label: str
    name: str


class EpisodeOutcomeOut(BaseModel):
    uid: str
    status: str = Field(description="done or failed (failed episodes are stored; retry them)")
    error: str | None
    entities: list[ResolutionOut]
    facts: list[str]
    closed: list[str] = Field(description="Facts this episode superseded")
    tokens: int
    notes: list[str]
    source: str | None = Field(
        default=None,
        description="The source claiming the episode's facts: `source`, else "
        "`speaker:<speaker>`, else null (the facts rest on no source)",
    )

    @classmethod
    def of(cls, o: ingest.EpisodeOutcome) -> EpisodeOutcomeOut:
        return cls(
            uid=o.uid,
            status=o.status,
            error=o.error,
            entities=[
                ResolutionOut(
                    uid=r.uid,
                    created=r.created,
                    method=r.method,
                    score=r.score,
                    label=r.label,
                    name=r.name,
                )
                for r in o.entities
            ],
            facts=list(o.facts),
            closed=list(o.closed),
            tokens=o.tokens,
            notes=list(o.notes),
            source=o.source,
        )


class EpisodeBatchOut(BaseModel):
    episodes: list[EpisodeOutcomeOut]


class ForgottenOut(BaseModel):
    facts_deleted: list[str]
    facts_kept: list[str]
    entities_deleted: list[str]


class PipelineIn(_In):
    extractors: list[str] | None = Field(
        default=None, description="In order, among structured, known, spacy, llm"
    )
    stages: list[str] | None = Field(
        default=None, description="extract, resolve, date, write, link (date, link optional)"
    )
    llm_budget_tokens: int | None = None


class PipelineOut(BaseModel):
    extractors: list[str]
    stages: list[str]
    llm_budget_tokens: int | None
    llm_tokens_spent: int


class MergeIn(_In):
    keep: str = Field(description="uid of the entity that stays")
    merge: str = Field(description="uid of the entity folded into it")
    reason: str = "manual"


class MergeOut(BaseModel):
    id: int
    kept: str
    merged: str
    evidence: dict[str, Any]
    merged_at: datetime
    undone_at: datetime | None

    @classmethod
    def of(cls, m: ingest.MergeRecord) -> MergeOut:
        return cls(
            id=m.id,
            kept=m.kept,
            merged=m.merged,
            evidence=dict(m.evidence),
            merged_at=m.merged_at,
            undone_at=m.undone_at,
        )


__all__ = ["EntityOut"]


class CommunityOut(BaseModel):
    uid: str
    members: list[str] = Field(description="Entity uids, most central first")
    summary: str


class CommunitiesOut(BaseModel):
    recomputed: bool = Field(description="False when nothing changed since the last run")
    communities: list[CommunityOut]
