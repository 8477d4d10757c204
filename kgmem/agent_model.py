"""Public data types of what agents keep besides the graph: their state, scratch keys
and budgets.

Like ``kgmem.model``, all are frozen and every time is timezone-aware. Amounts are
floats holding at most six decimal places (the ledger stores exact decimals).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

JsonValue = Any
"""A JSON value: None, bool, int, float, str, list of JSON values or str-keyed map."""

TransactionKind = Literal["grant", "spend", "refund"]


@dataclass(frozen=True, slots=True)
class AgentState:
    """One version of an agent's state. ``state`` is None for the version that
    recorded a reset (``delete``)."""

    agent: str
    version: int
    state: JsonValue
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

    name: str
    unit: str = "units"
    limit: float | None = None
    agent_limit: float | None = None
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
    amount: float
    agent: str | None = None
    idempotency_key: str | None = None
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
