"""Request and response bodies of the agent routes: state, scratch keys, budgets and
their ledger (core types in ``kgmem.agent_model``)."""

from __future__ import annotations

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


class ScratchIn(_In):
    value: Any = Field(description="Any JSON value")
    ttl_s: float | None = Field(default=None, gt=0, description="Seconds it lives (forever: omit)")


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
