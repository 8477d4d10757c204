"""An episode as every door reads it: the validated form of ``EpisodeWrite`` with the
entities and facts the caller already knows, generated from those records
(``kgmem.model.record_input``). REST takes it in POST /episodes, MCP's ``add_episode``
and ``add_episodes`` take it as their ``episode``/``episodes``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kgmem.model.episodes import EntityMention, EpisodeWrite, FactMention
from kgmem.model.record_input import RecordIn


class EntityMentionIn(RecordIn, record=EntityMention, exclude=("via",)):
    """An entity the episode mentions."""

    def to_core(self) -> EntityMention:
        mention: EntityMention = self.to_record()
        return mention


class FactMentionIn(RecordIn, record=FactMention):
    """A statement the episode makes: subject -[predicate]-> object, by names."""

    def to_core(self) -> FactMention:
        mention: FactMention = self.to_record()
        return mention


class EpisodeIn(RecordIn, record=EpisodeWrite):
    """A memory to store: a conversation turn, a note, a document chunk."""

    def to_core(self) -> EpisodeWrite:
        episode: EpisodeWrite = self.to_record()
        return episode


class EpisodeBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    episodes: list[EpisodeIn] = Field(min_length=1)
