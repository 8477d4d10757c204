"""The doors agree on an agent's records: its decisions, state, scratch keys and
budget ledger. Each MCP tool takes the fields of the record REST's route reads
(``kgmem.model.agent_input``), so the same input is accepted or refused alike on REST,
MCP and the Python client, refusals with the same code, and bounds are REST's on every
door (``list_decisions`` used to stop at 100 where REST goes to 1000).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from kgmem import Memory
from kgmem.model.agent_input import (
    BalanceParams,
    DecisionIn,
    DecisionListParams,
    ScratchIn,
    StateHistoryParams,
    StateIn,
    TransactionIn,
)
from kgmem.model.agent_model import BudgetWrite
from tests.doors.doors import Doors, Outcome, opened

UNKNOWN = "invalid_request"


def agreed(outcomes: dict[str, Outcome], sent: Any) -> Outcome:
    """The one outcome every door gave (refusal codes equal, or all accepted)."""
    codes = {door: o.code for door, o in outcomes.items()}
    assert len(set(codes.values())) == 1, (sent, codes)
    return next(iter(outcomes.values()))


async def everywhere(
    rest: Awaitable[Outcome], mcp: Awaitable[Outcome], client: Awaitable[Outcome], sent: Any
) -> Outcome:
    outcomes = {"rest": await rest, "mcp": await mcp, "client": await client}
    return agreed(outcomes, sent)


# -- decisions ------------------------------------------------------------------------


async def record_everywhere(doors: Doors, namespace: str, body: dict[str, Any]) -> Outcome:
    def by_client() -> Callable[[], Awaitable[Any]]:
        return lambda: doors.client.record_decision(
            namespace, DecisionIn.model_validate(body).to_write()
        )

    return await everywhere(
        doors.rest("POST", f"/v1/namespaces/{namespace}/decisions", body),
        doors.tool("record_decision", {"namespace": namespace, **body}),
        doors.call(by_client()),
        body,
    )


BAD_DECISIONS: list[tuple[dict[str, Any], str]] = [
    ({"agent": "a", "decision": "go", "rationle": "typo"}, UNKNOWN),
    ({"agent": "a", "decision": ""}, "invalid_request"),
    ({"agent": "a", "decision": "go", "cost": "lots"}, "invalid_request"),
    ({"agent": "a", "decision": "go", "cost": 0}, "invalid_request"),
    ({"decision": "go"}, "invalid_request"),
    ({"agent": "a", "decision": "go", "facts": ["no-such-fact"]}, "fact_not_found"),
]


@pytest.mark.parametrize(("body", "code"), BAD_DECISIONS)
async def test_a_bad_decision_is_refused_alike_on_every_door(
    live_url: str, namespace: str, body: dict[str, Any], code: str
) -> None:
    async with opened(live_url) as doors:
        assert (await record_everywhere(doors, namespace, body)).code == code


async def list_everywhere(doors: Doors, namespace: str, params: dict[str, Any]) -> Outcome:
    async def by_client() -> Any:
        query = DecisionListParams.model_validate(params).to_query()
        return await doors.client.decisions(namespace, query)

    outcomes = {
        "rest": await doors.rest_query(f"/v1/namespaces/{namespace}/decisions", params),
        "mcp": await doors.tool("list_decisions", {"namespace": namespace, **params}),
        "client": await doors.call(by_client),
    }
    listed = {
        door: [d.uid for d in o.answer]
        if door == "client"
        else [d["uid"] for d in (o.answer if door == "rest" else o.answer["decisions"])]
        for door, o in outcomes.items()
        if o.accepted
    }
    assert len({tuple(uids) for uids in listed.values()}) <= 1, (params, listed)
    return agreed(outcomes, params)


async def test_the_doors_agree_on_recording_and_listing_decisions(
    live_url: str, namespace: str
) -> None:
    async with opened(live_url) as doors:
        recorded = await record_everywhere(
            doors, namespace, {"agent": "planner", "decision": "go", "options": ["go", "stay"]}
        )
        listed = [
            await list_everywhere(doors, namespace, params)
            for params in ({}, {"agent": "planner", "limit": 1000}, {"limit": 500})
        ]
        refused = [
            await list_everywhere(doors, namespace, params)
            for params in (
                {"limit": 1001},
                {"limit": 0},
                {"limit": "many"},
                {"agnet": "planner"},
                {"since": "last tuesday"},
            )
        ]
    assert recorded.accepted
    assert len(listed[0].answer) == 3  # one decision recorded by each door
    assert all(o.accepted for o in listed)
    assert [o.code for o in refused] == [
        "invalid_request",
        "invalid_request",
        "invalid_request",
        UNKNOWN,
        "invalid_timestamp",
    ]


# -- agent state and scratch ----------------------------------------------------------


def _agents(namespace: str, agent: str) -> str:
    return f"/v1/namespaces/{namespace}/agents/{agent}"


async def save_everywhere(doors: Doors, namespace: str, body: dict[str, Any]) -> Outcome:
    """``body`` saved by one agent per door, so each door's versions are its own."""

    async def by_client() -> Any:
        saved = StateIn.model_validate(body)
        return await doors.client.put_agent_state(
            namespace, "by-client", saved.state, expected_version=saved.expected_version
        )

    outcomes = {
        "rest": await doors.rest("PUT", f"{_agents(namespace, 'by-rest')}/state", body),
        "mcp": await doors.tool(
            "save_agent_state", {"namespace": namespace, "agent": "by-mcp", **body}
        ),
        "client": await doors.call(by_client),
    }
    versions = {
        door: o.answer.version if door == "client" else o.answer["version"]
        for door, o in outcomes.items()
        if o.accepted
    }
    assert len(set(versions.values())) <= 1, (body, versions)
    return agreed(outcomes, body)


async def history_everywhere(doors: Doors, namespace: str, params: dict[str, Any]) -> Outcome:
    async def by_client() -> Any:
        query = StateHistoryParams.model_validate(params)
        return await doors.client.agent_state_history(
            namespace, "by-client", before=query.before, limit=query.limit
        )

    return await everywhere(
        doors.rest_query(f"{_agents(namespace, 'by-rest')}/state/history", params),
        doors.tool("agent_state_history", {"namespace": namespace, "agent": "by-mcp", **params}),
        doors.call(by_client),
        params,
    )


async def test_the_doors_agree_on_an_agents_state(live_url: str, namespace: str) -> None:
    async with opened(live_url) as doors:
        refused = [
            await save_everywhere(doors, namespace, body)
            for body in (
                {"state": {"goal": "g"}, "expected_versoin": 0},
                {"state": {"goal": "g"}, "expected_version": -1},
                {"expected_version": 0},
                {"state": {"goal": "g"}, "expected_version": "latest"},
                {"state": {"goal": "g"}, "expected_version": 5},
            )
        ]
        first = await save_everywhere(doors, namespace, {"state": {"goal": "g"}})
        second = await save_everywhere(
            doors, namespace, {"state": {"goal": "h"}, "expected_version": 1}
        )
        histories = [
            await history_everywhere(doors, namespace, params)
            for params in ({}, {"limit": 1000}, {"before": 2, "limit": 1})
        ]
        bad_histories = [
            await history_everywhere(doors, namespace, params)
            for params in ({"limit": 1001}, {"before": 0}, {"limit": 5, "newest": True})
        ]
    assert [o.code for o in refused] == [
        UNKNOWN,
        "invalid_request",
        "invalid_request",
        "invalid_request",
        "stale_version",
    ]
    assert first.accepted and second.accepted
    assert all(o.accepted for o in histories)
    assert [o.code for o in bad_histories] == ["invalid_request", "invalid_request", UNKNOWN]


async def scratch_everywhere(doors: Doors, namespace: str, body: dict[str, Any]) -> Outcome:
    async def by_client() -> Any:
        entry = ScratchIn.model_validate(body)
        return await doors.client.set_scratch(
            namespace, "agent", "k", entry.value, ttl_s=entry.ttl_s
        )

    return await everywhere(
        doors.rest("PUT", f"{_agents(namespace, 'agent')}/scratch/k", body),
        doors.tool("set_scratch", {"namespace": namespace, "agent": "agent", "key": "k", **body}),
        doors.call(by_client),
        body,
    )


async def test_the_doors_agree_on_scratch_keys(live_url: str, namespace: str) -> None:
    async with opened(live_url) as doors:
        kept = await scratch_everywhere(doors, namespace, {"value": [1, 2], "ttl_s": 60})
        forever = await scratch_everywhere(doors, namespace, {"value": "draft"})
        refused = [
            await scratch_everywhere(doors, namespace, body)
            for body in ({"value": 1, "ttl": 60}, {"value": 1, "ttl_s": 0}, {"ttl_s": 5})
        ]
    assert kept.accepted and forever.accepted
    assert [o.code for o in refused] == [UNKNOWN, "invalid_request", "invalid_request"]


# -- budgets --------------------------------------------------------------------------


async def spend_everywhere(doors: Doors, namespace: str, body: dict[str, Any]) -> Outcome:
    async def by_client() -> Any:
        write = TransactionIn.model_validate(body).to_write()
        return await doors.client.post_transaction(namespace, "calls", write)

    return await everywhere(
        doors.rest("POST", f"/v1/namespaces/{namespace}/budgets/calls/transactions", body),
        doors.tool("record_spend", {"namespace": namespace, "budget": "calls", **body}),
        doors.call(by_client),
        body,
    )


async def balance_everywhere(doors: Doors, namespace: str, params: dict[str, Any]) -> Outcome:
    async def by_client() -> Any:
        query = BalanceParams.model_validate(params)
        return await doors.client.budget_balance(
            namespace, "calls", agent=query.agent, as_of=query.as_of
        )

    return await everywhere(
        doors.rest_query(f"/v1/namespaces/{namespace}/budgets/calls/balance", params),
        doors.tool("budget_balance", {"namespace": namespace, "budget": "calls", **params}),
        doors.call(by_client),
        params,
    )


async def test_the_doors_agree_on_spending_a_budget(
    live_url: str, memory: Memory, namespace: str
) -> None:
    await memory.budgets.create(namespace, BudgetWrite("calls", "calls", limit=10))
    spend = {"kind": "spend", "amount": 2, "agent": "worker"}
    async with opened(live_url) as doors:
        spent = await spend_everywhere(doors, namespace, spend)
        refused = [
            await spend_everywhere(doors, namespace, body)
            for body in (
                spend | {"memmo": "typo"},
                spend | {"kind": "steal"},
                spend | {"amount": 0},
                spend | {"amount": "two"},
                {"amount": 2, "agent": "worker"},
                spend | {"amount": 5},
            )
        ]
        balance = await balance_everywhere(doors, namespace, {"agent": "worker"})
        bad_balances = [
            await balance_everywhere(doors, namespace, params)
            for params in ({"as_of": "teatime"}, {"agnt": "worker"})
        ]
    assert spent.accepted
    assert [o.code for o in refused] == [
        UNKNOWN,
        "invalid_request",
        "invalid_request",
        "invalid_request",
        "invalid_request",
        "budget_exceeded",
    ]
    assert balance.accepted and balance.answer["spent"] == 6
    assert [o.code for o in bad_balances] == ["invalid_timestamp", UNKNOWN]
