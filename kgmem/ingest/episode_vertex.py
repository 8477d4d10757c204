"""An episode as the vertex that stores it, and back: the work a retry of a stored
episode redoes is read from that vertex.

The vertex's keys are declared in ``kgmem.declarations.episode``; the caller's
structured input (the entities and facts it gave) is kept under ``input`` so a retry
builds the same graph, the facts' declared data fields included.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import pydantic
from pydantic_core import to_jsonable_python

from kgmem.declarations import episode as episode_declaration
from kgmem.ingest import session_context
from kgmem.ingest.types import EntityMention, EpisodeWrite, FactMention, Work
from kgmem.model import Entity, EntityWrite, declared_fields

_FACT_MENTION = pydantic.TypeAdapter(FactMention)
_ENTITY_MENTION = pydantic.TypeAdapter(EntityMention)


def to_vertex(work: Work, status: str, error: str | None = None) -> EntityWrite:
    """The episode as a vertex; the pending write carries the vector embedded beforehand."""
    e = work.episode
    props: dict[str, Any] = {
        "text": e.text,
        "occurred_at": work.reference_time.isoformat(),
        "extraction": status,
        "input": _input_of(e),
    }
    if work.preceding:
        props[session_context.PRECEDING] = work.preceding
    for name, value in (("speaker", e.speaker), ("session", e.session), ("source", e.source)):
        if value:
            props[name] = value
    if e.metadata:
        props["metadata"] = dict(e.metadata)
    props.update(e.declared)  # checked and coerced, unset ones left out (Builder._work)
    if error:
        props["extraction_error"] = error
    if status != "pending":
        props["tokens"] = work.extraction.tokens
        props["notes"] = list(work.extraction.notes)
    vector = work.vector if status == "pending" else None
    return EntityWrite(
        uid=work.episode_uid, label=episode_declaration.LABEL, properties=props, embedding=vector
    )


def _input_of(e: EpisodeWrite) -> dict[str, Any]:
    """The caller's structured input, kept on the episode so a retry can use it."""
    return {
        "entities": [_stored(m) for m in e.entities],
        "facts": [_stored(f) for f in e.facts],
    }


def _stored(mention: EntityMention | FactMention) -> dict[str, Any]:
    """An entity or fact mention as the episode keeps it: its fields as JSON (times as
    text), its declared data fields among them."""
    fields = {
        spec.name: getattr(mention, spec.name)
        for spec in dataclasses.fields(mention)
        if spec.name != declared_fields.FIELD
    }
    stored: dict[str, Any] = to_jsonable_python(fields | dict(mention.declared))
    return stored


def work_from(namespace: str, stored: Entity) -> Work:
    """The work a retry of the stored episode ``stored`` redoes: the episode as its
    caller wrote it, read back from its vertex."""
    p = stored.properties
    given = p.get("input") or {}
    episode = EpisodeWrite(
        text=str(p.get("text") or ""),
        uid=stored.uid,
        speaker=p.get("speaker"),
        source=p.get("source"),
        session=p.get("session"),
        metadata=p.get("metadata") or {},
        entities=[_ENTITY_MENTION.validate_python(m) for m in given.get("entities", [])],
        facts=[
            _FACT_MENTION.validate_python(
                {
                    **f,
                    "valid_from": _parse(f.get("valid_from")),
                    "valid_to": _parse(f.get("valid_to")),
                }
            )
            for f in given.get("facts", [])
        ],
        declared={f.name: p[f.name] for f in episode_declaration.DATA_FIELDS if f.name in p},
    )
    when = datetime.fromisoformat(str(p["occurred_at"]).replace("Z", "+00:00"))
    preceding = p.get(session_context.PRECEDING)
    return Work(
        namespace,
        stored.uid,
        episode,
        when,
        preceding=preceding if isinstance(preceding, str) else None,
    )


def _parse(value: str | None) -> datetime | str | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return parsed if parsed.tzinfo else value
