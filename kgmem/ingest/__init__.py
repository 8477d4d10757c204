"""Memory-graph building: episodes to entities, facts and events.

``Builder`` stores episodes and runs each namespace's pipeline (extract, resolve,
date, write, link) over them; ``merges`` merges and unmerges entities; ``forget``
deletes an episode and what only it supported; ``communities`` groups entities.
"""

from kgmem.ingest.builder import Builder, PipelineConfig
from kgmem.ingest.forget import Forgotten
from kgmem.ingest.types import (
    EntityMention,
    EpisodeOutcome,
    EpisodeWrite,
    FactMention,
    MergeRecord,
    Resolution,
)

__all__ = [
    "Builder",
    "EntityMention",
    "EpisodeOutcome",
    "EpisodeWrite",
    "FactMention",
    "Forgotten",
    "MergeRecord",
    "PipelineConfig",
    "Resolution",
]
