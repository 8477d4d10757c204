"""Search hits as the text and metadata a framework's document carries."""

from __future__ import annotations

from typing import Any

from kgmem.declarations import episode as episode_declaration
from kgmem.model import SearchHit


def hit_text(hit: SearchHit) -> str:
    """What a model should read for the hit: the fact as a sentence, the episode's text
    or the entity's name and type."""
    if hit.fact is not None:
        fact = hit.fact
        if fact.text:
            return fact.text
        return f"{fact.subject} {fact.predicate} {fact.object}"
    if hit.entity is not None:
        props = hit.entity.properties
        if hit.kind == "episode":
            return str(props.get("text", ""))
        name = props.get("name") or hit.entity.uid
        return f"{name} ({hit.entity.label})"
    return hit.uid


def hit_metadata(hit: SearchHit) -> dict[str, Any]:
    """The hit's identity, scores and (for facts) validity and trust."""
    meta: dict[str, Any] = {
        "uid": hit.uid,
        "kind": hit.kind,
        "score": hit.score,
        "scores": dict(hit.scores),
        "reasons": dict(hit.reasons),
    }
    if hit.fact is not None:
        meta |= {
            "subject": hit.fact.subject,
            "predicate": hit.fact.predicate,
            "object": hit.fact.object,
            "valid_from": hit.fact.valid_from.isoformat() if hit.fact.valid_from else None,
            "valid_to": hit.fact.valid_to.isoformat() if hit.fact.valid_to else None,
            "trust": hit.trust,
            "status": hit.status,
        }
    elif hit.entity is not None and hit.kind == "episode":
        props = hit.entity.properties
        meta |= {k: props[k] for k in episode_declaration.TOLD if k in props}
    return meta
