"""Public types of verification: sources' reliability, facts' trust, checks and runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from kgmem.model.records import (
    VerificationStatus,
)
from kgmem.model.shown import Shown


@dataclass(frozen=True, slots=True)
class SourceReliability:
    """A source and how far its claims have proven true (``reliability`` in [0, 1]; None
    until a verification run has scored it). ``copying`` is the probability that it
    copies whoever asserted an item before it."""

    uid: str
    name: str | None
    kind: str | None
    prior_reliability: float | None
    reliability: float | None
    claims: int
    copying: float
    scored_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReliabilityPoint:
    """One reliability a source was given: by a full run or an incremental update."""

    at: datetime
    reliability: float
    claims: int
    run: Literal["full", "incremental"]


@dataclass(frozen=True, slots=True)
class SourceDetail:
    """A source with its reliability history (newest first)."""

    source: SourceReliability
    history: tuple[ReliabilityPoint, ...]


@dataclass(frozen=True, slots=True)
class SourceClaim:
    """A source asserting a value, with the source's reliability over all its claims
    and ``predicate_reliability``, its reliability on this fact's predicate: the one
    its claim was weighed with when reliabilities are learnt per predicate (None when
    they are not, or the source was not scored on the predicate yet)."""

    source: str
    reliability: float | None
    value: str
    fact: str
    confidence: float | None
    observed_at: datetime
    predicate_reliability: float | None = None


@dataclass(frozen=True, slots=True)
class WithdrawnClaim:
    """A claim its source no longer makes: ``source`` said ``value`` (fact ``fact``) at
    ``observed_at`` and withdrew it at ``withdrawn_at`` (the known time it said another
    value of the item). Kept as history; the current consensus does not count it."""

    source: str
    value: str
    fact: str
    confidence: float | None
    observed_at: datetime
    withdrawn_at: datetime


TrustGround = Literal["consensus", "unscored", "competitors", "nothing"]


@dataclass(frozen=True, slots=True)
class TrustBasis:
    """What a trust figure rests on: ``sources`` distinct sources and ``claims`` claims
    for the value, the mean ``prior`` reliability of those sources (declared, else the
    default; None without sources), and ``rests_on``: ``consensus`` (scored from the
    claims), ``unscored`` (claims not scored yet: trust is None until a run),
    ``competitors`` (no claim for the value; trust is what the scored competing values
    of a functional predicate leave) or ``nothing`` (no claim at all: trust is None, and
    the status is never ``verified``)."""

    rests_on: TrustGround
    sources: int
    claims: int
    prior: float | None


@dataclass(frozen=True, slots=True)
class ValueKind:
    """How the values of ``predicate`` are compared: ``kind`` is ``number``, ``date``,
    ``names`` (lists of people), ``category`` (short labels), ``text`` or ``auto`` (no
    values read yet: numbers when they parse, else strings); ``declared`` when the graph
    schema says so, else it was read from ``values`` claimed values, ``share`` of which
    fit the kind; ``evidence`` says it in words."""

    predicate: str
    kind: str
    declared: bool
    values: int
    share: float
    evidence: str


@dataclass(frozen=True, slots=True)
class TrustCalibration:
    """Whether the trust of ``predicate``'s facts is a calibrated probability:
    ``calibrated`` when a calibration is configured and the predicate has at least the
    configured number of claimed facts (``facts`` counts them up to that number; a
    full run counts them all); otherwise trust is the estimator's raw score and
    ``reason`` says why (no calibration configured, or too few claims to calibrate)."""

    predicate: str
    calibrated: bool
    facts: int
    reason: str


@dataclass(frozen=True, slots=True)
class FactVerification:
    """How well-supported a fact is: ``support`` independent sources for it (copies
    discounted), ``contradiction`` sources for competing values of the same data item,
    ``consensus`` its share of the item's support, ``trust`` the probability it is true.
    ``withdrawn`` are the former claims on its value that sources have since withdrawn
    (history: not counted in ``support`` nor anywhere in the consensus). ``value_kind``
    is how the predicate's values are compared, and why; ``calibration`` whether its
    trust is a calibrated probability, and why not."""

    fact: str
    subject: str
    predicate: str
    value: str
    functional: bool
    trust: Shown | None
    support: Shown
    contradiction: int
    consensus: Shown
    status: VerificationStatus
    chosen: bool
    sources_for: tuple[SourceClaim, ...]
    sources_against: tuple[SourceClaim, ...]
    scored_at: datetime | None
    basis: TrustBasis
    withdrawn: tuple[WithdrawnClaim, ...] = ()
    value_kind: ValueKind | None = None
    calibration: TrustCalibration | None = None


@dataclass(frozen=True, slots=True)
class CandidateCheck:
    """A candidate statement checked against the memory: the stored facts of its data
    item that match its value and those that contradict it, and the trust the memory
    gives the candidate (the matching fact's, else what is left when competitors hold);
    ``value_kind`` is how values of the predicate are compared, and why; ``calibration``
    whether its trust is a calibrated probability, and why not."""

    subject: str
    predicate: str
    value: str
    functional: bool
    trust: Shown | None
    status: VerificationStatus
    matches: tuple[FactVerification, ...]
    contradictions: tuple[FactVerification, ...]
    basis: TrustBasis
    value_kind: ValueKind | None = None
    calibration: TrustCalibration | None = None


@dataclass(frozen=True, slots=True)
class VerificationRun:
    """What a full verification run did; ``value_kinds``: how each scored predicate's
    values were compared, and why; ``calibration``: whether each one's trust is a
    calibrated probability, and why not."""

    namespace: str
    claims: int
    facts: int
    items: int
    sources: int
    dependent_pairs: int
    iterations: int
    seconds: float
    read_seconds: float = 0.0
    compute_seconds: float = 0.0
    write_seconds: float = 0.0
    value_kinds: tuple[ValueKind, ...] = ()
    calibration: tuple[TrustCalibration, ...] = ()
