"""/v1/namespaces/{ns}/agents: each agent's versioned state and scratch keys."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from kgmem.errors import InvalidRequest
from kgmem.model import agent_model as am
from kgmem.model.agent_input import ScratchIn, StateHistoryParams, StateIn, StateReadParams
from kgmem.server.auth import Reader, Writer, memory_of

router = APIRouter(prefix="/v1/namespaces/{ns}/agents", tags=["agents"])

IfMatch = Annotated[
    str | None, Header(description='The version to replace, as its ETag ("3"); 0 for none yet')
]
_ETAG = re.compile(r'\s*(?:W/)?"?(\d{1,18})"?\s*')


def _expected(if_match: str | None, body_version: int | None) -> int | None:
    if if_match is None:
        return body_version
    match = _ETAG.fullmatch(if_match)
    if match is None:
        raise InvalidRequest(f'If-Match {if_match[:40]!r} is not a state version such as "3"')
    version = int(match.group(1))
    if body_version is not None and body_version != version:
        raise InvalidRequest("If-Match and expected_version name different versions")
    return version


def _tagged(response: Response, state: am.AgentState) -> am.AgentState:
    response.headers["ETag"] = f'"{state.version}"'
    return state


@router.get("", response_model=list[am.AgentSummary])
async def list_agents(ns: str, request: Request, _: Reader) -> list[am.AgentSummary]:
    """The agents with state in the namespace, with their current versions."""
    found = await memory_of(request).agent_states.agents(ns)
    return list(found)


@router.get("/{agent}/state", response_model=am.AgentState)
async def get_agent_state(
    ns: str,
    agent: str,
    request: Request,
    response: Response,
    query: Annotated[StateReadParams, Query()],
    _: Reader,
) -> am.AgentState:
    """The agent's current state (or a past ``version``); its ETag is the version."""
    state = await memory_of(request).agent_states.get(ns, agent, version=query.version)
    return _tagged(response, state)


@router.put("/{agent}/state", response_model=am.AgentState)
async def put_agent_state(
    ns: str,
    agent: str,
    body: StateIn,
    request: Request,
    response: Response,
    _: Writer,
    if_match: IfMatch = None,
) -> am.AgentState:
    """Replace the agent's state with a new version. With ``If-Match`` or
    ``expected_version``, a write based on a stale version is refused (409
    ``stale_version``, current version in the problem) and nothing changes."""
    expected = _expected(if_match, body.expected_version)
    stored = await memory_of(request).agent_states.put(
        ns, agent, body.state, expected_version=expected
    )
    return _tagged(response, stored)


@router.delete("/{agent}/state", response_model=am.AgentState)
async def reset_agent_state(
    ns: str, agent: str, request: Request, response: Response, _: Writer, if_match: IfMatch = None
) -> am.AgentState:
    """Reset the agent's state: a new version with null state; the history stays."""
    reset = await memory_of(request).agent_states.reset(
        ns, agent, expected_version=_expected(if_match, None)
    )
    return _tagged(response, reset)


@router.get("/{agent}/state/history", response_model=list[am.AgentState])
async def agent_state_history(
    ns: str,
    agent: str,
    request: Request,
    query: Annotated[StateHistoryParams, Query()],
    _: Reader,
) -> list[am.AgentState]:
    """The agent's versions, newest first."""
    found = await memory_of(request).agent_states.history(
        ns, agent, before=query.before, limit=query.limit
    )
    return list(found)


@router.get("/{agent}/scratch", response_model=list[am.ScratchEntry])
async def list_scratch(ns: str, agent: str, request: Request, _: Reader) -> list[am.ScratchEntry]:
    """The agent's live scratch keys (expired ones are gone)."""
    return list(await memory_of(request).agent_states.scratch_keys(ns, agent))


@router.put("/{agent}/scratch/{key:path}", response_model=am.ScratchEntry)
async def set_scratch(
    ns: str, agent: str, key: str, body: ScratchIn, request: Request, _: Writer
) -> am.ScratchEntry:
    """Set a scratch key, living ``ttl_s`` seconds (until deleted without)."""
    entry = await memory_of(request).agent_states.set_scratch(
        ns, agent, key, body.value, ttl_s=body.ttl_s
    )
    return entry


@router.get("/{agent}/scratch/{key:path}", response_model=am.ScratchEntry)
async def get_scratch(
    ns: str, agent: str, key: str, request: Request, _: Reader
) -> am.ScratchEntry:
    """A live scratch key (404 ``scratch_key_not_found`` once expired)."""
    return await memory_of(request).agent_states.scratch(ns, agent, key)


@router.delete("/{agent}/scratch/{key:path}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_scratch(ns: str, agent: str, key: str, request: Request, _: Writer) -> Response:
    """Delete a scratch key (204 whether or not it was there)."""
    await memory_of(request).agent_states.delete_scratch(ns, agent, key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
