"""Budgets and their double-entry ledger (``kgmem.budget``, ``kgmem.ledger_*``).

Posting locks the budget's row (``SELECT ... FOR UPDATE``), so the postings of one
budget run one at a time: the limit check reads balances no concurrent spend can
change before this one commits, and an idempotency key is looked up before anyone
else can post it. Legs of one transaction sum to zero.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

import asyncpg

from kgmem.errors import (
    BudgetExceeded,
    BudgetExists,
    BudgetNotFound,
    Conflict,
    IdempotencyKeyReused,
    InvalidInput,
)
from kgmem.model.agent_model import (
    Balance,
    Budget,
    BudgetWrite,
    LedgerEntry,
    Transaction,
    TransactionKind,
    TransactionWrite,
)
from kgmem.storage import rows
from kgmem.storage.agent_state import check_namespace

FUNDING, AVAILABLE = "funding", "available"
_QUANTUM = Decimal("0.000001")


@dataclasses.dataclass(frozen=True, slots=True)
class BudgetRow:
    """A budget's rules (``kgmem.budget``)."""

    name: str
    unit: str
    capped: bool
    agent_limit: Decimal | None
    description: str
    created_at: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class TotalsRow(BudgetRow):
    """A budget's rules with its running totals."""

    granted: Decimal
    available: Decimal


class TransactionRow(NamedTuple):
    """A posted transaction (``kgmem.ledger_transaction``), metadata as JSON text."""

    id: int
    budget: str
    kind: TransactionKind
    amount: Decimal
    agent: str | None
    idempotency_key: str | None
    memo: str
    metadata: str
    posted_at: datetime


class _Spent(NamedTuple):
    now_: datetime
    granted: Decimal
    available: Decimal
    agent_spent: Decimal


def agent_account(agent: str) -> str:
    """The account holding what ``agent`` has spent."""
    return f"agent:{agent}"


def _decimal(amount: float) -> Decimal:
    return Decimal(repr(amount)).quantize(_QUANTUM)


def legs(kind: str, amount: Decimal, agent: str | None) -> list[tuple[str, Decimal]]:
    """The (account, amount) legs of a transaction; they sum to zero."""
    if kind == "grant":
        return [(FUNDING, -amount), (AVAILABLE, amount)]
    if agent is None:
        raise InvalidInput(f"a {kind} needs the agent it is for")
    spender = agent_account(agent)
    if kind == "spend":
        return [(AVAILABLE, -amount), (spender, amount)]
    return [(spender, -amount), (AVAILABLE, amount)]


async def create(conn: asyncpg.Connection, namespace: str, budget: BudgetWrite) -> None:
    """Create a budget (``BudgetExists`` if the name is taken), granting ``limit``."""
    await check_namespace(conn, namespace)
    created = await conn.fetchval(
        "INSERT INTO kgmem.budget (namespace, name, unit, capped, agent_limit, description) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
        namespace,
        budget.name,
        budget.unit,
        budget.limit is not None,
        _decimal(budget.agent_limit) if budget.agent_limit is not None else None,
        budget.description,
    )
    if not created:
        raise BudgetExists(f"budget {budget.name!r} already exists", budget=budget.name)
    if budget.limit:
        await post(conn, namespace, budget.name, TransactionWrite("grant", budget.limit))


async def ensure_uncapped(conn: asyncpg.Connection, namespace: str, name: str, unit: str) -> None:
    """Create an uncapped budget ``name`` unless it exists."""
    await conn.execute(
        "INSERT INTO kgmem.budget (namespace, name, unit, capped) VALUES ($1, $2, $3, false) "
        "ON CONFLICT DO NOTHING",
        namespace,
        name,
        unit,
    )


async def _locked(conn: asyncpg.Connection, namespace: str, name: str) -> BudgetRow:
    """The budget's row, locked until the transaction ends (spends queue here)."""
    return await _get_row(conn, namespace, name, lock=True)


async def _balances(
    conn: asyncpg.Connection, namespace: str, budget: str, accounts: list[str]
) -> dict[str, Decimal]:
    rows = await conn.fetch(
        "SELECT account, balance FROM kgmem.ledger_balance "
        "WHERE namespace = $1 AND budget = $2 AND account = ANY($3::text[])",
        namespace,
        budget,
        accounts,
    )
    found: dict[str, Decimal] = dict(rows)
    return {a: found.get(a, Decimal(0)) for a in accounts}


def _check_limits(
    budget: str, rules: BudgetRow, after: dict[str, Decimal], agent: str | None
) -> None:
    if rules.capped and after[AVAILABLE] < 0:
        raise BudgetExceeded(
            f"the spend would overdraw budget {budget!r} by {-after[AVAILABLE]}; nothing posted",
            budget=budget,
            available=float(after[AVAILABLE]),
        )
    limit = rules.agent_limit
    spent = after.get(agent_account(agent)) if agent is not None else None
    if limit is not None and spent is not None and spent > limit:
        raise BudgetExceeded(
            f"agent {agent!r} would spend {spent} of budget {budget!r}, past its limit "
            f"{limit}; nothing posted",
            budget=budget,
            agent=agent,
        )


async def post(
    conn: asyncpg.Connection,
    namespace: str,
    budget: str,
    write: TransactionWrite,
    *,
    enforce: bool = True,
) -> Transaction:
    """Post ``write`` atomically, or raise ``BudgetExceeded`` and post nothing. Without
    ``enforce`` the limits are not checked (usage recorded after the fact)."""
    rules = await _locked(conn, namespace, budget)
    if write.idempotency_key is not None:
        earlier = await _by_key(conn, namespace, budget, write.idempotency_key)
        if earlier is not None:
            return _replayed(earlier, write)
    amount = _decimal(write.amount)
    postings = legs(write.kind, amount, write.agent)
    before = await _balances(conn, namespace, budget, [a for a, _ in postings])
    after = {account: before[account] + delta for account, delta in postings}
    if enforce and write.kind == "spend":
        _check_limits(budget, rules, after, write.agent)
    if write.kind == "refund" and after[postings[0][0]] < 0:
        raise Conflict(
            f"agent {write.agent!r} has spent only {before[postings[0][0]]} of budget "
            f"{budget!r}; a refund cannot exceed it",
            budget=budget,
        )
    return await _insert(conn, namespace, budget, write, postings)


async def _insert(
    conn: asyncpg.Connection,
    namespace: str,
    budget: str,
    write: TransactionWrite,
    postings: list[tuple[str, Decimal]],
) -> Transaction:
    row = await rows.fetchrow(
        conn,
        TransactionRow,
        "INSERT INTO kgmem.ledger_transaction (namespace, budget, kind, amount, agent, "
        "idempotency_key, memo, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) "
        f"RETURNING {_TX}",
        namespace,
        budget,
        write.kind,
        _decimal(write.amount),
        write.agent,
        write.idempotency_key,
        write.memo,
        json.dumps(dict(write.metadata)),
    )
    assert row is not None  # INSERT ... RETURNING returns the row it inserted
    await conn.executemany(
        "INSERT INTO kgmem.ledger_entry (transaction_id, account, amount) VALUES ($1, $2, $3)",
        [(row.id, account, delta) for account, delta in postings],
    )
    await conn.executemany(
        "INSERT INTO kgmem.ledger_balance (namespace, budget, account, balance) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (namespace, budget, account) "
        "DO UPDATE SET balance = kgmem.ledger_balance.balance + EXCLUDED.balance",
        [(namespace, budget, account, delta) for account, delta in postings],
    )
    return _transaction(row, [LedgerEntry(a, float(d)) for a, d in postings])


_TX = "id, budget, kind, amount, agent, idempotency_key, memo, metadata::text, posted_at"


def _transaction(row: TransactionRow, entries: list[LedgerEntry]) -> Transaction:
    return Transaction(
        id=int(row.id),
        budget=row.budget,
        kind=row.kind,
        amount=float(row.amount),
        agent=row.agent,
        idempotency_key=row.idempotency_key,
        memo=row.memo,
        metadata=json.loads(row.metadata),
        entries=tuple(entries),
        posted_at=row.posted_at,
    )


async def _entries(conn: asyncpg.Connection, ids: list[int]) -> dict[int, list[LedgerEntry]]:
    rows = await conn.fetch(
        "SELECT transaction_id, account, amount FROM kgmem.ledger_entry "
        "WHERE transaction_id = ANY($1::bigint[]) ORDER BY transaction_id, amount",
        ids,
    )
    found: dict[int, list[LedgerEntry]] = {i: [] for i in ids}
    for transaction_id, account, amount in rows:
        found[int(transaction_id)].append(LedgerEntry(account, float(amount)))
    return found


async def _by_key(
    conn: asyncpg.Connection, namespace: str, budget: str, key: str
) -> Transaction | None:
    row = await rows.fetchrow(
        conn,
        TransactionRow,
        f"SELECT {_TX} FROM kgmem.ledger_transaction "
        "WHERE namespace = $1 AND budget = $2 AND idempotency_key = $3",
        namespace,
        budget,
        key,
    )
    if row is None:
        return None
    return _transaction(row, (await _entries(conn, [int(row.id)]))[int(row.id)])


def _replayed(earlier: Transaction, write: TransactionWrite) -> Transaction:
    same = (
        earlier.kind == write.kind
        and earlier.amount == float(_decimal(write.amount))
        and earlier.agent == write.agent
    )
    if not same:
        raise IdempotencyKeyReused(
            f"idempotency key {write.idempotency_key!r} posted transaction {earlier.id} "
            f"({earlier.kind} {earlier.amount} by {earlier.agent!r}); send a new key for a "
            "different transaction",
            transaction=earlier.id,
        )
    return dataclasses.replace(earlier, replayed=True)


async def transactions(
    conn: asyncpg.Connection,
    namespace: str,
    budget: str,
    *,
    agent: str | None,
    after: int | None,
    limit: int,
) -> list[Transaction]:
    """The budget's transactions in posting order (of ``agent`` when given), those
    with ids above ``after``."""
    await _get_row(conn, namespace, budget)
    found = await rows.fetch(
        conn,
        TransactionRow,
        f"SELECT {_TX} FROM kgmem.ledger_transaction WHERE namespace = $1 AND budget = $2 "
        "AND ($3::text IS NULL OR agent = $3) AND ($4::bigint IS NULL OR id > $4) "
        "ORDER BY id LIMIT $5",
        namespace,
        budget,
        agent,
        after,
        limit,
    )
    legs_of = await _entries(conn, [int(r.id) for r in found])
    return [_transaction(r, legs_of[int(r.id)]) for r in found]


async def _get_row(
    conn: asyncpg.Connection, namespace: str, name: str, *, lock: bool = False
) -> BudgetRow:
    await check_namespace(conn, namespace)
    row = await rows.fetchrow(
        conn,
        BudgetRow,
        "SELECT name, unit, capped, agent_limit, description, created_at FROM kgmem.budget "
        "WHERE namespace = $1 AND name = $2" + (" FOR UPDATE" if lock else ""),
        namespace,
        name,
    )
    if row is None:
        raise BudgetNotFound(f"budget {name!r} does not exist", budget=name)
    return row


async def balance(
    conn: asyncpg.Connection,
    namespace: str,
    budget: str,
    *,
    agent: str | None,
    as_of: datetime | None,
) -> Balance:
    """The budget's totals (and ``agent``'s) from the legs posted up to ``as_of``."""
    rules = await _get_row(conn, namespace, budget)
    row = await rows.fetchrow(
        conn,
        _Spent,
        "SELECT clock_timestamp() AS now_, "
        "coalesce(sum(-e.amount) FILTER (WHERE e.account = 'funding'), 0) AS granted, "
        "coalesce(sum(e.amount) FILTER (WHERE e.account = 'available'), 0) AS available, "
        "coalesce(sum(e.amount) FILTER (WHERE e.account = $4), 0) AS agent_spent "
        "FROM kgmem.ledger_transaction t JOIN kgmem.ledger_entry e ON e.transaction_id = t.id "
        "WHERE t.namespace = $1 AND t.budget = $2 "
        "AND ($3::timestamptz IS NULL OR t.posted_at <= $3)",
        namespace,
        budget,
        as_of,
        agent_account(agent) if agent is not None else None,
    )
    assert row is not None  # an aggregate without GROUP BY returns one row
    granted, available = row.granted, row.available
    limit = rules.agent_limit
    return Balance(
        budget=budget,
        as_of=as_of or row.now_,
        granted=float(granted),
        spent=float(granted - available),
        available=float(available),
        agent=agent,
        agent_spent=float(row.agent_spent) if agent is not None else None,
        agent_remaining=float(limit - row.agent_spent)
        if agent is not None and limit is not None
        else None,
    )


async def budgets(
    conn: asyncpg.Connection, namespace: str, name: str | None = None
) -> list[Budget]:
    """The namespace's budgets (or the one named) with their running totals."""
    if name is not None:
        await _get_row(conn, namespace, name)
    else:
        await check_namespace(conn, namespace)
    found = await rows.fetch(
        conn,
        TotalsRow,
        "SELECT b.name, b.unit, b.capped, b.agent_limit, b.description, b.created_at, "
        "coalesce(-(SELECT balance FROM kgmem.ledger_balance l WHERE l.namespace = b.namespace "
        "AND l.budget = b.name AND l.account = 'funding'), 0) AS granted, "
        "coalesce((SELECT balance FROM kgmem.ledger_balance l WHERE l.namespace = b.namespace "
        "AND l.budget = b.name AND l.account = 'available'), 0) AS available "
        "FROM kgmem.budget b WHERE b.namespace = $1 AND ($2::text IS NULL OR b.name = $2) "
        "ORDER BY b.name",
        namespace,
        name,
    )
    return [
        Budget(
            name=r.name,
            unit=r.unit,
            capped=r.capped,
            agent_limit=float(r.agent_limit) if r.agent_limit is not None else None,
            description=r.description,
            granted=float(r.granted),
            spent=float(r.granted - r.available),
            available=float(r.available),
            created_at=r.created_at,
        )
        for r in found
    ]


BUILD_BUDGET = "llm-tokens"
"""The budget the graph builder's LLM calls are recorded in (created uncapped)."""
BUILD_AGENT = "kgmem-build"


async def record_build_tokens(conn: asyncpg.Connection, namespace: str, tokens: int) -> None:
    """Record LLM tokens spent building the namespace's graph in ``BUILD_BUDGET``; spent
    already, so no limit refuses them (a capped budget goes below zero)."""
    await record_llm_tokens(conn, namespace, tokens, agent=BUILD_AGENT, memo="LLM extraction")


async def record_llm_tokens(
    conn: asyncpg.Connection, namespace: str, tokens: int, *, agent: str, memo: str
) -> None:
    """Record LLM tokens ``agent`` spent in ``BUILD_BUDGET`` (never refused)."""
    if tokens <= 0:
        return
    await ensure_uncapped(conn, namespace, BUILD_BUDGET, "tokens")
    write = TransactionWrite("spend", tokens, agent=agent, memo=memo)
    await post(conn, namespace, BUILD_BUDGET, write, enforce=False)


async def build_tokens_left(conn: asyncpg.Connection, namespace: str) -> int | None:
    """What a capped ``BUILD_BUDGET`` has available (None: absent or uncapped)."""
    row = await conn.fetchrow(
        "SELECT b.capped, coalesce(l.balance, 0) FROM kgmem.budget b "
        "LEFT JOIN kgmem.ledger_balance l ON l.namespace = b.namespace AND l.budget = b.name "
        "AND l.account = 'available' WHERE b.namespace = $1 AND b.name = $2",
        namespace,
        BUILD_BUDGET,
    )
    if row is None:
        return None
    capped, available = row
    return int(available) if capped else None
