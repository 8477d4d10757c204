"""Requests that write and read namespaces, entities and facts, as REST and MCP take
them: shape and field descriptions here, meaning (identifiers, limits, time order,
vector dimension) checked by the core so that the Python API gets the same rules.
Each converts to the core record it describes (``EntityWrite``, ``FactWrite``, ...)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kgmem.model import records
from kgmem.model.search_input import Location
from kgmem.model.times import Instant, TimeText


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NamespaceIn(_In):
    name: str = Field(description="3-63 characters: a-z, 0-9, _; starts with a letter")
    description: str = ""
    text_config: str = Field(
        default="english",
        max_length=63,
        description="PostgreSQL text search configuration of the keyword index: how words "
        "are stemmed and which are stop words (english, simple, french, german, ...)",
    )
    exist_ok: bool = Field(
        default=False,
        description="Answer the namespace (200) when one of this name and text_config "
        "exists, instead of 409 namespace_exists",
    )


class EntityIn(_In):
    """An entity to create or replace (PUT semantics: properties are replaced)."""

    label: str = Field(default="Entity", description="Vertex label, e.g. Person")
    properties: dict[str, Any] = Field(default_factory=dict)
    embedding: list[float] | None = Field(
        default=None, description="Your own vector; otherwise name/summary/description is embedded"
    )
    location: Location | None = None

    def to_write(self, uid: str) -> records.EntityWrite:
        return records.EntityWrite(
            uid=uid,
            label=self.label,
            properties=self.properties,
            embedding=self.embedding,
            location=records.GeoPoint(self.location.lat, self.location.lon)
            if self.location
            else None,
        )


class EntityPatchIn(_In):
    """A JSON merge patch (RFC 7386) of an entity: ``properties`` are merged into the
    stored ones (null removes a key); ``label`` and ``location`` replace the stored ones
    when present; ``location: null`` removes the point. Anything absent is kept."""

    label: str | None = Field(default=None, description="A new vertex label")
    properties: dict[str, Any] | None = Field(
        default=None, description="Properties to set; a null value removes that property"
    )
    location: Location | None = Field(default=None, description="A new point; null removes it")

    def to_patch(self) -> records.EntityPatch:
        loc = self.location
        return records.EntityPatch(
            label=self.label,
            properties=self.properties,
            location=records.GeoPoint(loc.lat, loc.lon) if loc else None,
            remove_location="location" in self.model_fields_set and loc is None,
        )


class BatchEntityIn(EntityIn):
    uid: str


class FactIn(_In):
    """A fact edge subject -[predicate]-> object with its times and provenance."""

    subject: str = Field(description="uid of the subject entity")
    predicate: str = Field(description="Edge label, e.g. WORKS_AT")
    object: str = Field(description="uid of the object entity")
    uid: str | None = Field(default=None, description="Stable id; generated when absent")
    properties: dict[str, Any] = Field(default_factory=dict)
    valid_from: TimeText | None = Field(
        default=None,
        description="When it starts to hold: an ISO time, or an expression such as "
        "'last May' read against recorded_at",
    )
    valid_to: TimeText | None = Field(default=None, description="When it stops holding")
    recorded_at: Instant | None = Field(default=None, description="When it was learnt (now)")
    confidence: float | None = Field(default=None, description="0..1")
    source: str | None = Field(default=None, description="uid of the asserting Source")
    episode: str | None = Field(default=None, description="uid of the asserting episode")
    text: str | None = Field(default=None, description="The fact as a sentence")
    embedding: list[float] | None = None

    def to_write(self) -> records.FactWrite:
        return records.FactWrite(**self.model_dump())


class FactListParams(_In):
    """Query parameters of GET /facts."""

    subject: str | None = Field(default=None, description="uid of the subject")
    predicate: str | None = Field(default=None, description="edge label")
    object: str | None = Field(default=None, description="uid of the object")
    include_closed: bool = False
    cursor: str | None = Field(default=None, description="next_cursor of the previous page")
    limit: int = Field(default=100, ge=1, le=10_000)

    def to_query(self) -> records.FactQuery:
        return records.FactQuery(**self.model_dump())


class EntityReadIn(_In):
    """How to read one entity (REST's GET .../entities/{uid}, MCP's ``get_entity``)."""

    include_closed: bool = Field(default=False, description="Also facts no longer true")
    facts_limit: int = Field(
        default=100, ge=0, le=10_000, description="Most facts returned each way (out, in)"
    )
    known_at: Instant | None = Field(
        default=None,
        description="As the store believed it then: facts recorded by then, each with the "
        "validity believed then, current then unless include_closed (time zone required)",
    )


class TimelineIn(_In):
    """How to read an entity's timeline (REST's GET .../entities/{uid}/timeline, MCP's
    ``timeline``)."""

    limit: int = Field(default=1000, ge=1, le=10_000)
    include_structural: bool = Field(
        default=False,
        description="Also list structural edges (episodes that MENTION the entity, ...)",
    )
    known_at: Instant | None = Field(
        default=None,
        description="As the store believed it then: facts recorded by then, each with the "
        "validity believed then (time zone required)",
    )


class CloseFactIn(_In):
    valid_to: Instant | None = Field(
        default=None, description="When it stopped holding (default: now)"
    )


class BatchIn(_In):
    """Entities, then facts, written in one transaction: all or nothing."""

    entities: list[BatchEntityIn] = Field(default_factory=list)
    facts: list[FactIn] = Field(default_factory=list)

    def to_write(self) -> records.BatchWrite:
        return records.BatchWrite(
            entities=[e.to_write(e.uid) for e in self.entities],
            facts=[f.to_write() for f in self.facts],
        )
