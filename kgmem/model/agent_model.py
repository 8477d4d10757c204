"""Public data types of what agents keep besides the graph: their state, scratch keys
and budgets.

Like ``kgmem.model``, all are frozen and every time is timezone-aware. Amounts are
floats holding at most six decimal places (the ledger stores exact decimals).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, computed_field

from kgmem.model import records
from kgmem.model.records import Entity, Fact
from kgmem.model.times import Instant

JsonValue = records.JsonValue

TransactionKind = Literal["grant", "spend", "refund"]


@dataclass(frozen=True, slots=True)
class AgentState:
    """One version of an agent's state. ``state`` is None for the version that
    recorded a reset (``delete``)."""

    agent: str
    version: int
    state: Annotated[JsonValue, Field(description="null for a version that reset the state")]
    written_at: datetime


@dataclass(frozen=True, slots=True)
class AgentSummary:
    """An agent with stored state: its current version and when it was written."""

    agent: str
    version: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ScratchEntry:
    """A scratch key's value; ``expires_at`` None means it lives until deleted."""

    key: str
    value: JsonValue
    updated_at: datetime
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BudgetWrite:
    """A budget to create. ``limit``: the amount granted at creation; without it the
    budget is uncapped (spends are recorded, never refused). ``agent_limit`` caps what
    one agent may spend in all."""

    name: Annotated[str, Field(description="The budget's name within the namespace")]
    unit: Annotated[str, Field(description="What it counts: tokens, USD, calls...")] = "units"
    limit: Annotated[
        float | None,
        Field(ge=0, description="Granted at creation; omit for an uncapped budget"),
    ] = None
    agent_limit: Annotated[float | None, Field(ge=0, description="Most one agent may spend")] = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Budget:
    """A budget with its running totals: ``granted`` in all, ``spent`` net of refunds,
    ``available`` = granted - spent (negative only when uncapped)."""

    name: str
    unit: str
    capped: bool
    agent_limit: float | None
    description: str
    granted: float
    spent: float
    available: float
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TransactionWrite:
    """A transaction to post. ``spend`` moves ``amount`` from the budget's available
    funds to the agent; ``refund`` moves it back; ``grant`` adds funds. With an
    ``idempotency_key``, posting the same transaction again returns the first one."""

    kind: TransactionKind
    amount: Annotated[
        float, Field(gt=0, description="Positive; at most six decimal places are kept")
    ]
    agent: Annotated[str | None, Field(description="Who spends or is refunded")] = None
    idempotency_key: Annotated[
        str | None, Field(description="The same key again returns the first transaction")
    ] = None
    memo: str = ""
    metadata: Mapping[str, JsonValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One leg of a transaction: ``amount`` added to ``account`` (the legs of a
    transaction sum to zero). Accounts: ``funding``, ``available``, ``agent:<name>``."""

    account: str
    amount: float


@dataclass(frozen=True, slots=True)
class Transaction:
    """A posted transaction with its legs. ``replayed``: this answer is the transaction
    an earlier request with the same idempotency key posted."""

    id: int
    budget: str
    kind: TransactionKind
    amount: float
    agent: str | None
    idempotency_key: str | None
    memo: str
    metadata: Mapping[str, JsonValue]
    entries: Sequence[LedgerEntry]
    posted_at: datetime
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Balance:
    """A budget's totals as of ``as_of`` (now when not asked otherwise), overall or for
    one ``agent`` (then ``spent`` and ``remaining`` are that agent's)."""

    budget: str
    as_of: datetime
    granted: float
    spent: float
    available: float
    agent: str | None = None
    agent_spent: float | None = None
    agent_remaining: float | None = None


ConcernReason = Literal["closed", "refuted", "deleted", "forgotten"]


@dataclass(frozen=True, slots=True)
class DecisionWrite:
    """A decision to record: what ``agent`` decided, why, the options it weighed, and
    the fact and episode uids it relied on (each must exist). ``uid`` is generated when
    absent; ``outcome`` and ``cost`` may also be set later."""

    agent: Annotated[str, Field(description="Who decided")]
    decision: Annotated[str, Field(min_length=1, description="What was decided")]
    rationale: str = ""
    options: Annotated[Sequence[JsonValue], Field(description="The options weighed")] = ()
    facts: Annotated[Sequence[str], Field(description="Uids of facts relied on")] = ()
    episodes: Annotated[Sequence[str], Field(description="Uids of episodes relied on")] = ()
    outcome: str | None = None
    cost: Annotated[float | None, Field(gt=0)] = None
    metadata: Mapping[str, JsonValue] = field(default_factory=dict)
    uid: Annotated[str | None, Field(description="Your key for it; generated when absent")] = None


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    """How a recorded decision turned out, and what it cost in the end."""

    outcome: Annotated[str, Field(min_length=1, description="How it turned out")]
    cost: Annotated[float | None, Field(gt=0, description="What it cost in the end")] = None


@dataclass(frozen=True, slots=True)
class Concern:
    """Something a decision relied on that no longer holds: a fact since ``closed``,
    ``refuted`` by verification or ``deleted``, or an episode ``forgotten``."""

    kind: Literal["fact", "episode"]
    uid: str
    reason: ConcernReason


@dataclass(frozen=True, slots=True)
class Decision:
    """A recorded decision. ``concerns`` are read from the graph when the decision is
    read; ``flagged`` when there is any."""

    uid: str
    agent: str
    decision: str
    rationale: str
    options: Sequence[JsonValue]
    facts: Sequence[str]
    episodes: Sequence[str]
    outcome: str | None
    cost: float | None
    metadata: Mapping[str, JsonValue]
    decided_at: datetime
    outcome_at: datetime | None
    concerns: Sequence[Concern] = ()

    def _flagged(self) -> bool:
        return bool(self.concerns)

    flagged = computed_field(description="Something it relied on no longer holds")(
        property(_flagged, doc="Whether something it relied on no longer holds.")
    )


@dataclass(frozen=True, slots=True)
class DecisionExplanation:
    """Why an agent decided: the decision with the facts it relied on as they stand now
    (closed ones too) and the episodes it relied on that are still remembered."""

    decision: Decision
    facts: Sequence[Fact] = ()
    episodes: Sequence[Entity] = ()


@dataclass(frozen=True, slots=True)
class DecisionQuery:
    """Which decisions to list: by agent, a decision-time window, exact outcome, a
    fact they relied on, only flagged ones; newest first."""

    agent: str | None = None
    since: Annotated[Instant | None, Field(description="Decided at or after")] = None
    until: Annotated[Instant | None, Field(description="Decided before")] = None
    outcome: str | None = None
    fact: Annotated[str | None, Field(description="Relied on this fact")] = None
    flagged: Annotated[bool | None, Field(description="Only (un)flagged ones")] = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
