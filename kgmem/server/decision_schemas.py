"""Request and response bodies of the decision routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(min_length=1, description="How it turned out")
    cost: float | None = Field(default=None, gt=0, description="What it cost in the end")
