"""An episode as every door reads it: the validated form of ``EpisodeWrite`` with the
entities and facts the caller already knows. REST takes it in POST /episodes, MCP's
``add_episode`` and ``add_episodes`` take it as their ``episode``/``episodes``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kgmem.model.episodes import EntityMention, EpisodeWrite, FactMention
from kgmem.model.search_input import Location
from kgmem.model.times import Instant, TimeText


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EntityMentionIn(_In):
    """An entity the episode mentions."""

    name: str = Field(min_length=1, description="The name as written, e.g. 'Alice Smith'")
    label: str = Field(default="Entity", description="Its type: Person, Organization, Place...")
    aliases: list[str] = Field(default_factory=list, description="Other names for it")
    properties: dict[str, Any] = Field(default_factory=dict)
    uid: str | None = Field(default=None, description="A known entity's uid: no resolution")
    location: Location | None = Field(
        default=None, description="Where the entity is: stored as its point (WGS84)"
    )

    def to_core(self) -> EntityMention:
        loc = self.location
        return EntityMention(
            self.name,
            self.label,
            self.aliases,
            self.properties,
            self.uid,
            location=loc.to_point() if loc else None,
        )


class FactMentionIn(_In):
    """A statement the episode makes: subject -[predicate]-> object, by names."""

    subject: str = Field(min_length=1, description="Subject entity name")
    predicate: str = Field(min_length=1, description="Relation in UPPER_SNAKE, e.g. WORKS_AT")
    object: str = Field(min_length=1, description="Object entity name")
    valid_from: TimeText | None = Field(
        default=None,
        description="ISO 8601 time or an expression such as 'last Tuesday' or 'July 1', "
        "read against reference_time by the tense of the text",
    )
    valid_to: TimeText | None = Field(default=None, description="When it stopped being true")
    confidence: float | None = Field(default=None, ge=0, le=1)
    properties: dict[str, Any] = Field(default_factory=dict)
    strength: float | None = Field(default=None, description="Causal edges: 0..1")

    def to_core(self) -> FactMention:
        return FactMention(
            subject=self.subject,
            predicate=self.predicate,
            object=self.object,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            confidence=self.confidence,
            properties=self.properties,
            strength=self.strength,
        )


class EpisodeIn(_In):
    """A memory to store: a conversation turn, a note, a document chunk."""

    text: str = Field(
        min_length=1,
        description="What was said or written: at most 100,000 characters by default "
        "(KGMEM_LIMITS_MAX_TEXT_LENGTH and KGMEM_LIMITS_MAX_STRING_LENGTH)",
    )
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
    entities: list[EntityMentionIn] = Field(
        default_factory=list, description="Entities it mentions"
    )
    facts: list[FactMentionIn] = Field(default_factory=list, description="Statements it makes")

    def to_core(self) -> EpisodeWrite:
        return EpisodeWrite(
            **self.model_dump(exclude={"entities", "facts"}),
            entities=[e.to_core() for e in self.entities],
            facts=[f.to_core() for f in self.facts],
        )


class EpisodeBatchIn(_In):
    episodes: list[EpisodeIn] = Field(min_length=1)
