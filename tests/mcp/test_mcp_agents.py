"""The agent tools over MCP (streamable HTTP, the SDK's own client): state saved with
versions and a stale save refused, scratch keys, spends from a budget refused past
its limit and recorded once per idempotency key."""

from __future__ import annotations

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.model.agent_model import BudgetWrite
from tests.mcp.test_mcp_http import error_text, mcp_client, payload

AGENT_TOOLS = {
    "get_agent_state",
    "save_agent_state",
    "agent_state_history",
    "set_scratch",
    "get_scratch",
    "record_spend",
    "budget_balance",
}


async def test_agent_tools_are_listed(live_url: str) -> None:
    async with mcp_client(live_url) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) >= AGENT_TOOLS
    assert tools["save_agent_state"].annotations.read_only_hint is False
    assert tools["budget_balance"].annotations.read_only_hint is True


async def test_state_saved_with_versions_and_a_stale_save_refused(
    live_url: str, namespace: str, memory: Memory
) -> None:
    args = {"namespace": namespace, "agent": "planner"}
    async with mcp_client(live_url) as client:
        saved = payload(
            await client.call_tool(
                "save_agent_state", args | {"state": {"goal": "g"}, "expected_version": 0}
            )
        )
        assert saved["version"] == 1
        payload(await client.call_tool("save_agent_state", args | {"state": {"goal": "h"}}))
        stale = await client.call_tool(
            "save_agent_state", args | {"state": {"goal": "lost"}, "expected_version": 1}
        )
        assert "stale_version" in error_text(stale)
        current = payload(await client.call_tool("get_agent_state", args))
        assert (current["version"], current["state"]) == (2, {"goal": "h"})
        history = payload(await client.call_tool("agent_state_history", args))["versions"]
        assert [v["version"] for v in history] == [2, 1]
        payload(await client.call_tool("set_scratch", args | {"key": "k", "value": [1, 2]}))
        note = payload(await client.call_tool("get_scratch", args | {"key": "k"}))
        assert note["value"] == [1, 2]
        listed = payload(await client.call_tool("get_scratch", args))["keys"]
        assert [k["key"] for k in listed] == ["k"]
    assert (await memory.agent_states.get(namespace, "planner")).state == {"goal": "h"}


async def test_spends_refused_past_the_limit_and_recorded_once(
    live_url: str, namespace: str, memory: Memory
) -> None:
    await memory.budgets.create(namespace, BudgetWrite("calls", "calls", limit=3))
    args = {"namespace": namespace, "agent": "worker", "budget": "calls"}
    async with mcp_client(live_url) as client:
        for _ in range(2):
            payload(
                await client.call_tool(
                    "record_spend", args | {"kind": "spend", "amount": 2, "idempotency_key": "x"}
                )
            )
        refused = await client.call_tool("record_spend", args | {"kind": "spend", "amount": 2})
        assert "budget_exceeded" in error_text(refused)
        balance = payload(
            await client.call_tool(
                "budget_balance", {"namespace": namespace, "budget": "calls", "agent": "worker"}
            )
        )
    assert (balance["spent"], balance["available"], balance["agent_spent"]) == (2, 1, 2)


async def test_decisions_recorded_explained_and_flagged(
    live_url: str, namespace: str, memory: Memory
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("alice", "Person", {"name": "Alice"}))
    await memory.upsert_entity(namespace, EntityWrite("acme", "Organization", {"name": "Acme"}))
    fact = await memory.add_fact(namespace, FactWrite("alice", "WORKS_AT", "acme"))
    async with mcp_client(live_url) as client:
        recorded = payload(
            await client.call_tool(
                "record_decision",
                {
                    "namespace": namespace,
                    "agent": "recruiter",
                    "decision": "Ask Alice for an Acme intro",
                    "rationale": "she works there",
                    "facts": [fact.uid],
                },
            )
        )
        uid = recorded["uid"]
        await memory.close_fact(namespace, fact.uid)
        why = payload(
            await client.call_tool("explain_decision", {"namespace": namespace, "uid": uid})
        )
        assert why["facts"][0].startswith("Alice works at Acme")
        assert why["decision"]["concerns"] == [
            {"kind": "fact", "uid": fact.uid, "reason": "closed"}
        ]
        flagged = payload(
            await client.call_tool("list_decisions", {"namespace": namespace, "flagged": True})
        )["decisions"]
        assert [d["uid"] for d in flagged] == [uid]
