"""Answers of the memory-graph building endpoints that no core record gives whole:
a batch of episode outcomes, and a pipeline with the tokens it spent. The requests are
the model's (``kgmem.model.episode_input``, ``kgmem.model.building_input``); merges and
communities are answered with ``kgmem.ingest``'s records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from kgmem.ingest import PipelineConfig
from kgmem.model.episodes import EpisodeOutcome


class EpisodeBatchOut(BaseModel):
    episodes: list[EpisodeOutcome]


@dataclass(frozen=True, slots=True)
class PipelineOut(PipelineConfig):
    """A namespace's pipeline and the LLM tokens it has spent."""

    # Every field is in every answer, defaults or not.
    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(
        json_schema_serialization_defaults_required=True
    )
    llm_tokens_spent: int = 0
