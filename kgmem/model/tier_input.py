"""The tier and distillation requests as every door reads them: REST's bodies (PUT
/tiers/policy, /tiers/archive, /tiers/archive/search, /distill), MCP's tool arguments
(``set_tier_policy`` ``policy``, the fields of the others), checked the same way."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kgmem.model import tier_model as tm
from kgmem.model.record_input import RecordIn
from kgmem.model.times import Instant

TierName = Literal["working", "episodic", "semantic"]


class PolicyIn(RecordIn, record=tm.TierPolicy):
    """A namespace's tier policy; a field left out takes its default (null turns a rule
    off)."""

    def to_data(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class DistillIn(RecordIn, record=tm.DistillRequest):
    def to_request(self) -> tm.DistillRequest:
        request: tm.DistillRequest = self.to_record()
        return request


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
