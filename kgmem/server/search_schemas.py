"""Response bodies of search, timeline and causal trace, and the parameters of the
trace; the search request itself is the model's (``kgmem.model.search_input``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from pydantic_core import to_json

from kgmem import model
from kgmem.model.search_input import (
    CausalIn,
    ExpansionIn,
    FiltersIn,
    PlaceIn,
    SearchIn,
    TimeIn,
    WeightsIn,
)
from kgmem.server.schemas import EntityOut, FactOut

__all__ = [
    "CausalIn",
    "ExpansionIn",
    "FiltersIn",
    "PlaceIn",
    "SearchIn",
    "TimeIn",
    "WeightsIn",
]


class SearchHitOut(BaseModel):
    kind: Literal["entity", "episode", "fact"]
    uid: str
    rank: int
    score: float = Field(description="Fused score the hits are ranked by")
    relevance: float = Field(
        description="In [0, 1]: weighted mean of the axes' scores, each scaled by the "
        "best of this search; 1 = best on every axis used"
    )
    scores: dict[str, float] = Field(description="Per axis, in [0, 1]")
    reasons: dict[str, str] = Field(description="Per axis, why it matched")
    entity: EntityOut | None = None
    fact: FactOut | None = None
    trust: float | None = Field(default=None, description="A fact hit's consensus trust")
    status: Literal["verified", "contested", "unverified", "refuted"] | None = Field(
        default=None, description="A fact hit's verification status"
    )
    context: list[EntityOut] = Field(
        default_factory=list,
        description="With context: the episode's neighbouring turns in its session, in order",
    )

    @classmethod
    def of(cls, h: model.SearchHit) -> SearchHitOut:
        return cls(
            kind=h.kind,
            uid=h.uid,
            rank=h.rank,
            score=h.score,
            relevance=h.relevance,
            scores=dict(h.scores),
            reasons=dict(h.reasons),
            entity=EntityOut.of(h.entity) if h.entity else None,
            fact=FactOut.of(h.fact) if h.fact else None,
            trust=h.trust,
            status=h.status,
            context=[EntityOut.of(e) for e in h.context],
        )


class SearchOut(BaseModel):
    hits: list[SearchHitOut]
    plan: list[str] | None = Field(default=None, description="With explain: the stages run")
    timings_ms: dict[str, float] | None = Field(
        default=None, description="With explain: milliseconds per stage"
    )

    @classmethod
    def of(cls, r: model.SearchResult) -> SearchOut:
        return cls(
            hits=[SearchHitOut.of(h) for h in r.hits],
            plan=list(r.plan) if r.plan is not None else None,
            timings_ms=dict(r.timings_ms) if r.timings_ms is not None else None,
        )


class TimelineEntryOut(BaseModel):
    direction: Literal["outgoing", "incoming"]
    fact: FactOut


class TimelineOut(BaseModel):
    uid: str
    entries: list[TimelineEntryOut]


class CausalStepOut(BaseModel):
    fact: str
    cause: str
    effect: str
    predicate: str
    strength: float
    lag: str | None
    cause_after_effect: bool = Field(description="The cause starts after its effect")
    text: str | None = Field(default=None, description="The causal fact's text")


class CausalNodeOut(BaseModel):
    uid: str
    label: str
    name: str | None = None


class CausalPathOut(BaseModel):
    end: str
    strength: float = Field(description="Product of the strengths along the path")
    flagged: bool = Field(description="Some cause on the path starts after its effect")
    steps: list[CausalStepOut]
    nodes: list[CausalNodeOut] = Field(
        default_factory=list, description="The vertices along the path, the anchor first"
    )

    @classmethod
    def of(cls, p: model.CausalPath) -> CausalPathOut:
        return cls(
            end=p.end,
            strength=p.strength,
            flagged=p.flagged,
            steps=[CausalStepOut(**_step(s)) for s in p.steps],
            nodes=[CausalNodeOut(uid=n.uid, label=n.label, name=n.name) for n in p.nodes],
        )


class CausalTraceOut(BaseModel):
    anchor: str
    direction: Literal["forward", "backward"]
    paths: list[CausalPathOut]


def _step(s: model.CausalStep) -> dict[str, object]:
    return {
        "fact": s.fact,
        "cause": s.cause,
        "effect": s.effect,
        "predicate": s.predicate,
        "strength": s.strength,
        "lag": s.lag,
        "cause_after_effect": s.cause_after_effect,
        "text": s.text,
    }


def search_json(r: model.SearchResult) -> bytes:
    """The JSON of ``SearchOut.of(r)`` built in one pass: plain dicts in the models'
    field order, serialised by pydantic-core without building and validating a model
    per hit, entity, fact and location (tested byte for byte against the models)."""
    return to_json(
        {
            "hits": [_hit(h) for h in r.hits],
            "plan": list(r.plan) if r.plan is not None else None,
            "timings_ms": {k: float(v) for k, v in r.timings_ms.items()}
            if r.timings_ms is not None
            else None,
        }
    )


def _hit(h: model.SearchHit) -> dict[str, object]:
    return {
        "kind": h.kind,
        "uid": h.uid,
        "rank": h.rank,
        "score": float(h.score),
        "relevance": float(h.relevance),
        "scores": {k: float(v) for k, v in h.scores.items()},
        "reasons": dict(h.reasons),
        "entity": _entity(h.entity) if h.entity else None,
        "fact": _fact(h.fact) if h.fact else None,
        "trust": _float(h.trust),
        "status": h.status,
        "context": [_entity(e) for e in h.context],
    }


def _entity(e: model.Entity) -> dict[str, object]:
    at = e.location
    return {
        "uid": e.uid,
        "label": e.label,
        "properties": dict(e.properties),
        "location": {"lat": float(at.lat), "lon": float(at.lon)} if at else None,
        "has_embedding": e.has_embedding,
        "graph_id": e.id,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    }


def _fact(f: model.Fact) -> dict[str, object]:
    return {
        "uid": f.uid,
        "subject": f.subject,
        "predicate": f.predicate,
        "object": f.object,
        "properties": dict(f.properties),
        "status": "closed" if f.is_closed else "current",
        "valid_from": f.valid_from,
        "valid_to": f.valid_to,
        "recorded_at": f.recorded_at,
        "expired_at": f.expired_at,
        "confidence": _float(f.confidence),
        "text": f.text,
        "sources": list(f.sources),
        "episodes": list(f.episodes),
        "graph_id": f.id,
        "trust": _float(f.trust),
        "verification": f.verification,
    }


def _float(value: float | None) -> float | None:
    return float(value) if value is not None else None
