"""Budgets on the double-entry ledger through the Python API: balanced legs, limits
that hold under concurrent spends, idempotency keys, balances as of a past time, and
an append-only ledger."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.errors import (
    BudgetExceeded,
    BudgetExists,
    BudgetNotFound,
    Conflict,
    IdempotencyKeyReused,
    InvalidInput,
)
from kgmem.model.agent_model import BudgetWrite, TransactionWrite


def spend(amount: float, agent: str = "a", key: str | None = None) -> TransactionWrite:
    return TransactionWrite("spend", amount, agent=agent, idempotency_key=key)


async def test_spends_move_funds_and_legs_balance(memory: Memory, namespace: str) -> None:
    budgets = memory.budgets
    created = await budgets.create(namespace, BudgetWrite("tokens", "tokens", limit=100))
    assert (created.granted, created.available, created.capped) == (100, 100, True)
    tx = await budgets.post(namespace, "tokens", spend(30.5))
    assert {e.account: e.amount for e in tx.entries} == {"available": -30.5, "agent:a": 30.5}
    await budgets.post(namespace, "tokens", TransactionWrite("refund", 0.5, agent="a"))
    await budgets.post(namespace, "tokens", TransactionWrite("grant", 10))
    got = await budgets.get(namespace, "tokens")
    assert (got.granted, got.spent, got.available) == (110, 30, 80)
    mine = await budgets.balance(namespace, "tokens", agent="a")
    assert mine.agent_spent == 30 and mine.agent_remaining is None
    for posted in await budgets.transactions(namespace, "tokens"):
        assert sum(e.amount for e in posted.entries) == 0


async def test_overspend_is_refused_whole(memory: Memory, namespace: str) -> None:
    budgets = memory.budgets
    await budgets.create(namespace, BudgetWrite("b", limit=10, agent_limit=6))
    await budgets.post(namespace, "b", spend(5, "a"))
    with pytest.raises(BudgetExceeded):
        await budgets.post(namespace, "b", spend(2, "a"))  # past a's share of 6
    await budgets.post(namespace, "b", spend(5, "other"))
    with pytest.raises(BudgetExceeded):
        await budgets.post(namespace, "b", spend(0.01, "third"))  # budget empty
    got = await budgets.get(namespace, "b")
    assert (got.spent, got.available) == (10, 0)
    assert len(await budgets.transactions(namespace, "b")) == 3  # grant and two spends


async def test_uncapped_budget_records_every_spend(memory: Memory, namespace: str) -> None:
    await memory.budgets.create(namespace, BudgetWrite("free"))
    await memory.budgets.post(namespace, "free", spend(1e6))
    got = await memory.budgets.get(namespace, "free")
    assert (got.capped, got.spent, got.available) == (False, 1e6, -1e6)


async def test_concurrent_spends_never_overspend(memory: Memory, namespace: str) -> None:
    await memory.budgets.create(namespace, BudgetWrite("race", limit=10))

    async def try_spend(i: int) -> bool:
        try:
            await memory.budgets.post(namespace, "race", spend(1, f"agent{i % 4}"))
        except BudgetExceeded:
            return False
        return True

    async with asyncio.timeout(60):
        won = await asyncio.gather(*(try_spend(i) for i in range(25)))
    assert sum(won) == 10
    got = await memory.budgets.get(namespace, "race")
    assert (got.spent, got.available) == (10, 0)


async def test_idempotency_key_posts_once(memory: Memory, namespace: str) -> None:
    await memory.budgets.create(namespace, BudgetWrite("k", limit=100))
    first = await memory.budgets.post(namespace, "k", spend(7, key="call-1"))
    again = await memory.budgets.post(namespace, "k", spend(7, key="call-1"))
    assert again.id == first.id and again.replayed and not first.replayed
    with pytest.raises(IdempotencyKeyReused):
        await memory.budgets.post(namespace, "k", spend(8, key="call-1"))
    assert (await memory.budgets.get(namespace, "k")).spent == 7


async def test_concurrent_retries_with_one_key_post_once(memory: Memory, namespace: str) -> None:
    await memory.budgets.create(namespace, BudgetWrite("k", limit=100))
    async with asyncio.timeout(60):
        posted = await asyncio.gather(
            *(memory.budgets.post(namespace, "k", spend(3, key="same")) for _ in range(8))
        )
    assert len({p.id for p in posted}) == 1
    assert (await memory.budgets.get(namespace, "k")).spent == 3


async def test_balance_as_of_a_past_time(memory: Memory, namespace: str) -> None:
    await memory.budgets.create(namespace, BudgetWrite("t", limit=50))
    first = await memory.budgets.post(namespace, "t", spend(10))
    await asyncio.sleep(0.05)
    await memory.budgets.post(namespace, "t", spend(15))
    then = await memory.budgets.balance(namespace, "t", agent="a", as_of=first.posted_at)
    assert (then.spent, then.available, then.agent_spent) == (10, 40, 10)
    before = await memory.budgets.balance(namespace, "t", as_of=datetime(2000, 1, 1).astimezone())
    assert (before.granted, before.spent) == (0, 0)
    now = await memory.budgets.balance(namespace, "t")
    assert (now.spent, now.available) == (25, 25)


async def test_ledger_rows_cannot_be_changed_or_deleted(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.budgets.create(namespace, BudgetWrite("fixed", limit=5))
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await raw_conn.execute(
            "UPDATE kgmem.ledger_transaction SET amount = 1 WHERE namespace = $1", namespace
        )
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await raw_conn.execute(
            "DELETE FROM kgmem.ledger_entry e USING kgmem.ledger_transaction t "
            "WHERE t.id = e.transaction_id AND t.namespace = $1",
            namespace,
        )


async def test_bad_budget_input_is_refused(memory: Memory, namespace: str) -> None:
    budgets = memory.budgets
    await budgets.create(namespace, BudgetWrite("b", limit=1))
    with pytest.raises(BudgetExists):
        await budgets.create(namespace, BudgetWrite("b"))
    with pytest.raises(BudgetNotFound):
        await budgets.post(namespace, "nope", spend(1))
    with pytest.raises(InvalidInput):
        await budgets.post(namespace, "b", TransactionWrite("spend", 1))  # no agent
    with pytest.raises(Conflict):
        await budgets.post(namespace, "b", TransactionWrite("refund", 1, agent="never"))
    for amount in (0, -1, float("nan"), float("inf"), 1e16):
        with pytest.raises(InvalidInput):
            await budgets.post(namespace, "b", spend(amount))
    with pytest.raises(InvalidInput):
        await budgets.balance(namespace, "b", as_of=datetime(2024, 1, 1))  # naive time


AMOUNTS = st.lists(
    st.tuples(
        st.sampled_from(["grant", "spend", "refund"]),
        st.integers(1, 10_000).map(lambda cents: cents / 100),
        st.sampled_from(["a", "b"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=AMOUNTS)
async def test_ledger_invariants_hold_for_any_sequence(
    memory: Memory, namespace: str, steps: list[tuple[str, float, str]]
) -> None:
    name = f"p{abs(hash(tuple(steps))) % 10**9}"
    await memory.budgets.create(namespace, BudgetWrite(name, limit=50, agent_limit=40))
    for kind, amount, agent in steps:
        write = TransactionWrite(kind, amount, agent=agent)  # type: ignore[arg-type]
        with contextlib.suppress(BudgetExceeded, Conflict):
            await memory.budgets.post(namespace, name, write)
    got = await memory.budgets.get(namespace, name)
    assert got.available >= 0 or got.available == pytest.approx(0)
    for agent in ("a", "b"):
        share = await memory.budgets.balance(namespace, name, agent=agent)
        assert share.agent_spent is not None and 0 <= share.agent_spent <= 40
    posted = await memory.budgets.transactions(namespace, name, limit=1000)
    assert all(round(sum(e.amount for e in t.entries), 6) == 0 for t in posted)
    assert round(got.granted - got.spent - got.available, 6) == 0
