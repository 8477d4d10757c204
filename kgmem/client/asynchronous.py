"""``AsyncClient``: the REST API from asyncio code."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import httpx
from httpx_sse import EventSource
from pydantic_core import to_jsonable_python

from kgmem.client import retry, routes, wire
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
from kgmem.model.agent_model import (
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
from kgmem.model.graph_input import EntityReadIn
from kgmem.model.health import HealthOut
from kgmem.model.tier_model import (
    ArchiveHit,
    Distillation,
    DistillRequest,
    EpisodeTier,
    Moved,
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

    async def _read(
        self, kind: type[T], method: str, path: str, *, field: str = "", **request: Any
    ) -> T:
        """The answer to a request (or its ``field``) read as ``kind``."""
        answer = (await self._send(method, path, **request)).json()
        return wire.decode(kind, answer[field] if field else answer)

    async def _send(self, method: str, path: str, **request: Any) -> httpx.Response:
        """The successful answer to a request (``params``, ``json``, ``headers``), retried
        as the policy says; ``ApiError`` for a refusal."""
        async for attempt in retry.async_attempts(self.retry):
            with attempt:
                response = await self._http.request(method, path, **request)
                if not response.is_success:
                    raise ApiError.from_response(response)
                return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    # -- namespaces -----------------------------------------------------------------

    async def list_namespaces(self, only: Sequence[str] | None = None) -> list[Namespace]:
        """The namespaces this key may see (only those named in ``only``, if given)."""
        found = await self._read(list[Namespace], "GET", routes.NAMESPACES)
        return [n for n in found if only is None or n.name in only]

    async def create_namespace(
        self,
        name: str,
        description: str = "",
        *,
        text_config: str = "english",
        exist_ok: bool = False,
    ) -> Namespace:
        """Create a namespace (admin scope); with ``exist_ok``, answer the namespace of
        that name when it exists with the same ``text_config`` instead of raising
        ``NamespaceExists``."""
        body: dict[str, object] = {
            "name": name,
            "description": description,
            "text_config": text_config,
        }
        if exist_ok:
            body["exist_ok"] = True
        return await self._read(Namespace, "POST", routes.NAMESPACES, json=body)

    async def get_namespace(self, name: str) -> Namespace:
        """One namespace."""
        return await self._read(Namespace, "GET", routes.namespace(name))

    async def namespace_stats(self, name: str) -> NamespaceStats:
        """Counts per label, facts current and closed, embeddings and bytes."""
        return await self._read(NamespaceStats, "GET", routes.namespace(name, "stats"))

    async def delete_namespace(self, name: str) -> None:
        """Delete a namespace and everything in it (admin scope)."""
        await self._send("DELETE", routes.namespace(name))

    # -- entities and facts -----------------------------------------------------------

    async def upsert_entity(self, namespace: str, entity: EntityWrite) -> WriteOutcome:
        """Create or replace an entity."""
        data = wire.body(entity)
        uid = data.pop("uid")
        response = await self._send("PUT", routes.namespace(namespace, "entities", uid), json=data)
        return WriteOutcome(uid=uid, created=response.status_code == 201)

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
        path = routes.namespace(namespace, "entities", uid)
        params = read.model_dump(mode="json", exclude_none=True)
        return await self._read(EntityDetail, "GET", path, params=params)

    async def delete_entity(self, namespace: str, uid: str) -> None:
        """Delete an entity and every fact touching it."""
        await self._send("DELETE", routes.namespace(namespace, "entities", uid))

    async def add_fact(self, namespace: str, fact: FactWrite) -> Fact:
        """Add (or, with a known uid, update) a fact."""
        path = routes.namespace(namespace, "facts")
        return await self._read(Fact, "POST", path, json=wire.body(fact))

    async def get_fact(self, namespace: str, uid: str) -> Fact:
        """One fact with its sources and episodes."""
        return await self._read(Fact, "GET", routes.namespace(namespace, "facts", uid))

    async def list_facts(self, namespace: str, query: FactQuery | None = None) -> Page[Fact]:
        """A page of facts, filtered by ``query``."""
        path, params = routes.namespace(namespace, "facts"), wire.body(query or FactQuery())
        return await self._read(Page[Fact], "GET", path, params=params)

    async def close_fact(
        self, namespace: str, uid: str, *, valid_to: datetime | None = None
    ) -> Fact:
        """Close a fact (kept for "as of" reads)."""
        path = routes.namespace(namespace, "facts", uid, "close")
        body = {"valid_to": valid_to.isoformat()} if valid_to else {}
        return await self._read(Fact, "POST", path, json=body)

    async def delete_fact(self, namespace: str, uid: str) -> None:
        """Delete a fact for good."""
        await self._send("DELETE", routes.namespace(namespace, "facts", uid))

    async def write_batch(self, namespace: str, batch: BatchWrite) -> BatchResult:
        """Entities then facts in one transaction."""
        path = routes.namespace(namespace, "batch")
        return await self._read(BatchResult, "POST", path, json=wire.body(batch))

    # -- retrieval, building, verification ------------------------------------------------

    async def search(self, namespace: str, query: SearchQuery) -> SearchResult:
        """Hybrid search along any combination of axes."""
        path = routes.namespace(namespace, "search")
        return await self._read(SearchResult, "POST", path, json=wire.body(query))

    async def timeline(self, namespace: str, uid: str, *, limit: int = 1000) -> list[TimelineEntry]:
        """Every fact touching ``uid``, closed ones too, by valid time."""
        path = routes.namespace(namespace, "entities", uid, "timeline")
        return await self._read(
            list[TimelineEntry], "GET", path, field="entries", params={"limit": limit}
        )

    async def causal_trace(
        self, namespace: str, query: CausalQuery, *, limit: int = 100
    ) -> list[CausalPath]:
        """Ranked causal paths from an anchor."""
        params = {**wire.body(query), "limit": limit}
        path = routes.namespace(namespace, "causal/trace")
        return await self._read(list[CausalPath], "GET", path, field="paths", params=params)

    async def add_episodes(
        self, namespace: str, episodes: Sequence[EpisodeWrite | Mapping[str, JsonValue]]
    ) -> list[EpisodeOutcome]:
        """Store episodes (``EpisodeWrite`` records, or mappings of REST's episode fields)
        and build from them; one outcome per episode, in order."""
        path = routes.namespace(namespace, "episodes/batch")
        body = {"episodes": [wire.episode(e) for e in episodes]}
        return await self._read(list[EpisodeOutcome], "POST", path, field="episodes", json=body)

    async def check_statement(
        self, namespace: str, subject: str, predicate: str, value: str
    ) -> CandidateCheck:
        """Whether the memory supports ``subject -[predicate]-> value``."""
        body = {"subject": subject, "predicate": predicate, "value": value}
        path = routes.namespace(namespace, "verify")
        return await self._read(CandidateCheck, "POST", path, json=body)

    async def fact_verification(self, namespace: str, uid: str) -> FactVerification:
        """A fact's trust, status and the sources for and against it."""
        path = routes.namespace(namespace, "facts", uid, "verification")
        return await self._read(FactVerification, "GET", path)

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
        body = {"query": query, "params": dict(params or {}), "mode": mode, "limit": limit}
        path = routes.namespace(namespace, "cypher")
        return await self._read(CypherResult, "POST", path, json=body)

    async def run_named(
        self,
        namespace: str,
        name: str,
        params: Mapping[str, JsonValue] | None = None,
        *,
        limit: int | None = None,
    ) -> CypherResult:
        """Run the named query ``name`` (see GET /queries) with ``params``."""
        body = {"params": dict(params or {}), "limit": limit}
        path = routes.namespace(namespace, "queries", name)
        return await self._read(CypherResult, "POST", path, json=body)

    async def delete_episode(self, namespace: str, uid: str) -> Forgotten:
        """Forget an episode: facts only it supported go, others lose its provenance."""
        return await self._read(Forgotten, "DELETE", routes.namespace(namespace, "episodes", uid))

    async def delete_source(self, namespace: str, uid: str) -> Forgotten:
        """Forget a source: every claim it made, and the facts only it claimed."""
        return await self._read(Forgotten, "DELETE", routes.namespace(namespace, "sources", uid))

    async def build_context(self, namespace: str, query: ContextQuery) -> MemoryContext:
        """A memory block for a prompt within a token budget."""
        body = wire.body(query)
        body["query"] = body.pop("text")
        path = routes.namespace(namespace, "context")
        return await self._read(MemoryContext, "POST", path, json=body)

    async def health(self) -> HealthOut:
        """The server's health report."""
        return await self._read(HealthOut, "GET", "/health")

    # -- agents: state, scratch keys, budgets ------------------------------------------

    async def get_agent_state(
        self, namespace: str, agent: str, *, version: int | None = None
    ) -> AgentState:
        """The agent's current state (or a past ``version``)."""
        params = {"version": version} if version is not None else None
        path = routes.namespace(namespace, "agents", agent, "state")
        return await self._read(AgentState, "GET", path, params=params)

    async def put_agent_state(
        self, namespace: str, agent: str, state: JsonValue, *, expected_version: int | None = None
    ) -> AgentState:
        """Save the agent's state as a new version; with ``expected_version`` a stale
        save raises ``ApiError`` 409 ``stale_version`` and changes nothing."""
        body = {"state": state, "expected_version": expected_version}
        path = routes.namespace(namespace, "agents", agent, "state")
        return await self._read(AgentState, "PUT", path, json=body)

    async def reset_agent_state(
        self, namespace: str, agent: str, *, expected_version: int | None = None
    ) -> AgentState:
        """Reset the agent's state (a new version with null state; history stays)."""
        match = f'"{expected_version}"' if expected_version is not None else None
        headers = {"If-Match": match} if match else None
        path = routes.namespace(namespace, "agents", agent, "state")
        return await self._read(AgentState, "DELETE", path, headers=headers)

    async def agent_state_history(
        self, namespace: str, agent: str, *, before: int | None = None, limit: int = 100
    ) -> list[AgentState]:
        """The agent's versions, newest first."""
        params: dict[str, Any] = {"limit": limit, **({"before": before} if before else {})}
        path = routes.namespace(namespace, "agents", agent, "state/history")
        return await self._read(list[AgentState], "GET", path, params=params)

    async def set_scratch(
        self, namespace: str, agent: str, key: str, value: JsonValue, *, ttl_s: float | None = None
    ) -> ScratchEntry:
        """Set a scratch key living ``ttl_s`` seconds (until deleted without)."""
        path = routes.namespace(namespace, "agents", agent, "scratch", key)
        body = {"value": value, "ttl_s": ttl_s}
        return await self._read(ScratchEntry, "PUT", path, json=body)

    async def get_scratch(self, namespace: str, agent: str, key: str) -> ScratchEntry:
        """A live scratch key (``ApiError`` 404 once expired)."""
        path = routes.namespace(namespace, "agents", agent, "scratch", key)
        return await self._read(ScratchEntry, "GET", path)

    async def scratch_keys(self, namespace: str, agent: str) -> list[ScratchEntry]:
        """The agent's live scratch keys."""
        path = routes.namespace(namespace, "agents", agent, "scratch")
        return await self._read(list[ScratchEntry], "GET", path)

    async def delete_scratch(self, namespace: str, agent: str, key: str) -> None:
        """Delete a scratch key."""
        await self._send("DELETE", routes.namespace(namespace, "agents", agent, "scratch", key))

    async def create_budget(self, namespace: str, budget: BudgetWrite) -> Budget:
        """Create a budget (``limit`` granted at once; uncapped without)."""
        path = routes.namespace(namespace, "budgets")
        return await self._read(Budget, "POST", path, json=wire.body(budget))

    async def get_budget(self, namespace: str, budget: str) -> Budget:
        """A budget with its granted, spent and available totals."""
        return await self._read(Budget, "GET", routes.namespace(namespace, "budgets", budget))

    async def post_transaction(
        self, namespace: str, budget: str, write: TransactionWrite
    ) -> Transaction:
        """Post a grant, spend or refund (``ApiError`` 409 ``budget_exceeded`` when a
        spend passes a limit; the first transaction again for a known idempotency key)."""
        body = wire.body(write) | {"metadata": dict(write.metadata)}
        path = routes.namespace(namespace, "budgets", budget, "transactions")
        return await self._read(Transaction, "POST", path, json=body)

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
        params = wire.present({"agent": agent, "after": after, "limit": limit})
        path = routes.namespace(namespace, "budgets", budget, "transactions")
        return await self._read(list[Transaction], "GET", path, params=params)

    async def budget_balance(
        self,
        namespace: str,
        budget: str,
        *,
        agent: str | None = None,
        as_of: datetime | None = None,
    ) -> Balance:
        """Granted, spent and available as of a time (now), and ``agent``'s spend."""
        params = wire.present({"agent": agent, "as_of": as_of.isoformat() if as_of else None})
        path = routes.namespace(namespace, "budgets", budget, "balance")
        return await self._read(Balance, "GET", path, params=params)

    async def record_decision(self, namespace: str, write: DecisionWrite) -> Decision:
        """Record a decision with the facts and episodes it relied on."""
        body = wire.body(write) | {"metadata": dict(write.metadata)}
        return await self._read(
            Decision, "POST", routes.namespace(namespace, "decisions"), json=body
        )

    async def get_decision(self, namespace: str, uid: str) -> Decision:
        """One decision; ``concerns`` name what it relied on that no longer holds."""
        return await self._read(Decision, "GET", routes.namespace(namespace, "decisions", uid))

    async def decisions(self, namespace: str, query: DecisionQuery | None = None) -> list[Decision]:
        """Decisions by agent, time, outcome, relied-on fact and flag; newest first."""
        params = wire.present(wire.body(query or DecisionQuery()))
        path = routes.namespace(namespace, "decisions")
        return await self._read(list[Decision], "GET", path, params=params)

    async def explain_decision(self, namespace: str, uid: str) -> DecisionExplanation:
        """The decision with the facts (as they stand now) and episodes it relied on."""
        path = routes.namespace(namespace, "decisions", uid, "why")
        return await self._read(DecisionExplanation, "GET", path)

    async def set_decision_outcome(
        self, namespace: str, uid: str, outcome: str, *, cost: float | None = None
    ) -> Decision:
        """Record how a decision turned out and what it cost."""
        path = routes.namespace(namespace, "decisions", uid, "outcome")
        body = {"outcome": outcome, "cost": cost}
        return await self._read(Decision, "POST", path, json=body)

    # -- memory tiers and distillation ---------------------------------------------------

    async def get_tier_policy(self, namespace: str) -> TierPolicy:
        """The namespace's memory-tier policy."""
        return await self._read(TierPolicy, "GET", routes.namespace(namespace, "tiers/policy"))

    async def set_tier_policy(
        self, namespace: str, policy: TierPolicy | Mapping[str, JsonValue]
    ) -> TierPolicy:
        """Replace the tier policy (fields left out take their defaults)."""
        # Whole, None included: a rule set to None is off, where one left out takes its default.
        body = to_jsonable_python(policy if isinstance(policy, TierPolicy) else dict(policy))
        path = routes.namespace(namespace, "tiers/policy")
        return await self._read(TierPolicy, "PUT", path, json=body)

    async def apply_tiers(self, namespace: str, *, now: datetime | None = None) -> TierReport:
        """Promote and archive what the policy says (idempotent)."""
        body = {"now": now.isoformat()} if now else {}
        path = routes.namespace(namespace, "tiers/apply")
        return await self._read(TierReport, "POST", path, json=body)

    async def episode_tiers(
        self,
        namespace: str,
        *,
        uids: Sequence[str] | None = None,
        archived: bool | None = None,
        limit: int = 1000,
    ) -> list[EpisodeTier]:
        """Episodes' tiers, recalls and archive state."""
        params: dict[str, Any] = {"limit": limit}
        if uids:
            params["uid"] = list(uids)
        if archived is not None:
            params["archived"] = str(archived).lower()
        path = routes.namespace(namespace, "tiers/episodes")
        return await self._read(list[EpisodeTier], "GET", path, params=params)

    async def archive_episodes(self, namespace: str, uids: Sequence[str]) -> list[str]:
        """Take episodes out of the search indexes; those archived by this call."""
        return await self._move(namespace, "archive", uids)

    async def restore_episodes(self, namespace: str, uids: Sequence[str]) -> list[str]:
        """Put archived episodes back; those restored by this call."""
        return await self._move(namespace, "restore", uids)

    async def search_archive(
        self, namespace: str, text: str, *, k: int = 10
    ) -> list[tuple[Entity, float]]:
        """Archived episodes best matching ``text``, with scores."""
        path = routes.namespace(namespace, "tiers/archive/search")
        hits = await self._read(list[ArchiveHit], "POST", path, json={"text": text, "k": k})
        return [(hit.episode, hit.score) for hit in hits]

    async def distill(self, namespace: str, request: DistillRequest) -> Distillation:
        """Consolidate episodes into summaries (and facts, abstractive)."""
        path = routes.namespace(namespace, "distill")
        return await self._read(Distillation, "POST", path, json=wire.body(request))

    async def summary_provenance(self, namespace: str, uid: str) -> Provenance:
        """Where a distilled summary came from, and its support and trust now."""
        path = routes.namespace(namespace, "distilled", uid, "provenance")
        return await self._read(Provenance, "GET", path)

    async def _move(self, namespace: str, how: str, uids: Sequence[str]) -> list[str]:
        path = routes.namespace(namespace, "tiers", how)
        moved = await self._read(Moved, "POST", path, json={"uids": list(uids)})
        return list(moved.uids)

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
        params: dict[str, Any] = {
            "format": format,
            "uids": list(uids),
            "depth": depth,
            "part": part,
        }
        path = routes.namespace(namespace, "export")
        async with self._http.stream("GET", path, params=params) as response:
            if not response.is_success:
                await response.aread()
                raise ApiError.from_response(response)
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
        params = {"types": ",".join(types)} if types else {}
        if last_event_id:
            params["last_event_id"] = last_event_id
        path = routes.namespace(namespace, "events")
        timeout = httpx.Timeout(self._http.timeout.connect, read=None)
        async with self._http.stream("GET", path, params=params, timeout=timeout) as response:
            if not response.is_success:
                await response.aread()
                raise ApiError.from_response(response)
            async for sse in EventSource(response).aiter_sse():
                event = live_event(sse)
                if event is not None:
                    yield event
