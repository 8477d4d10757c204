"""Public types of prompt context: what a prompt asks memory for and what it gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import Field

from kgmem.model.records import (
    VerificationStatus,
)
from kgmem.model.shown import Shown
from kgmem.model.times import Instant

MIN_BUDGET = 16
MAX_BUDGET = 100_000


@dataclass(frozen=True, slots=True)
class ContextQuery:
    """What a prompt needs from memory: ``text`` to look for, within ``budget_tokens``.

    ``k`` bounds the search hits the block starts from; ``valid_at`` reads the world as of
    that time; ``min_trust`` leaves out facts scored below it.
    """

    text: str
    budget_tokens: Annotated[
        int,
        Field(
            ge=MIN_BUDGET,
            le=MAX_BUDGET,
            description="Most tokens the block may take (estimated, see the README)",
        ),
    ] = 1000
    k: Annotated[int, Field(ge=1, le=100, description="Search hits to start from")] = 10
    valid_at: Annotated[Instant | None, Field(description="Read the world as of then")] = None
    min_trust: Annotated[
        float | None,
        Field(ge=0, le=1, description="Leave out facts scored below this trust"),
    ] = None


@dataclass(frozen=True, slots=True)
class ContextFact:
    """A fact in a memory block, with its names, validity and trust."""

    uid: str
    subject: str
    predicate: str
    object: str
    subject_name: str
    object_name: str
    valid_from: datetime | None
    valid_to: datetime | None
    current: bool
    trust: Shown | None
    status: VerificationStatus | None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ContextEpisode:
    """An episode in a memory block with the turns around it in its session."""

    uid: str
    text: str
    occurred_at: str | None
    speaker: str | None
    session: str | None
    session_context: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Contradiction:
    """Competing values of one (subject, predicate): the facts and their values."""

    subject: str
    predicate: str
    facts: tuple[str, ...]
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MemoryContext:
    """A ready-to-use memory block for a prompt (``text``) and what it was made of.

    ``tokens`` is the block's estimated size (``kgmem.context.estimate_tokens``), never
    above ``budget_tokens``; ``omitted`` counts items that did not fit.
    """

    text: str
    tokens: int
    budget_tokens: int
    facts: tuple[ContextFact, ...]
    episodes: tuple[ContextEpisode, ...]
    contradictions: tuple[Contradiction, ...]
    omitted: int
