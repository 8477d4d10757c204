"""Tool arguments that are objects: episodes with what the caller already knows."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kgmem.ingest import EntityMention, EpisodeWrite, FactMention
from kgmem.model.times import Instant


class EntityArg(BaseModel):
    """An entity the episode mentions."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, description="The name as written, e.g. 'Alice Smith'")
    label: str = Field(default="Entity", description="Its type: Person, Organization, Place...")
    aliases: list[str] = Field(default_factory=list, description="Other names for it")
    uid: str | None = Field(default=None, description="Its uid when already known")

    def to_core(self) -> EntityMention:
        return EntityMention(self.name, self.label, tuple(self.aliases), {}, self.uid)


class FactArg(BaseModel):
    """A statement the episode makes: subject -[predicate]-> object, by names."""

    model_config = ConfigDict(extra="forbid")
    subject: str = Field(min_length=1, description="Subject entity name")
    predicate: str = Field(min_length=1, description="Relation in UPPER_SNAKE, e.g. WORKS_AT")
    object: str = Field(min_length=1, description="Object entity name")
    valid_from: str | None = Field(
        default=None, description="ISO 8601 time or words such as 'last Tuesday'"
    )
    valid_to: str | None = Field(default=None, description="When it stopped being true")
    confidence: float | None = Field(default=None, ge=0, le=1)

    def to_core(self) -> FactMention:
        return FactMention(
            subject=self.subject,
            predicate=self.predicate,
            object=self.object,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            confidence=self.confidence,
        )


class EpisodeArg(BaseModel):
    """A memory to store: a conversation turn, a note, a document chunk."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, description="What was said or written")
    uid: str | None = Field(default=None, description="Your key for it; generated when absent")
    reference_time: Instant | None = Field(
        default=None, description="When it happened (ISO 8601); anchors relative dates"
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
    entities: list[EntityArg] = Field(default_factory=list, description="Entities it mentions")
    facts: list[FactArg] = Field(default_factory=list, description="Statements it makes")

    def to_core(self) -> EpisodeWrite:
        return EpisodeWrite(
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
