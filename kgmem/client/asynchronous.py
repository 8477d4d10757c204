"""``AsyncClient``: the REST API from asyncio code."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import httpx
from httpx_sse import EventSource

from kgmem.agent_model import (
    AgentState,
    Balance,
    Budget,
    BudgetWrite,
    Decision,
    DecisionExplanation,
    DecisionQuery,
    DecisionWrite,
    JsonValue,
    ScratchEntry,
    Transaction,
    TransactionWrite,
)
from kgmem.client import agent_calls, calls, retry, tier_calls
from kgmem.client.calls import Call
from kgmem.client.errors import ApiError
from kgmem.client.retry import RetryPolicy
from kgmem.client.sse import LiveEvent, live_event
from kgmem.model import (
    BatchResult,
    BatchWrite,
    CandidateCheck,
    CausalPath,
    CausalQuery,
    ContextQuery,
    CypherResult,
    Entity,
    EntityDetail,
    EntityWrite,
    EpisodeOutcome,
    EpisodeWrite,
    Fact,
    FactQuery,
    FactVerification,
    FactWrite,
    Forgotten,
    MemoryContext,
    Namespace,
    NamespaceStats,
    Page,
    SearchQuery,
    SearchResult,
    TimelineEntry,
    WriteOutcome,
)
from kgmem.model.graph_input import EntityReadIn
from kgmem.model.health import HealthOut
from kgmem.tier_model import (
    Distillation,
    DistillRequest,
    EpisodeTier,
    Provenance,
    TierPolicy,
    TierReport,
)

T = TypeVar("T")


def headers_for(api_key: str | None) -> dict[str, str]:
    """Request headers carrying ``api_key`` (none without one)."""
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


class AsyncClient:
    """A kgmem server at ``base_url``, e.g. ``AsyncClient("http://127.0.0.1:7420",
    api_key="kgm_...")``; use it as ``async with`` or call ``aclose()``."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._http = httpx.AsyncClient(
            base_url=base_url, headers=headers_for(api_key), timeout=timeout, transport=transport
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def _run(self, call: Call[T]) -> T:
        return call.read(await self._send(call))

    async def _send(self, call: Call[Any]) -> httpx.Response:
        async for attempt in retry.async_attempts(self.retry):
            with attempt:
                response = await self._http.request(
                    call.method, call.path, params=call.params, json=call.json, headers=call.headers
                )
                if not response.is_success:
                    raise _error(response)
                return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    # -- namespaces -----------------------------------------------------------------

    async def list_namespaces(self, only: Sequence[str] | None = None) -> list[Namespace]:
        """The namespaces this key may see (only those named in ``only``, if given)."""
        found = await self._run(calls.list_namespaces())
        return [n for n in found if only is None or n.name in only]

    async def create_namespace(
        self, name: str, description: str = "", *, text_config: str = "english"
    ) -> Namespace:
        """Create a namespace (admin scope)."""
        return await self._run(calls.create_namespace(name, description, text_config))

    async def get_namespace(self, name: str) -> Namespace:
        """One namespace."""
        return await self._run(calls.get_namespace(name))

    async def namespace_stats(self, name: str) -> NamespaceStats:
        """Counts per label, facts current and closed, embeddings and bytes."""
        return await self._run(calls.namespace_stats(name))

    async def delete_namespace(self, name: str) -> None:
        """Delete a namespace and everything in it (admin scope)."""
        await self._run(calls.delete_namespace(name))

    # -- entities and facts -----------------------------------------------------------

    async def upsert_entity(self, namespace: str, entity: EntityWrite) -> WriteOutcome:
        """Create or replace an entity."""
        return await self._run(calls.upsert_entity(namespace, entity))

    async def get_entity(
        self,
        namespace: str,
        uid: str,
        *,
        include_closed: bool = False,
        facts_limit: int = 100,
        known_at: datetime | None = None,
    ) -> EntityDetail:
        """The entity with its facts (at most ``facts_limit`` each way); with
        ``known_at``, as the store believed it then."""
        read = EntityReadIn(
            include_closed=include_closed, facts_limit=facts_limit, known_at=known_at
        )
        return await self._run(calls.get_entity(namespace, uid, read))

    async def delete_entity(self, namespace: str, uid: str) -> None:
        """Delete an entity and every fact touching it."""
        await self._run(calls.delete_entity(namespace, uid))

    async def add_fact(self, namespace: str, fact: FactWrite) -> Fact:
        """Add (or, with a known uid, update) a fact."""
        return await self._run(calls.add_fact(namespace, fact))

    async def get_fact(self, namespace: str, uid: str) -> Fact:
        """One fact with its sources and episodes."""
        return await self._run(calls.get_fact(namespace, uid))

    async def list_facts(self, namespace: str, query: FactQuery | None = None) -> Page[Fact]:
        """A page of facts, filtered by ``query``."""
        return await self._run(calls.list_facts(namespace, query or FactQuery()))

    async def close_fact(
        self, namespace: str, uid: str, *, valid_to: datetime | None = None
    ) -> Fact:
        """Close a fact (kept for "as of" reads)."""
        return await self._run(calls.close_fact(namespace, uid, valid_to))

    async def delete_fact(self, namespace: str, uid: str) -> None:
        """Delete a fact for good."""
        await self._run(calls.delete_fact(namespace, uid))

    async def write_batch(self, namespace: str, batch: BatchWrite) -> BatchResult:
        """Entities then facts in one transaction."""
        return await self._run(calls.write_batch(namespace, batch))

    # -- retrieval, building, verification ------------------------------------------------

    async def search(self, namespace: str, query: SearchQuery) -> SearchResult:
        """Hybrid search along any combination of axes."""
        return await self._run(calls.search(namespace, query))

    async def timeline(self, namespace: str, uid: str, *, limit: int = 1000) -> list[TimelineEntry]:
        """Every fact touching ``uid``, closed ones too, by valid time."""
        return await self._run(calls.timeline(namespace, uid, limit))

    async def causal_trace(
        self, namespace: str, query: CausalQuery, *, limit: int = 100
    ) -> list[CausalPath]:
        """Ranked causal paths from an anchor."""
        return await self._run(calls.causal_trace(namespace, query, limit))

    async def add_episodes(
        self, namespace: str, episodes: Sequence[EpisodeWrite | Mapping[str, JsonValue]]
    ) -> list[EpisodeOutcome]:
        """Store episodes (``EpisodeWrite`` records, or mappings of REST's episode fields)
        and build from them; one outcome per episode, in order."""
        return await self._run(calls.add_episodes(namespace, episodes))

    async def check_statement(
        self, namespace: str, subject: str, predicate: str, value: str
    ) -> CandidateCheck:
        """Whether the memory supports ``subject -[predicate]-> value``."""
        return await self._run(calls.check_statement(namespace, subject, predicate, value))

    async def fact_verification(self, namespace: str, uid: str) -> FactVerification:
        """A fact's trust, status and the sources for and against it."""
        return await self._run(calls.fact_verification(namespace, uid))

    async def cypher(
        self,
        namespace: str,
        query: str,
        params: Mapping[str, JsonValue] | None = None,
        *,
        mode: Literal["read", "write"] = "read",
        limit: int | None = None,
    ) -> CypherResult:
        """Run openCypher on the namespace (write mode needs the write scope)."""
        return await self._run(calls.cypher(namespace, query, params, mode=mode, limit=limit))

    async def run_named(
        self,
        namespace: str,
        name: str,
        params: Mapping[str, JsonValue] | None = None,
        *,
        limit: int | None = None,
    ) -> CypherResult:
        """Run the named query ``name`` (see GET /queries) with ``params``."""
        return await self._run(calls.run_named(namespace, name, params, limit))

    async def delete_episode(self, namespace: str, uid: str) -> Forgotten:
        """Forget an episode: facts only it supported go, others lose its provenance."""
        return await self._run(calls.delete_episode(namespace, uid))

    async def delete_source(self, namespace: str, uid: str) -> Forgotten:
        """Forget a source: every claim it made, and the facts only it claimed."""
        return await self._run(calls.delete_source(namespace, uid))

    async def build_context(self, namespace: str, query: ContextQuery) -> MemoryContext:
        """A memory block for a prompt within a token budget."""
        return await self._run(calls.build_context(namespace, query))

    async def health(self) -> HealthOut:
        """The server's health report."""
        return await self._run(calls.health())

    # -- agents: state, scratch keys, budgets ------------------------------------------

    async def get_agent_state(
        self, namespace: str, agent: str, *, version: int | None = None
    ) -> AgentState:
        """The agent's current state (or a past ``version``)."""
        return await self._run(agent_calls.get_state(namespace, agent, version))

    async def put_agent_state(
        self, namespace: str, agent: str, state: JsonValue, *, expected_version: int | None = None
    ) -> AgentState:
        """Save the agent's state as a new version; with ``expected_version`` a stale
        save raises ``ApiError`` 409 ``stale_version`` and changes nothing."""
        return await self._run(agent_calls.put_state(namespace, agent, state, expected_version))

    async def reset_agent_state(
        self, namespace: str, agent: str, *, expected_version: int | None = None
    ) -> AgentState:
        """Reset the agent's state (a new version with null state; history stays)."""
        return await self._run(agent_calls.reset_state(namespace, agent, expected_version))

    async def agent_state_history(
        self, namespace: str, agent: str, *, before: int | None = None, limit: int = 100
    ) -> list[AgentState]:
        """The agent's versions, newest first."""
        return await self._run(agent_calls.state_history(namespace, agent, before, limit))

    async def set_scratch(
        self, namespace: str, agent: str, key: str, value: JsonValue, *, ttl_s: float | None = None
    ) -> ScratchEntry:
        """Set a scratch key living ``ttl_s`` seconds (until deleted without)."""
        return await self._run(agent_calls.set_scratch(namespace, agent, key, value, ttl_s))

    async def get_scratch(self, namespace: str, agent: str, key: str) -> ScratchEntry:
        """A live scratch key (``ApiError`` 404 once expired)."""
        return await self._run(agent_calls.get_scratch(namespace, agent, key))

    async def scratch_keys(self, namespace: str, agent: str) -> list[ScratchEntry]:
        """The agent's live scratch keys."""
        return await self._run(agent_calls.scratch_keys(namespace, agent))

    async def delete_scratch(self, namespace: str, agent: str, key: str) -> None:
        """Delete a scratch key."""
        await self._run(agent_calls.delete_scratch(namespace, agent, key))

    async def create_budget(self, namespace: str, budget: BudgetWrite) -> Budget:
        """Create a budget (``limit`` granted at once; uncapped without)."""
        return await self._run(agent_calls.create_budget(namespace, budget))

    async def get_budget(self, namespace: str, budget: str) -> Budget:
        """A budget with its granted, spent and available totals."""
        return await self._run(agent_calls.get_budget(namespace, budget))

    async def post_transaction(
        self, namespace: str, budget: str, write: TransactionWrite
    ) -> Transaction:
        """Post a grant, spend or refund (``ApiError`` 409 ``budget_exceeded`` when a
        spend passes a limit; the first transaction again for a known idempotency key)."""
        return await self._run(agent_calls.post_transaction(namespace, budget, write))

    async def transactions(
        self,
        namespace: str,
        budget: str,
        *,
        agent: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[Transaction]:
        """The budget's transactions in posting order, with their legs."""
        return await self._run(agent_calls.transactions(namespace, budget, agent, after, limit))

    async def budget_balance(
        self,
        namespace: str,
        budget: str,
        *,
        agent: str | None = None,
        as_of: datetime | None = None,
    ) -> Balance:
        """Granted, spent and available as of a time (now), and ``agent``'s spend."""
        return await self._run(agent_calls.balance(namespace, budget, agent, as_of))

    async def record_decision(self, namespace: str, write: DecisionWrite) -> Decision:
        """Record a decision with the facts and episodes it relied on."""
        return await self._run(agent_calls.record_decision(namespace, write))

    async def get_decision(self, namespace: str, uid: str) -> Decision:
        """One decision; ``concerns`` name what it relied on that no longer holds."""
        return await self._run(agent_calls.get_decision(namespace, uid))

    async def decisions(self, namespace: str, query: DecisionQuery | None = None) -> list[Decision]:
        """Decisions by agent, time, outcome, relied-on fact and flag; newest first."""
        return await self._run(agent_calls.decisions(namespace, query or DecisionQuery()))

    async def explain_decision(self, namespace: str, uid: str) -> DecisionExplanation:
        """The decision with the facts (as they stand now) and episodes it relied on."""
        return await self._run(agent_calls.explain_decision(namespace, uid))

    async def set_decision_outcome(
        self, namespace: str, uid: str, outcome: str, *, cost: float | None = None
    ) -> Decision:
        """Record how a decision turned out and what it cost."""
        return await self._run(agent_calls.set_decision_outcome(namespace, uid, outcome, cost))

    # -- memory tiers and distillation ---------------------------------------------------

    async def get_tier_policy(self, namespace: str) -> TierPolicy:
        """The namespace's memory-tier policy."""
        return await self._run(tier_calls.get_policy(namespace))

    async def set_tier_policy(
        self, namespace: str, policy: TierPolicy | Mapping[str, JsonValue]
    ) -> TierPolicy:
        """Replace the tier policy (fields left out take their defaults)."""
        return await self._run(tier_calls.set_policy(namespace, policy))

    async def apply_tiers(self, namespace: str, *, now: datetime | None = None) -> TierReport:
        """Promote and archive what the policy says (idempotent)."""
        return await self._run(tier_calls.apply(namespace, now))

    async def episode_tiers(
        self,
        namespace: str,
        *,
        uids: Sequence[str] | None = None,
        archived: bool | None = None,
        limit: int = 1000,
    ) -> list[EpisodeTier]:
        """Episodes' tiers, recalls and archive state."""
        return await self._run(tier_calls.episode_tiers(namespace, uids, archived, limit))

    async def archive_episodes(self, namespace: str, uids: Sequence[str]) -> list[str]:
        """Take episodes out of the search indexes; those archived by this call."""
        return await self._run(tier_calls.archive(namespace, uids))

    async def restore_episodes(self, namespace: str, uids: Sequence[str]) -> list[str]:
        """Put archived episodes back; those restored by this call."""
        return await self._run(tier_calls.restore(namespace, uids))

    async def search_archive(
        self, namespace: str, text: str, *, k: int = 10
    ) -> list[tuple[Entity, float]]:
        """Archived episodes best matching ``text``, with scores."""
        return await self._run(tier_calls.search_archive(namespace, text, k))

    async def distill(self, namespace: str, request: DistillRequest) -> Distillation:
        """Consolidate episodes into summaries (and facts, abstractive)."""
        return await self._run(tier_calls.distill(namespace, request))

    async def summary_provenance(self, namespace: str, uid: str) -> Provenance:
        """Where a distilled summary came from, and its support and trust now."""
        return await self._run(tier_calls.provenance(namespace, uid))

    # -- streams ----------------------------------------------------------------------

    async def export(
        self,
        namespace: str,
        format: str = "jsonl",
        *,
        uids: Sequence[str] = (),
        depth: int = 1,
        part: Literal["nodes", "relationships"] = "nodes",
    ) -> AsyncIterator[bytes]:
        """The namespace (or the subgraph around ``uids``) in ``format``, chunk by chunk."""
        call = calls.export(namespace, format, uids, depth, part)
        async with self._http.stream("GET", call.path, params=call.params) as response:
            if not response.is_success:
                await response.aread()
                raise _error(response)
            async for chunk in response.aiter_bytes():
                yield chunk

    async def events(
        self,
        namespace: str,
        *,
        last_event_id: str | None = None,
        types: Sequence[str] | None = None,
    ) -> AsyncIterator[LiveEvent]:
        """The namespace's committed changes as they happen (resume after
        ``last_event_id``); runs until the caller stops iterating."""
        call = calls.events(namespace, last_event_id, types)
        timeout = httpx.Timeout(self._http.timeout.connect, read=None)
        async with self._http.stream(
            "GET", call.path, params=call.params, timeout=timeout
        ) as response:
            if not response.is_success:
                await response.aread()
                raise _error(response)
            async for sse in EventSource(response).aiter_sse():
                event = live_event(sse)
                if event is not None:
                    yield event


def _error(response: httpx.Response) -> ApiError:
    try:
        data = response.json()
    except ValueError:
        data = None
    error = ApiError.of(response.status_code, data, response.text)
    error.retry_after_s = retry.retry_after_s(response)
    return error
