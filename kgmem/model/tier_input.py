"""The tier and distillation requests as every door reads them: REST's bodies (PUT
/tiers/policy, /tiers/archive, /tiers/archive/search, /distill), MCP's tool arguments
(``set_tier_policy`` ``policy``, the fields of the others), checked the same way."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kgmem.model import tier_model as tm
from kgmem.model.times import Instant

TierName = Literal["working", "episodic", "semantic"]


def _episodic_only() -> list[TierName]:
    return ["episodic"]


class PolicyIn(BaseModel):
    """A namespace's tier policy; a field left out takes its default (null turns a rule
    off)."""

    model_config = ConfigDict(extra="forbid")
    working_hours: float = Field(default=24.0, gt=0, description="Episodes younger are working")
    promote_min_facts: int | None = Field(
        default=1, gt=0, description="Promote an episode claiming this many facts"
    )
    promote_verified_only: bool = Field(default=False, description="Count verified facts only")
    promote_min_recalls: int | None = Field(
        default=3, gt=0, description="Promote an episode recalled this often"
    )
    decay_half_life_days: float | None = Field(default=None, gt=0, description="Decay by age")
    recall_half_life_days: float | None = Field(
        default=None, gt=0, description="Decay by time since the last recall"
    )
    decay_floor: float = Field(default=0.05, ge=0, le=1, description="The factor's minimum")
    archive_after_days: float | None = Field(default=None, gt=0, description="Archive older")
    archive_idle_days: float | None = Field(
        default=None, gt=0, description="... and not recalled for this long"
    )
    archive_tiers: list[TierName] = Field(default_factory=_episodic_only)
    track_recalls: bool = Field(default=True, description="Count episodes returned by searches")

    def to_data(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


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


class ApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    now: Instant | None = Field(default=None, description="Apply as of this time (default now)")


class UidsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uids: list[str] = Field(min_length=1, max_length=10_000, description="Episode uids")


class ArchiveSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=10_000, description="What to look for")
    k: int = Field(default=10, ge=1, le=1000)
