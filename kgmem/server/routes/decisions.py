"""/v1/namespaces/{ns}/decisions: what agents decided, why, and whether it still holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from kgmem.decisions import Decisions
from kgmem.model import agent_model as am
from kgmem.model.agent_input import DecisionIn, DecisionListParams, OutcomeIn
from kgmem.server.auth import Reader, Writer, memory_of

router = APIRouter(prefix="/v1/namespaces/{ns}/decisions", tags=["decisions"])


@router.post("", response_model=am.Decision, status_code=status.HTTP_201_CREATED)
async def record_decision(ns: str, body: DecisionIn, request: Request, _: Writer) -> am.Decision:
    """Record a decision with the facts and episodes it relied on (each must exist:
    404 ``fact_not_found`` / ``episode_not_found``)."""
    return await Decisions(memory_of(request)).record(ns, body.to_write())


@router.get("", response_model=list[am.Decision])
async def list_decisions(
    ns: str, request: Request, query: Annotated[DecisionListParams, Query()], _: Reader
) -> list[am.Decision]:
    """Decisions, newest first, filtered by agent, time, outcome, a relied-on fact, and
    whether something they relied on has since stopped holding."""
    found = await Decisions(memory_of(request)).search(ns, query.to_query())
    return list(found)


@router.get("/{uid}", response_model=am.Decision)
async def get_decision(ns: str, uid: str, request: Request, _: Reader) -> am.Decision:
    """One decision with its concerns."""
    return await Decisions(memory_of(request)).get(ns, uid)


@router.get("/{uid}/why", response_model=am.DecisionExplanation)
async def explain_decision(
    ns: str, uid: str, request: Request, _: Reader
) -> am.DecisionExplanation:
    """Why the agent decided this: its rationale and options with the facts it relied
    on as they stand now (closed ones too) and the episodes still remembered."""
    decision, facts, episodes = await Decisions(memory_of(request)).why(ns, uid)
    return am.DecisionExplanation(decision, tuple(facts), tuple(episodes))


@router.post("/{uid}/outcome", response_model=am.Decision)
async def set_decision_outcome(
    ns: str, uid: str, body: OutcomeIn, request: Request, _: Writer
) -> am.Decision:
    """Record how the decision turned out and what it cost."""
    told = body.to_outcome()
    updated = await Decisions(memory_of(request)).set_outcome(ns, uid, told.outcome, cost=told.cost)
    return updated
