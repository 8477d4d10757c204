"""Requests that write and read namespaces, entities and facts, as REST and MCP take
them. The writes are generated from the core records they convert to (``EntityWrite``,
``FactWrite``, ...; ``kgmem.model.record_input``), fields and descriptions included;
meaning (identifiers, limits, time order, vector dimension) is checked by the core so
that the Python API gets the same rules."""

from __future__ import annotations

import dataclasses

from pydantic import BaseModel, ConfigDict, Field

from kgmem.model import records
from kgmem.model.record_input import RecordIn
from kgmem.model.times import Instant


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NamespaceIn(RecordIn, record=records.Namespace, exclude=("created_at",)):
    """A namespace to create: the record's fields but its creation time, and whether an
    existing one answers."""

    description: str = ""
    exist_ok: bool = Field(
        default=False,
        description="Answer the namespace (200) when one of this name and text_config "
        "exists, instead of 409 namespace_exists",
    )


class EntityIn(RecordIn, record=records.EntityWrite, exclude=("uid",)):
    """An entity to create or replace (PUT semantics: properties are replaced)."""

    def to_write(self, uid: str) -> records.EntityWrite:
        write: records.EntityWrite = self.to_record(uid=uid)
        return write


class EntityPatchIn(RecordIn, record=records.EntityPatch, exclude=("remove_location",)):
    """A JSON merge patch (RFC 7386) of an entity: ``properties`` are merged into the
    stored ones (null removes a key); ``label`` and ``location`` replace the stored ones
    when present; ``location: null`` removes the point. Anything absent is kept."""

    def to_patch(self) -> records.EntityPatch:
        patch: records.EntityPatch = self.to_record()
        given = {k: v for k, v in patch.declared.items() if k in self.model_fields_set}
        patch = dataclasses.replace(patch, declared=given)
        if "location" in self.model_fields_set and patch.location is None:
            return dataclasses.replace(patch, remove_location=True)
        return patch


class BatchEntityIn(RecordIn, record=records.EntityWrite):
    def to_write(self) -> records.EntityWrite:
        write: records.EntityWrite = self.to_record()
        return write


class FactIn(RecordIn, record=records.FactWrite):
    """A fact edge subject -[predicate]-> object with its times and provenance."""

    def to_write(self) -> records.FactWrite:
        write: records.FactWrite = self.to_record()
        return write


class FactListParams(RecordIn, record=records.FactQuery):
    """Query parameters of GET /facts."""

    def to_query(self) -> records.FactQuery:
        query: records.FactQuery = self.to_record()
        return query


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


class BatchIn(RecordIn, record=records.BatchWrite):
    """Entities, then facts, written in one transaction: all or nothing."""

    def to_write(self) -> records.BatchWrite:
        write: records.BatchWrite = self.to_record()
        return write
