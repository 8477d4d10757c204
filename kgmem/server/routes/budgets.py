"""/v1/namespaces/{ns}/budgets: budgets and their append-only double-entry ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from kgmem.model import agent_model as am
from kgmem.model.agent_input import BalanceParams, BudgetIn, TransactionIn
from kgmem.server.auth import Reader, Writer, memory_of

router = APIRouter(prefix="/v1/namespaces/{ns}/budgets", tags=["budgets"])


@router.post("", response_model=am.Budget, status_code=status.HTTP_201_CREATED)
async def create_budget(ns: str, body: BudgetIn, request: Request, _: Writer) -> am.Budget:
    """Create a budget; ``limit`` is granted at once (omit it for an uncapped budget,
    whose spends are recorded and never refused). 409 ``budget_exists``."""
    return await memory_of(request).budgets.create(ns, body.to_write())


@router.get("", response_model=list[am.Budget])
async def list_budgets(ns: str, request: Request, _: Reader) -> list[am.Budget]:
    """The namespace's budgets with granted, spent and available totals."""
    return list(await memory_of(request).budgets.all(ns))


@router.get("/{budget}", response_model=am.Budget)
async def get_budget(ns: str, budget: str, request: Request, _: Reader) -> am.Budget:
    """One budget with its running totals."""
    return await memory_of(request).budgets.get(ns, budget)


@router.post("/{budget}/transactions", response_model=am.Transaction, status_code=201)
async def post_transaction(
    ns: str, budget: str, body: TransactionIn, request: Request, response: Response, _: Writer
) -> am.Transaction:
    """Post a grant, spend or refund as balanced ledger legs. A spend past a capped
    budget or an agent's limit is refused whole (409 ``budget_exceeded``), even when
    many race for the last funds. A known ``idempotency_key`` answers 200 with the
    first transaction (409 ``idempotency_key_reused`` if the request differs)."""
    posted = await memory_of(request).budgets.post(ns, budget, body.to_write())
    if posted.replayed:
        response.status_code = status.HTTP_200_OK
    return posted


@router.get("/{budget}/transactions", response_model=list[am.Transaction])
async def list_transactions(
    ns: str,
    budget: str,
    request: Request,
    _: Reader,
    agent: str | None = None,
    after: Annotated[int | None, Query(ge=0, description="Transactions with larger ids")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[am.Transaction]:
    """Transactions in posting order, with their legs; page with ``after``."""
    found = await memory_of(request).budgets.transactions(
        ns, budget, agent=agent, after=after, limit=limit
    )
    return list(found)


@router.get("/{budget}/balance", response_model=am.Balance)
async def budget_balance(
    ns: str,
    budget: str,
    request: Request,
    query: Annotated[BalanceParams, Query()],
    _: Reader,
) -> am.Balance:
    """Granted, spent and available as of a time (now by default), and one agent's
    spend and remaining share when ``agent`` is given."""
    found = await memory_of(request).budgets.balance(
        ns, budget, agent=query.agent, as_of=query.as_of
    )
    return found
