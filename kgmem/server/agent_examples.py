"""Examples of the agent routes (state, scratch keys, budgets), merged into
``kgmem.server.examples``: a planner agent keeping its plan and spending LLM tokens."""

from __future__ import annotations

from typing import Any

T0 = "2024-05-01T09:00:00Z"
T1 = "2024-05-01T09:05:00Z"

STATE = {
    "agent": "planner",
    "version": 3,
    "state": {"goal": "book the offsite", "step": 2, "open_questions": ["budget?"]},
    "written_at": T1,
}
SCRATCH = {"key": "draft", "value": {"venue": "Lyon"}, "updated_at": T1, "expires_at": T1}
BUDGET = {
    "name": "llm-tokens",
    "unit": "tokens",
    "capped": True,
    "agent_limit": 20000.0,
    "description": "Tokens the agents may spend this month",
    "granted": 100000.0,
    "spent": 1200.0,
    "available": 98800.0,
    "created_at": T0,
}
TRANSACTION = {
    "id": 42,
    "budget": "llm-tokens",
    "kind": "spend",
    "amount": 1200.0,
    "agent": "planner",
    "idempotency_key": "call-7f3a",
    "memo": "plan the offsite",
    "metadata": {"model": "gpt-4o-mini"},
    "entries": [
        {"account": "available", "amount": -1200.0},
        {"account": "agent:planner", "amount": 1200.0},
    ],
    "posted_at": T1,
    "replayed": False,
}

DECISION: dict[str, Any] = {
    "uid": "d-offsite-lyon",
    "agent": "planner",
    "decision": "Hold the offsite in Lyon",
    "rationale": "Alice lives in Lyon and can host",
    "options": ["Lyon", "Paris"],
    "facts": ["f-alice-lyon"],
    "episodes": ["ep-1"],
    "outcome": None,
    "cost": 1200.0,
    "metadata": {},
    "decided_at": T0,
    "outcome_at": None,
    "flagged": True,
    "concerns": [{"kind": "fact", "uid": "f-alice-lyon", "reason": "closed"}],
}

REQUESTS: dict[str, Any] = {
    "record_decision": {
        k: DECISION[k]
        for k in ("uid", "agent", "decision", "rationale", "options", "facts", "episodes", "cost")
    },
    "set_decision_outcome": {"outcome": "held, 14 attended", "cost": 1350},
    "put_agent_state": {"state": STATE["state"], "expected_version": 2},
    "set_scratch": {"value": {"venue": "Lyon"}, "ttl_s": 300},
    "create_budget": {
        "name": "llm-tokens",
        "unit": "tokens",
        "limit": 100000,
        "agent_limit": 20000,
        "description": "Tokens the agents may spend this month",
    },
    "post_transaction": {
        "kind": "spend",
        "amount": 1200,
        "agent": "planner",
        "idempotency_key": "call-7f3a",
        "memo": "plan the offsite",
        "metadata": {"model": "gpt-4o-mini"},
    },
}

RESPONSES: dict[str, Any] = {
    "record_decision": DECISION | {"flagged": False, "concerns": []},
    "list_decisions": [DECISION],
    "get_decision": DECISION,
    "set_decision_outcome": DECISION | {"outcome": "held, 14 attended", "outcome_at": T1},
    "list_agents": [{"agent": "planner", "version": 3, "updated_at": T1}],
    "get_agent_state": STATE,
    "put_agent_state": STATE,
    "reset_agent_state": STATE | {"version": 4, "state": None},
    "agent_state_history": [STATE, STATE | {"version": 2, "state": {"goal": "book the offsite"}}],
    "list_scratch": [SCRATCH],
    "set_scratch": SCRATCH,
    "get_scratch": SCRATCH,
    "create_budget": BUDGET | {"spent": 0.0, "available": 100000.0},
    "list_budgets": [BUDGET],
    "get_budget": BUDGET,
    "post_transaction": TRANSACTION,
    "list_transactions": [TRANSACTION],
    "budget_balance": {
        "budget": "llm-tokens",
        "as_of": T1,
        "granted": 100000.0,
        "spent": 1200.0,
        "available": 98800.0,
        "agent": "planner",
        "agent_spent": 1200.0,
        "agent_remaining": 18800.0,
    },
}

PARAMETERS: dict[str, Any] = {"agent": "planner", "key": "draft", "budget": "llm-tokens"}
