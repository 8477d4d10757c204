"""Change events: what a committed write tells the world, and where a reader stands."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from kgmem.errors import InvalidEventId

EVENT_TYPES = (
    "namespace.created",
    "namespace.deleted",
    "entity.upserted",
    "entity.deleted",
    "entity.merged",
    "entity.unmerged",
    "entity.embedded",
    "fact.added",
    "fact.closed",
    "fact.deleted",
    "episode.added",
    "episode.deleted",
    "source.deleted",
    "import.completed",
    "import.failed",
    "verification.completed",
    "communities.refreshed",
    "pipeline.configured",
    "cypher.written",
    "tiers.configured",
    "tiers.applied",
    "episode.archived",
    "episode.restored",
)
"""Every event type kgmem publishes."""

Backend = Literal["redis", "postgres"]

_REDIS_ID = re.compile(r"^(\d{1,20})-(\d{1,20})$")
_PG_ID = re.compile(r"^\d{1,18}$")


@dataclass(frozen=True, slots=True)
class Event:
    """One committed change. ``seq`` is the SSE id: a Redis stream id ("<ms>-<n>") or a
    PostgreSQL sequence number, increasing within a namespace."""

    seq: str
    type: str
    body: str
    """The JSON payload: namespace, type, ids, time and seq (plus type-specific fields)."""


@dataclass(frozen=True, slots=True)
class Reset:
    """The client may have missed events (too far behind, an id from before a restart,
    or the event backend changed): it should re-read what it cares about. ``seq`` is the
    position it continues from."""

    seq: str
    reason: str
    backend: Backend
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """A parsed event id: Redis ids compare as (ms, n), PostgreSQL ones as (seq, 0)."""

    major: int
    minor: int
    backend: Backend = field(compare=False)

    def __str__(self) -> str:
        return f"{self.major}-{self.minor}" if self.backend == "redis" else str(self.major)


def parse_position(text: str) -> Position:
    """An SSE id a client sent back; ``InvalidEventId`` when it is neither kind."""
    text = text.strip()
    if match := _REDIS_ID.match(text):
        return Position(int(match[1]), int(match[2]), "redis")
    if _PG_ID.match(text):
        return Position(int(text), 0, "postgres")
    raise InvalidEventId(
        f"Last-Event-ID {text[:40]!r} is not an event id of this server "
        "(a number, or <ms>-<n> with Redis)",
        last_event_id=text[:100],
    )
