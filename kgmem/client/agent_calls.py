"""The agent operations as data (state, scratch keys, budgets); see ``calls``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kgmem.agent_model import (
    AgentState,
    Balance,
    Budget,
    BudgetWrite,
    Decision,
    DecisionExplanation,
    DecisionQuery,
    DecisionWrite,
    JsonValue,
    ScratchEntry,
    Transaction,
    TransactionWrite,
)
from kgmem.client import wire
from kgmem.client.calls import NS, Call, as_type, nothing
from kgmem.client.wire import segment


def _agent(ns: str, agent: str) -> str:
    return f"{NS}/{segment(ns)}/agents/{segment(agent)}"


def _budget(ns: str, budget: str) -> str:
    return f"{NS}/{segment(ns)}/budgets/{segment(budget)}"


def get_state(ns: str, agent: str, version: int | None) -> Call[AgentState]:
    params = {"version": version} if version is not None else None
    return Call("GET", f"{_agent(ns, agent)}/state", as_type(AgentState), params=params)


def put_state(ns: str, agent: str, state: JsonValue, expected: int | None) -> Call[AgentState]:
    data = {"state": state, "expected_version": expected}
    return Call("PUT", f"{_agent(ns, agent)}/state", as_type(AgentState), json=data)


def reset_state(ns: str, agent: str, expected: int | None) -> Call[AgentState]:
    headers = {"If-Match": f'"{expected}"'} if expected is not None else None
    path = f"{_agent(ns, agent)}/state"
    return Call("DELETE", path, as_type(AgentState), headers=headers)


def state_history(ns: str, agent: str, before: int | None, limit: int) -> Call[list[AgentState]]:
    params: dict[str, Any] = {"limit": limit, **({"before": before} if before else {})}
    path = f"{_agent(ns, agent)}/state/history"
    return Call("GET", path, as_type(list[AgentState]), params=params)


def set_scratch(
    ns: str, agent: str, key: str, value: JsonValue, ttl_s: float | None
) -> Call[ScratchEntry]:
    path = f"{_agent(ns, agent)}/scratch/{segment(key)}"
    return Call("PUT", path, as_type(ScratchEntry), json={"value": value, "ttl_s": ttl_s})


def get_scratch(ns: str, agent: str, key: str) -> Call[ScratchEntry]:
    return Call("GET", f"{_agent(ns, agent)}/scratch/{segment(key)}", as_type(ScratchEntry))


def scratch_keys(ns: str, agent: str) -> Call[list[ScratchEntry]]:
    return Call("GET", f"{_agent(ns, agent)}/scratch", as_type(list[ScratchEntry]))


def delete_scratch(ns: str, agent: str, key: str) -> Call[None]:
    return Call("DELETE", f"{_agent(ns, agent)}/scratch/{segment(key)}", nothing)


def create_budget(ns: str, budget: BudgetWrite) -> Call[Budget]:
    path = f"{NS}/{segment(ns)}/budgets"
    return Call("POST", path, as_type(Budget), json=wire.body(budget))


def get_budget(ns: str, budget: str) -> Call[Budget]:
    return Call("GET", _budget(ns, budget), as_type(Budget))


def post_transaction(ns: str, budget: str, write: TransactionWrite) -> Call[Transaction]:
    data = wire.body(write) | {"metadata": dict(write.metadata)}
    path = f"{_budget(ns, budget)}/transactions"
    return Call("POST", path, as_type(Transaction), json=data)


def transactions(
    ns: str, budget: str, agent: str | None, after: int | None, limit: int
) -> Call[list[Transaction]]:
    params = {"agent": agent, "after": after, "limit": limit}
    kept = {k: v for k, v in params.items() if v is not None}
    path = f"{_budget(ns, budget)}/transactions"
    return Call("GET", path, as_type(list[Transaction]), params=kept)


def balance(ns: str, budget: str, agent: str | None, as_of: datetime | None) -> Call[Balance]:
    params = {"agent": agent, "as_of": as_of.isoformat() if as_of else None}
    kept = {k: v for k, v in params.items() if v is not None}
    return Call("GET", f"{_budget(ns, budget)}/balance", as_type(Balance), params=kept)


def _decisions(ns: str) -> str:
    return f"{NS}/{segment(ns)}/decisions"


def record_decision(ns: str, write: DecisionWrite) -> Call[Decision]:
    data = wire.body(write) | {"metadata": dict(write.metadata)}
    return Call("POST", _decisions(ns), as_type(Decision), json=data)


def get_decision(ns: str, uid: str) -> Call[Decision]:
    return Call("GET", f"{_decisions(ns)}/{segment(uid)}", as_type(Decision))


def decisions(ns: str, query: DecisionQuery) -> Call[list[Decision]]:
    params = {k: v for k, v in wire.body(query).items() if v is not None}
    return Call("GET", _decisions(ns), as_type(list[Decision]), params=params)


def explain_decision(ns: str, uid: str) -> Call[DecisionExplanation]:
    return Call("GET", f"{_decisions(ns)}/{segment(uid)}/why", as_type(DecisionExplanation))


def set_decision_outcome(ns: str, uid: str, outcome: str, cost: float | None) -> Call[Decision]:
    data = {"outcome": outcome, "cost": cost}
    return Call("POST", f"{_decisions(ns)}/{segment(uid)}/outcome", as_type(Decision), json=data)
