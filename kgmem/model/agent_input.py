"""Requests of the agents' records as every door takes them: an agent's state and
scratch keys, budgets and their ledger, decisions, their listing and outcome. REST
reads them as bodies or query parameters, MCP tools take their fields as arguments
(``kgmem.mcp.record_arguments``). Each converts to the core record it describes
(``kgmem.model.agent_model``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kgmem.model import agent_model as am
from kgmem.model.record_input import RecordIn
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


class BudgetIn(RecordIn, record=am.BudgetWrite):
    def to_write(self) -> am.BudgetWrite:
        write: am.BudgetWrite = self.to_record()
        return write


class TransactionIn(RecordIn, record=am.TransactionWrite):
    def to_write(self) -> am.TransactionWrite:
        write: am.TransactionWrite = self.to_record()
        return write


class BalanceParams(_In):
    agent: str | None = Field(default=None, description="Also this agent's spend")
    as_of: Instant | None = Field(default=None, description="Balance as it stood then")


class DecisionIn(RecordIn, record=am.DecisionWrite):
    def to_write(self) -> am.DecisionWrite:
        write: am.DecisionWrite = self.to_record()
        return write


class DecisionListParams(RecordIn, record=am.DecisionQuery):
    def to_query(self) -> am.DecisionQuery:
        query: am.DecisionQuery = self.to_record()
        return query


class OutcomeIn(RecordIn, record=am.DecisionOutcome):
    """How a decision turned out (POST .../decisions/{uid}/outcome)."""

    def to_outcome(self) -> am.DecisionOutcome:
        outcome: am.DecisionOutcome = self.to_record()
        return outcome
