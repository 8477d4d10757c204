"""The agent calls of kgmem.client against a real server: state with versions and a
stale save refused, scratch keys, budgets; the sync client too."""

from __future__ import annotations

import asyncio

import pytest

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.client import ApiError, AsyncClient, Client
from kgmem.model.agent_model import BudgetWrite, DecisionQuery, DecisionWrite, TransactionWrite


async def test_state_and_scratch_through_the_async_client(live_url: str, namespace: str) -> None:
    async with AsyncClient(live_url) as client:
        first = await client.put_agent_state(namespace, "p", {"n": 1}, expected_version=0)
        second = await client.put_agent_state(namespace, "p", {"n": 2}, expected_version=1)
        with pytest.raises(ApiError) as stale:
            await client.put_agent_state(namespace, "p", {"n": 3}, expected_version=1)
        assert stale.value.status == 409 and stale.value.code == "stale_version"
        assert (await client.get_agent_state(namespace, "p")).state == {"n": 2}
        assert (await client.get_agent_state(namespace, "p", version=1)).state == {"n": 1}
        history = await client.agent_state_history(namespace, "p")
        assert [h.version for h in history] == [second.version, first.version]
        with pytest.raises(ApiError) as stale_reset:
            await client.reset_agent_state(namespace, "p", expected_version=1)
        assert stale_reset.value.code == "stale_version"
        reset = await client.reset_agent_state(namespace, "p", expected_version=2)
        assert reset.version == 3 and reset.state is None
        await client.set_scratch(namespace, "p", "a/b", [1], ttl_s=60)
        entry = await client.get_scratch(namespace, "p", "a/b")
        assert entry.value == [1] and entry.expires_at is not None
        assert [e.key for e in await client.scratch_keys(namespace, "p")] == ["a/b"]
        await client.delete_scratch(namespace, "p", "a/b")
        assert await client.scratch_keys(namespace, "p") == []


async def test_budgets_through_the_sync_client(live_url: str, namespace: str) -> None:
    def work() -> tuple[float, float, int, str]:
        with Client(live_url) as client:
            client.create_budget(namespace, BudgetWrite("usd", "USD", limit=5, agent_limit=4))
            spend = TransactionWrite("spend", 1.25, agent="a", idempotency_key="k1", memo="call")
            first = client.post_transaction(namespace, "usd", spend)
            again = client.post_transaction(namespace, "usd", spend)
            with pytest.raises(ApiError) as over:
                client.post_transaction(namespace, "usd", TransactionWrite("spend", 3, agent="a"))
            balance = client.budget_balance(namespace, "usd", agent="a", as_of=first.posted_at)
            listed = client.transactions(namespace, "usd", agent="a")
            assert again.replayed and again.id == first.id
            assert balance.agent_remaining == 2.75
            return (
                balance.available,
                client.get_budget(namespace, "usd").spent,
                len(listed),
                (over.value.code),
            )

    available, spent, count, code = await asyncio.to_thread(work)
    assert (available, spent, count, code) == (3.75, 1.25, 1, "budget_exceeded")


async def test_decisions_through_the_async_client(
    live_url: str, namespace: str, memory: Memory
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("alice", "Person", {"name": "Alice"}))
    await memory.upsert_entity(namespace, EntityWrite("acme", "Organization", {"name": "Acme"}))
    fact = await memory.add_fact(namespace, FactWrite("alice", "WORKS_AT", "acme"))
    async with AsyncClient(live_url) as client:
        write = DecisionWrite("recruiter", "Ask Alice", facts=[fact.uid], uid="d1")
        recorded = await client.record_decision(namespace, write)
        assert recorded.uid == "d1" and not recorded.flagged
        await client.close_fact(namespace, fact.uid)
        assert (await client.get_decision(namespace, "d1")).flagged
        done = await client.set_decision_outcome(namespace, "d1", "declined", cost=2)
        assert (done.outcome, done.cost) == ("declined", 2)
        found = await client.decisions(namespace, DecisionQuery(agent="recruiter", flagged=True))
        assert [d.uid for d in found] == ["d1"]
        why = await client.explain_decision(namespace, "d1")
        assert [f.uid for f in why.facts] == [fact.uid] and why.decision.uid == "d1"
