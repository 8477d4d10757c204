"""Requests of the agents' records as every door takes them: an agent's state and
scratch keys, budgets and their ledger, decisions, their listing and outcome. REST
reads them as bodies or query parameters, MCP tools take their fields as arguments
(``kgmem.mcp.record_arguments``). Each converts to the core record it describes
(``kgmem.model.agent_model``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kgmem.model import agent_model as am
from kgmem.model.times import Instant


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StateIn(_In):
    """The agent's whole new state. ``expected_version`` (over REST also an ``If-Match``
    header) makes the write conditional: 0 for an agent with no state yet."""

    state: Any = Field(description="Any JSON value")
    expected_version: int | None = Field(
        default=None, ge=0, description="The version read (0: none yet)"
    )


class StateReadParams(_In):
    version: int | None = Field(default=None, ge=1, description="A past version")


class StateHistoryParams(_In):
    before: int | None = Field(default=None, ge=1, description="Versions below this one")
    limit: int = Field(default=100, ge=1, le=1000)


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


class BalanceParams(_In):
    agent: str | None = Field(default=None, description="Also this agent's spend")
    as_of: Instant | None = Field(default=None, description="Balance as it stood then")


class DecisionIn(_In):
    agent: str = Field(description="Who decided")
    decision: str = Field(min_length=1, description="What was decided")
    rationale: str = ""
    options: list[Any] = Field(default_factory=list, description="The options weighed")
    facts: list[str] = Field(default_factory=list, description="Uids of facts relied on")
    episodes: list[str] = Field(default_factory=list, description="Uids of episodes relied on")
    outcome: str | None = None
    cost: float | None = Field(default=None, gt=0)
    metadata: dict[str, Any] = Field(default_factory=dict)
    uid: str | None = Field(default=None, description="Your key for it; generated when absent")

    def to_write(self) -> am.DecisionWrite:
        return am.DecisionWrite(**self.model_dump())


class DecisionListParams(_In):
    agent: str | None = None
    since: Instant | None = Field(default=None, description="Decided at or after")
    until: Instant | None = Field(default=None, description="Decided before")
    outcome: str | None = None
    fact: str | None = Field(default=None, description="Relied on this fact")
    flagged: bool | None = Field(default=None, description="Only (un)flagged ones")
    limit: int = Field(default=100, ge=1, le=1000)

    def to_query(self) -> am.DecisionQuery:
        return am.DecisionQuery(**self.model_dump())


class OutcomeIn(_In):
    outcome: str = Field(min_length=1, description="How it turned out")
    cost: float | None = Field(default=None, gt=0, description="What it cost in the end")
