"""``Budgets``: per-namespace budgets on an append-only double-entry ledger.

A spend that would take a capped budget below zero, or an agent past its share, is
refused whole (``BudgetExceeded``), however many spends race for the last funds: each
posting locks its budget's row first. An idempotency key makes a retry safe.
"""

from __future__ import annotations

from datetime import datetime

from kgmem.agents import input_checks as values
from kgmem.errors import InvalidInput
from kgmem.model.agent_model import Balance, Budget, BudgetWrite, Transaction, TransactionWrite
from kgmem.storage import Connection, Database
from kgmem.storage import ledger as store


class Budgets:
    """The budgets and ledger of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, namespace: str, budget: BudgetWrite) -> Budget:
        """Create a budget, granting ``budget.limit`` when given (else uncapped)."""
        values.name(budget.name, "budget")
        values.name(budget.unit, "unit")
        for bound in (budget.limit, budget.agent_limit):
            if bound is not None and bound != 0:
                values.amount(bound)

        async def work(conn: Connection) -> Budget:
            await store.create(conn, namespace, budget)
            [created] = await store.budgets(conn, namespace, budget.name)
            return created

        return await self.db.in_transaction(work)

    async def get(self, namespace: str, name: str) -> Budget:
        """One budget with its running totals (``BudgetNotFound``)."""
        values.name(name, "budget")
        async with self.db.transaction(readonly=True) as conn:
            [found] = await store.budgets(conn, namespace, name)
            return found

    async def all(self, namespace: str) -> list[Budget]:
        """The namespace's budgets by name."""
        async with self.db.transaction(readonly=True) as conn:
            return await store.budgets(conn, namespace)

    async def post(self, namespace: str, budget: str, write: TransactionWrite) -> Transaction:
        """Post a grant, spend or refund (``BudgetExceeded`` and nothing posted when a
        spend passes a limit; the first transaction again for a known idempotency key)."""
        values.name(budget, "budget")
        values.amount(write.amount)
        if write.agent is not None:
            values.name(write.agent, "agent")
        if write.idempotency_key is not None:
            values.name(write.idempotency_key, "idempotency_key")
        values.document(dict(write.metadata), "metadata")
        values.document(write.memo, "memo")

        async def work(conn: Connection) -> Transaction:
            return await store.post(conn, namespace, budget, write)

        return await self.db.in_transaction(work)

    async def transactions(
        self,
        namespace: str,
        budget: str,
        *,
        agent: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[Transaction]:
        """Transactions in posting order, of ``agent`` when given, ids above ``after``."""
        values.name(budget, "budget")
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000")
        async with self.db.transaction(readonly=True) as conn:
            return await store.transactions(
                conn, namespace, budget, agent=agent, after=after, limit=limit
            )

    async def balance(
        self,
        namespace: str,
        budget: str,
        *,
        agent: str | None = None,
        as_of: datetime | None = None,
    ) -> Balance:
        """Granted, spent and available as of ``as_of`` (now), and ``agent``'s spend."""
        values.name(budget, "budget")
        if as_of is not None and as_of.tzinfo is None:
            raise InvalidInput("as_of must carry a time zone")
        async with self.db.transaction(readonly=True) as conn:
            return await store.balance(conn, namespace, budget, agent=agent, as_of=as_of)
