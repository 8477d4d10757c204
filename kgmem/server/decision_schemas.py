"""Request and response bodies of the decision routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kgmem import agent_model as am
from kgmem.model.times import Instant


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str = Field(description="Who decided")
    decision: str = Field(min_length=1, description="What was decided")
    rationale: str = ""
    options: list[Any] = Field(default_factory=list, description="The options weighed")
    facts: list[str] = Field(default_factory=list, description="Uids of facts relied on")
    episodes: list[str] = Field(default_factory=list, description="Uids of episodes relied on")
    outcome: str | None = None
    cost: float | None = Field(default=None, gt=0)
    metadata: dict[str, Any] = Field(default_factory=dict)
    uid: str | None = Field(default=None, description="Your key for it; generated when absent")

    def to_write(self) -> am.DecisionWrite:
        return am.DecisionWrite(**self.model_dump())


class DecisionListParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str | None = None
    since: Instant | None = Field(default=None, description="Decided at or after")
    until: Instant | None = Field(default=None, description="Decided before")
    outcome: str | None = None
    fact: str | None = Field(default=None, description="Relied on this fact")
    flagged: bool | None = Field(default=None, description="Only (un)flagged ones")
    limit: int = Field(default=100, ge=1, le=1000)

    def to_query(self) -> am.DecisionQuery:
        return am.DecisionQuery(**self.model_dump())


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(min_length=1, description="How it turned out")
    cost: float | None = Field(default=None, gt=0, description="What it cost in the end")
