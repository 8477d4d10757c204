"""Request and response bodies of the agent routes: state, scratch keys, budgets and
their ledger (core types in ``kgmem.agent_model``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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
