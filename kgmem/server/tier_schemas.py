"""Request and response bodies of the memory-tier and distillation routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kgmem import tier_model as tm
from kgmem.model import Entity
from kgmem.model.tier_input import PolicyIn, TierName
from kgmem.model.times import Instant


class ApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    now: Instant | None = Field(default=None, description="Apply as of this time (default now)")


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


__all__ = ["PolicyIn", "TierName"]
