"""Request and response bodies of the memory-graph building endpoints (episodes,
pipeline configuration, merges, communities)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kgmem import ingest
from kgmem.model.episode_input import EntityMentionIn, EpisodeBatchIn, EpisodeIn, FactMentionIn
from kgmem.model.episodes import EpisodeOutcome


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EpisodeBatchOut(BaseModel):
    episodes: list[EpisodeOutcome]


class PipelineIn(_In):
    extractors: list[str] | None = Field(
        default=None, description="In order, among structured, known, spacy, llm"
    )
    stages: list[str] | None = Field(
        default=None, description="extract, resolve, date, write, link (date, link optional)"
    )
    llm_budget_tokens: int | None = None


class PipelineOut(BaseModel):
    extractors: list[str]
    stages: list[str]
    llm_budget_tokens: int | None
    llm_tokens_spent: int


class MergeIn(_In):
    keep: str = Field(description="uid of the entity that stays")
    merge: str = Field(description="uid of the entity folded into it")
    reason: str = "manual"


class MergeOut(BaseModel):
    id: int
    kept: str
    merged: str
    evidence: dict[str, Any]
    merged_at: datetime
    undone_at: datetime | None

    @classmethod
    def of(cls, m: ingest.MergeRecord) -> MergeOut:
        return cls(
            id=m.id,
            kept=m.kept,
            merged=m.merged,
            evidence=dict(m.evidence),
            merged_at=m.merged_at,
            undone_at=m.undone_at,
        )


__all__ = [
    "EntityMentionIn",
    "EpisodeBatchIn",
    "EpisodeIn",
    "FactMentionIn",
]


class CommunityOut(BaseModel):
    uid: str
    members: list[str] = Field(description="Entity uids, most central first")
    summary: str


class CommunitiesOut(BaseModel):
    recomputed: bool = Field(description="False when nothing changed since the last run")
    communities: list[CommunityOut]
