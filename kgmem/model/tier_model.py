"""Public data types of memory tiers and distillation.

Episodes live in one of three tiers: ``working`` (younger than the policy's working
window), ``episodic`` (older) and ``semantic`` (promoted: its facts were extracted, or
it was recalled often). Facts and distilled summaries are semantic memory. A policy per
namespace says when an episode is promoted, how its retrieval weight decays, and when
it is archived (out of the vector and keyword indexes, still stored and restorable).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from kgmem.model.records import Entity

Tier = Literal["working", "episodic", "semantic"]
DistillMethod = Literal["extractive", "abstractive"]


@dataclass(frozen=True, slots=True)
class TierPolicy:
    """How a namespace's episodes move between tiers; every rule is off when None.

    - promotion to ``semantic``: ``promote_min_facts`` facts claimed by the episode
      (only verified ones with ``promote_verified_only``), or ``promote_min_recalls``
      recalls (returned among a search's hits);
    - decay: a multiplicative factor on the search score of ``episodic`` episodes,
      ``0.5 ** (age_days / decay_half_life_days)`` times
      ``0.5 ** (days_since_last_recall / recall_half_life_days)`` (an episode never
      recalled counts from when it occurred), never below ``decay_floor``;
    - archiving of episodes in ``archive_tiers`` older than ``archive_after_days`` and
      not recalled for ``archive_idle_days`` (when set).
    """

    working_hours: Annotated[float, Field(gt=0, description="Episodes younger are working")] = 24.0
    promote_min_facts: Annotated[
        int | None, Field(gt=0, description="Promote an episode claiming this many facts")
    ] = 1
    promote_verified_only: Annotated[bool, Field(description="Count verified facts only")] = False
    promote_min_recalls: Annotated[
        int | None, Field(gt=0, description="Promote an episode recalled this often")
    ] = 3
    decay_half_life_days: Annotated[float | None, Field(gt=0, description="Decay by age")] = None
    recall_half_life_days: Annotated[
        float | None, Field(gt=0, description="Decay by time since the last recall")
    ] = None
    decay_floor: Annotated[float, Field(ge=0, le=1, description="The factor's minimum")] = 0.05
    archive_after_days: Annotated[float | None, Field(gt=0, description="Archive older")] = None
    archive_idle_days: Annotated[
        float | None, Field(gt=0, description="... and not recalled for this long")
    ] = None
    archive_tiers: tuple[Tier, ...] = ("episodic",)
    track_recalls: Annotated[bool, Field(description="Count episodes returned by searches")] = True


@dataclass(frozen=True, slots=True)
class EpisodeTier:
    """Where one episode stands: its tier, recalls and whether it is archived."""

    uid: str
    tier: Tier
    occurred_at: datetime | None
    recalls: int = 0
    last_recalled_at: datetime | None = None
    promoted_at: datetime | None = None
    promoted_because: str | None = None
    archived_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TierReport:
    """What one application of a policy changed, and the tier counts after it."""

    promoted: tuple[str, ...]
    archived: tuple[str, ...]
    counts: Annotated[Mapping[str, int], Field(description="Episodes per tier, and archived")]
    at: datetime


@dataclass(frozen=True, slots=True)
class DistillRequest:
    """Distil the namespace's episodes: one group per ``session`` property (or per
    ``group_by`` property), cut into windows of ``window`` episodes in time order; each
    window becomes one summary. ``extractive`` keeps ``keep`` of its sentences (a share
    when below 1, a count otherwise), chosen by salience; ``abstractive`` asks the LLM
    for a summary and facts within ``max_tokens`` in all. ``episodes``: only these;
    ``archive_sources``: archive the distilled episodes afterwards. ``salience_mix`` is
    the vector share of an extractive sentence's salience (0: its words only; chosen
    by ``python -m bench distill``, see docs/performance.md)."""

    method: DistillMethod = "extractive"
    episodes: Annotated[
        tuple[str, ...],
        Field(max_length=100_000, description="Only these (default: undistilled)"),
    ] = ()
    group_by: Annotated[str, Field(min_length=1, description="Property to group by")] = "session"
    window: Annotated[int, Field(ge=1, le=1000, description="Episodes per summary")] = 20
    keep: Annotated[float, Field(gt=0, le=1000, description="Sentences kept: share or count")] = (
        0.25
    )
    max_tokens: Annotated[int | None, Field(gt=0, description="LLM tokens at most, in all")] = None
    archive_sources: Annotated[bool, Field(description="Archive the distilled episodes")] = False
    salience_mix: Annotated[float, Field(ge=0, le=1, description="Vector share of salience")] = 0.0


@dataclass(frozen=True, slots=True)
class DistilledItem:
    """A summary vertex (``kind`` ``summary``) or fact distilled from ``episodes``."""

    uid: str
    kind: Literal["summary", "fact"]
    text: str
    episodes: tuple[str, ...]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Distillation:
    """What one distillation made: items, and the size before and after."""

    method: DistillMethod
    items: tuple[DistilledItem, ...]
    episodes_in: int
    tokens_in: Annotated[int, Field(description="Estimated tokens of the episodes distilled")]
    tokens_out: Annotated[int, Field(description="Estimated tokens of the summaries written")]
    llm_tokens: int = 0
    archived: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a distilled summary came from, as the graph holds it now: the episodes
    still remembered (``forgotten``: how many are gone), their sources with the
    reliability verification gave them, ``support`` (the share of its episodes still
    remembered) and ``trust`` (support times the sources' mean reliability; None when
    no source was scored)."""

    uid: str
    text: str
    method: str
    episodes: Annotated[tuple[str, ...], Field(description="Source episodes still remembered")]
    forgotten: Annotated[int, Field(description="Source episodes forgotten since")]
    sources: Annotated[
        Mapping[str, float | None], Field(description="Sources and their reliability")
    ]
    support: float
    trust: float | None
    properties: Mapping[str, Any] = field(default_factory=dict)


def policy_of(data: Mapping[str, Any]) -> TierPolicy:
    """The policy a stored (already validated) mapping holds; unknown keys are ignored."""
    known = {k: v for k, v in data.items() if k in TierPolicy.__dataclass_fields__}
    if "archive_tiers" in known:
        known["archive_tiers"] = tuple(known["archive_tiers"])
    return TierPolicy(**known)


def policy_data(policy: TierPolicy) -> dict[str, Any]:
    """``policy`` as a JSON-ready mapping."""
    out = {k: getattr(policy, k) for k in TierPolicy.__dataclass_fields__}
    out["archive_tiers"] = list(policy.archive_tiers)
    return out


@dataclass(frozen=True, slots=True)
class Moved:
    """The episodes one archive or restore moved (the others already were)."""

    uids: Annotated[
        tuple[str, ...], Field(description="The episodes this call moved (others were already)")
    ]


@dataclass(frozen=True, slots=True)
class ArchiveHit:
    """An archived episode matching a text, with its score."""

    episode: Entity
    score: float
