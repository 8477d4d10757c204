"""Requests that shape how the graph is built, as REST reads them: a namespace's
pipeline and a merge of two entities."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PipelineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extractors: list[str] | None = Field(
        default=None, description="In order, among structured, known, spacy, llm"
    )
    stages: list[str] | None = Field(
        default=None, description="extract, resolve, date, write, link (date, link optional)"
    )
    llm_budget_tokens: int | None = None


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keep: str = Field(description="uid of the entity that stays")
    merge: str = Field(description="uid of the entity folded into it")
    reason: str = "manual"
