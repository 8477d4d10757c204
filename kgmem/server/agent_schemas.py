"""Request and response bodies of the agent routes: state, scratch keys, budgets and
their ledger (core types in ``kgmem.agent_model``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kgmem import agent_model as am


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StateIn(_In):
    """The agent's whole new state. ``expected_version`` (or an ``If-Match`` header)
    makes the write conditional: 0 for an agent with no state yet."""

    state: Any = Field(description="Any JSON value")
    expected_version: int | None = Field(default=None, ge=0)


class AgentStateOut(BaseModel):
    agent: str
    version: int
    state: Any = Field(description="null for a version that reset the state")
    written_at: datetime

    @classmethod
    def of(cls, value: am.AgentState) -> AgentStateOut:
        return cls(
            agent=value.agent, version=value.version, state=value.state, written_at=value.written_at
        )


class AgentOut(BaseModel):
    agent: str
    version: int
    updated_at: datetime


class ScratchIn(_In):
    value: Any = Field(description="Any JSON value")
    ttl_s: float | None = Field(default=None, gt=0, description="Seconds it lives (forever: omit)")


class ScratchOut(BaseModel):
    key: str
    value: Any
    updated_at: datetime
    expires_at: datetime | None

    @classmethod
    def of(cls, entry: am.ScratchEntry) -> ScratchOut:
        return cls(
            key=entry.key,
            value=entry.value,
            updated_at=entry.updated_at,
            expires_at=entry.expires_at,
        )


class BudgetIn(_In):
    name: str = Field(description="The budget's name within the namespace")
    unit: str = Field(default="units", description="What it counts: tokens, USD, calls...")
    limit: float | None = Field(
        default=None, ge=0, description="Granted at creation; omit for an uncapped budget"
    )
    agent_limit: float | None = Field(default=None, ge=0, description="Most one agent may spend")
    description: str = ""

    def to_write(self) -> am.BudgetWrite:
        return am.BudgetWrite(**self.model_dump())


class BudgetOut(BaseModel):
    name: str
    unit: str
    capped: bool
    agent_limit: float | None
    description: str
    granted: float
    spent: float
    available: float
    created_at: datetime

    @classmethod
    def of(cls, budget: am.Budget) -> BudgetOut:
        return cls.model_validate(budget, from_attributes=True)


class TransactionIn(_In):
    kind: Literal["grant", "spend", "refund"]
    amount: float = Field(gt=0, description="Positive; at most six decimal places are kept")
    agent: str | None = Field(default=None, description="Who spends or is refunded")
    idempotency_key: str | None = Field(
        default=None, description="The same key again returns the first transaction"
    )
    memo: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)

    def to_write(self) -> am.TransactionWrite:
        return am.TransactionWrite(**self.model_dump())


class EntryOut(BaseModel):
    account: str
    amount: float


class TransactionOut(BaseModel):
    id: int
    budget: str
    kind: Literal["grant", "spend", "refund"]
    amount: float
    agent: str | None
    idempotency_key: str | None
    memo: str
    metadata: dict[str, Any]
    entries: list[EntryOut]
    posted_at: datetime
    replayed: bool

    @classmethod
    def of(cls, tx: am.Transaction) -> TransactionOut:
        return cls.model_validate(tx, from_attributes=True)


class BalanceOut(BaseModel):
    budget: str
    as_of: datetime
    granted: float
    spent: float
    available: float
    agent: str | None
    agent_spent: float | None
    agent_remaining: float | None

    @classmethod
    def of(cls, balance: am.Balance) -> BalanceOut:
        return cls.model_validate(balance, from_attributes=True)
