"""Request and response bodies of the memory-tier and distillation routes."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kgmem import tier_model as tm
from kgmem.model import Entity
from kgmem.model.tier_input import PolicyIn, TierName
from kgmem.model.times import Instant


class PolicyOut(BaseModel):
    working_hours: float
    promote_min_facts: int | None
    promote_verified_only: bool
    promote_min_recalls: int | None
    decay_half_life_days: float | None
    recall_half_life_days: float | None
    decay_floor: float
    archive_after_days: float | None
    archive_idle_days: float | None
    archive_tiers: list[TierName]
    track_recalls: bool

    @classmethod
    def of(cls, p: tm.TierPolicy) -> PolicyOut:
        return cls(**tm.policy_data(p))


class ApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    now: Instant | None = Field(default=None, description="Apply as of this time (default now)")


class TierReportOut(BaseModel):
    promoted: list[str]
    archived: list[str]
    counts: dict[str, int] = Field(description="Episodes per tier, and archived")
    at: datetime

    @classmethod
    def of(cls, r: tm.TierReport) -> TierReportOut:
        return cls(
            promoted=list(r.promoted), archived=list(r.archived), counts=dict(r.counts), at=r.at
        )


class EpisodeTierOut(BaseModel):
    uid: str
    tier: TierName
    occurred_at: datetime | None
    recalls: int
    last_recalled_at: datetime | None
    promoted_at: datetime | None
    promoted_because: str | None
    archived_at: datetime | None

    @classmethod
    def of(cls, t: tm.EpisodeTier) -> EpisodeTierOut:
        return cls(**dataclasses.asdict(t))


class UidsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uids: list[str] = Field(min_length=1, max_length=10_000, description="Episode uids")


class MovedOut(BaseModel):
    uids: list[str] = Field(description="The episodes this call moved (others were already)")


class ArchiveSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=10_000)
    k: int = Field(default=10, ge=1, le=1000)


class ArchiveHitOut(BaseModel):
    episode: Entity
    score: float


class DistillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Literal["extractive", "abstractive"] = "extractive"
    episodes: list[str] = Field(
        default_factory=list, max_length=100_000, description="Only these (default: undistilled)"
    )
    group_by: str = Field(default="session", min_length=1, description="Property to group by")
    window: int = Field(default=20, ge=1, le=1000, description="Episodes per summary")
    keep: float = Field(default=0.25, gt=0, le=1000, description="Sentences kept: share or count")
    max_tokens: int | None = Field(default=None, gt=0, description="LLM tokens at most, in all")
    archive_sources: bool = Field(default=False, description="Archive the distilled episodes")
    salience_mix: float = Field(default=0.0, ge=0, le=1, description="Vector share of salience")

    def to_request(self) -> tm.DistillRequest:
        data = self.model_dump()
        data["episodes"] = tuple(data["episodes"])
        return tm.DistillRequest(**data)


class DistilledItemOut(BaseModel):
    uid: str
    kind: Literal["summary", "fact"]
    text: str
    episodes: list[str]
    sources: list[str]


class DistillationOut(BaseModel):
    method: Literal["extractive", "abstractive"]
    items: list[DistilledItemOut]
    episodes_in: int
    tokens_in: int = Field(description="Estimated tokens of the episodes distilled")
    tokens_out: int = Field(description="Estimated tokens of the summaries written")
    llm_tokens: int
    archived: list[str]
    notes: list[str]

    @classmethod
    def of(cls, d: tm.Distillation) -> DistillationOut:
        return cls(
            method=d.method,
            items=[
                DistilledItemOut(
                    uid=i.uid,
                    kind=i.kind,
                    text=i.text,
                    episodes=list(i.episodes),
                    sources=list(i.sources),
                )
                for i in d.items
            ],
            episodes_in=d.episodes_in,
            tokens_in=d.tokens_in,
            tokens_out=d.tokens_out,
            llm_tokens=d.llm_tokens,
            archived=list(d.archived),
            notes=list(d.notes),
        )


class ProvenanceOut(BaseModel):
    uid: str
    text: str
    method: str
    episodes: list[str] = Field(description="Source episodes still remembered")
    forgotten: int = Field(description="Source episodes forgotten since")
    sources: dict[str, float | None] = Field(description="Sources and their reliability")
    support: float
    trust: float | None
    properties: dict[str, Any]

    @classmethod
    def of(cls, p: tm.Provenance) -> ProvenanceOut:
        data = dataclasses.asdict(p)
        data["episodes"] = list(p.episodes)
        return cls(**data)


__all__ = ["PolicyIn", "TierName"]
