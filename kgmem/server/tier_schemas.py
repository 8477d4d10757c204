"""Request and response bodies of the memory-tier and distillation routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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


__all__ = ["PolicyIn", "TierName"]
