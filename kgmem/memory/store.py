"""``Memory``: the facade of one store: verification, retrieval, building the memory
graph from episodes, health; the rest comes from the sibling modules, and opening,
starting and closing from ``kgmem.memory.runtime``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

from kgmem import __version__, retrieval
from kgmem.agents import AgentStates, Budgets
from kgmem.embedding import Embedder, embedder_from_settings, store_dimension
from kgmem.embedding.batching import coalesced
from kgmem.embedding.query_cache import QueryCache
from kgmem.graph import GraphContext
from kgmem.graph import cypher as cypher_ops
from kgmem.graph import namespaces as namespace_ops
from kgmem.graph.read_routing import ReadRouter
from kgmem.ingest import (
    Builder,
    EpisodeOutcome,
    EpisodeWrite,
    Forgotten,
    MergeRecord,
    PipelineConfig,
)
from kgmem.ingest import communities as community_ops
from kgmem.ingest import merges as merge_ops
from kgmem.ingest.builder import checked_texts
from kgmem.keys.quotas import Held, Quotas
from kgmem.keys.work_shares import WorkShares
from kgmem.live import Change
from kgmem.memory import forgetting
from kgmem.memory.content import GraphContent
from kgmem.memory.cypher import CypherMethods
from kgmem.memory.keys import SCOPES, KeyMethods
from kgmem.memory.runtime import Runtime, prewarm_indexes
from kgmem.memory.transfer import Transfer
from kgmem.model import (
    CandidateCheck,
    CausalPath,
    CausalQuery,
    EmbeddingInfo,
    Entity,
    FactVerification,
    HealthReport,
    Page,
    SearchQuery,
    SearchResult,
    SourceDetail,
    SourceReliability,
    TimelineEntry,
    VerificationRun,
)
from kgmem.model.cluster import ClusterReport
from kgmem.neo4j_schema import fulltext_procedures
from kgmem.procedures import builtin as builtin_procedures
from kgmem.process.periodic import Periodic
from kgmem.process.resources import resource_dir
from kgmem.schema import GraphSchema, load_schema, schema_files
from kgmem.settings.config import Settings
from kgmem.storage import Database
from kgmem.storage import keys as key_store
from kgmem.storage.backups import scratch
from kgmem.storage.engine import meta
from kgmem.storage.graph import namespaces
from kgmem.storage.indexes import keyword_upkeep
from kgmem.storage.indexes.text_index import TextIndexCheck
from kgmem.storage.pool import replicas as replicas_store
from kgmem.storage.pool.cluster_health import cluster_report
from kgmem.tiers import Tiers
from kgmem.verification import reads as verification_reads
from kgmem.verification import runs as verification_runs

_log = logging.getLogger("kgmem")


class Memory(GraphContent, KeyMethods, CypherMethods, Transfer):
    """One kgmem store: namespaces, entities, facts, API keys.

    A facade: the process side (the database, its pools, the background services) is
    its ``runtime`` (``kgmem.memory.runtime``); the rest are capabilities it composes."""

    def __init__(self, ctx: GraphContext, *, settings: Settings, runtime: Runtime) -> None:
        self.ctx = ctx
        self.settings = settings
        self.runtime = runtime
        """The database, its pools and the background services (``kgmem.memory.runtime``)."""
        self.key_checks = runtime.key_checks
        """Key checks reused for a few seconds (``kgmem.keys.key_cache``)."""
        self.key_watch = runtime.key_watch
        """Key and namespace changes from every process (``kgmem.keys.key_watch``)."""
        self.quotas = Quotas(settings.quota)
        """What each key may hold and send at once, for every door (``kgmem.keys.quotas``)."""
        self.shares = WorkShares(settings.heavy)
        """Heavy jobs running at once, per key and in all (``kgmem.keys.work_shares``)."""
        self.building = Builder(ctx, settings.ingest)
        self.live = runtime.live
        """The read cache and change events; every committed write calls ``live.changed``."""
        self.building.queue.after = self._batch_built
        self.agent_states = AgentStates(ctx.db)
        """Agents' versioned state and scratch keys (``kgmem.agents.AgentStates``)."""
        self.budgets = Budgets(ctx.db)
        """Budgets on a double-entry ledger (``kgmem.agents.Budgets``)."""
        self.reads = ReadRouter(ctx, runtime.replicas, settings.replica)
        """Where searches and Cypher reads run (``kgmem.graph.read_routing``)."""
        self.procedures = builtin_procedures.registry(__version__)
        """The procedures ``CALL`` names (``kgmem.procedures``): the built-ins, those of
        installed packages once the store is open, those code registers."""
        for item in fulltext_procedures.procedures():
            self.procedures.register(item)
        self.tiers = Tiers(ctx, changed=self.live.changed)
        """Memory tiers: policy, promotion, decay, archive (``kgmem.tiers.Tiers``)."""

    @classmethod
    async def open(
        cls, settings: Settings, *, serve: bool = False, embedder: Embedder | None = None
    ) -> Memory:
        """Connect (starting the embedded server if needed), migrate and check the store,
        then start the background services (``kgmem.memory.runtime``).

        With ``serve``, this process must own ``KGMEM_HOME`` (``HomeLocked`` otherwise);
        without, it owns it if free and attaches to a running server if not. An
        ``embedder`` given here replaces the configured one and stays the caller's to
        close.
        """
        schema = load_schema(schema_files(resource_dir("graph_schema"), settings.schema_.files))
        owned = None
        if embedder is None:
            embedder = owned = coalesced(
                embedder_from_settings(settings.embedding, settings.home), settings.embedding
            )
        dimension = embedder.info.dimension if embedder else store_dimension(settings.embedding)
        runtime = await Runtime.open(settings, serve=serve, embedder=owned)
        memory = cls(
            GraphContext(
                db=runtime.db,
                schema=schema,
                embedder=embedder,
                limits=settings.limits,
                dimension=dimension,
                query_cache=QueryCache(settings.embedding.query_cache_size),
            ),
            settings=settings,
            runtime=runtime,
        )
        try:
            memory.procedures.load_entry_points()
            await memory._prepare_store(embedder, dimension)
            await runtime.start(serve=serve)
            memory.reads = ReadRouter(memory.ctx, runtime.replicas, settings.replica)
        except BaseException:
            await memory.close()
            raise
        return memory

    async def _prepare_store(self, embedder: Embedder | None, dimension: int) -> None:
        info = (
            embedder.info
            if embedder
            else EmbeddingInfo("none", self.settings.embedding.model, dimension)
        )
        async with self.ctx.db.transaction() as conn:
            await meta.ensure_embedding(conn, info)
        async with self.ctx.db.acquire() as conn:
            await scratch.drop_leftovers(conn)  # what restores killed outright left
        count = await namespace_ops.apply_schema_everywhere(self.ctx)
        _log.info("graph schema applied to %d namespace(s)", count)
        if self.settings.replica.urls:  # replicas serve Cypher reads; only the primary
            names = [n.name for n in await namespace_ops.list_all(self.ctx)]
            await cypher_ops.prepare_readers(self.ctx, names)  # makes their roles
        bootstrap = self.settings.auth.bootstrap_key
        if bootstrap is not None:
            async with self.ctx.db.transaction() as conn:
                await key_store.create(
                    conn,
                    name="bootstrap",
                    scopes=SCOPES,
                    namespaces=None,
                    presented=bootstrap.get_secret_value(),
                )
            self.key_checks.clear()

    async def prewarm(self) -> None:
        """Read every namespace's HNSW indexes into the database's buffers (the server
        does this in the background at start when ``KGMEM_DATABASE_PREWARM`` is on).
        Failures are logged: a cold index is slower, not wrong."""
        await prewarm_indexes(self.ctx.db)

    @property
    def model_ready(self) -> bool:
        """Whether the embedding model needs no more start-up work (True without one)."""
        embedder = self.ctx.embedder
        return embedder is None or embedder.loaded

    async def warm_up(self) -> float | None:
        """Load the embedding model now rather than on the first write or text search
        (the server does this in the background at start, and ``/readyz`` waits for
        it); returns the seconds it took, None when there was nothing to load. Logged,
        since a first start after an install also exports the local model to ONNX."""
        embedder = self.ctx.embedder
        if embedder is None or embedder.loaded:
            return None
        _log.info(
            "loading the embedding model %s (a first start also exports it to ONNX); "
            "writes and text searches wait for it",
            embedder.info.model,
        )
        started = time.perf_counter()
        try:
            await embedder.load()
        except Exception as exc:
            # The server runs this as a background task: say it here, where it happens.
            _log.error("loading the embedding model failed (/readyz stays 503): %s", exc)
            raise
        took = time.perf_counter() - started
        _log.info("embedding model ready in %.1f s", took)
        return took

    async def close(self, *, hard: threading.Event | None = None) -> None:
        """Stop the background services, close the pools and the embedder; stop the
        embedded server if this process owns it (``Runtime.close``).

        The pool gets ten seconds for connections in use to come back, the embedded
        server ``KGMEM_DATABASE_STOP_TIMEOUT_S`` for a fast shutdown; ``hard`` (set, or
        set meanwhile) skips or cuts short both. Closing twice is harmless."""
        await self.runtime.close(hard=hard)

    async def write_position(self) -> str | None:
        """The primary's WAL position (an LSN) when reads may go to replicas: a read
        given it as ``kgmem.graph.read_routing.read_after`` sees every write committed before.
        None without replicas."""
        if not self.reads.replicas:
            return None
        return await replicas_store.write_position(self.ctx.db)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def schema(self) -> GraphSchema:
        """The graph model in force."""
        return self.ctx.schema

    @property
    def database(self) -> Database:
        """The database handle (for the capabilities built on top)."""
        return self.ctx.db

    # -- verification -----------------------------------------------------------

    async def verify_namespace(self, namespace: str) -> VerificationRun:
        """Re-score every claim of ``namespace`` (truth discovery over all its sources)."""
        run = await verification_runs.full(self.ctx, namespace, self.settings.verification)
        await self.live.changed(namespace, "verification.completed", facts=run.facts)
        return run

    async def fact_verification(self, namespace: str, uid: str) -> FactVerification:
        """Fact ``uid``'s trust, support, contradiction and sources for and against."""
        return await verification_reads.fact_verification(
            self.ctx, namespace, uid, self.settings.verification
        )

    async def check_statement(
        self, namespace: str, subject: str, predicate: str, value: str
    ) -> CandidateCheck:
        """A candidate statement against the stored facts of its data item."""
        return await verification_reads.check_candidate(
            self.ctx, namespace, (subject, predicate, value), self.settings.verification
        )

    async def list_sources(
        self, namespace: str, *, cursor: str | None = None, limit: int = 100
    ) -> Page[SourceReliability]:
        """A page of sources ordered by uid, with their learnt reliability."""
        return await verification_reads.source_list(
            self.ctx, namespace, cursor_text=cursor, limit=limit
        )

    async def get_source(self, namespace: str, uid: str) -> SourceDetail:
        """One source with its reliability history."""
        return await verification_reads.source_detail(self.ctx, namespace, uid)

    async def trust_for(
        self, namespace: str, fact_ids: Sequence[int]
    ) -> dict[int, tuple[float, str]]:
        """(trust, status) by fact graph id for the scored facts among ``fact_ids``
        (for retrieval to attach, filter or order by trust)."""
        return await verification_reads.trust_for(self.ctx, namespace, fact_ids)

    # -- retrieval --------------------------------------------------------------

    async def search(self, namespace: str, query: SearchQuery) -> SearchResult:
        """Hybrid search along any combination of axes, fused; see ``SearchQuery``. Runs
        on a replica when there are some (``kgmem.graph.read_routing``)."""
        result = await self.reads.run(lambda ctx: retrieval.search(ctx, namespace, query))
        # Recalls feed the tier policy's promotion and decay (only if it tracks them).
        await self.tiers.note_recalls(namespace, result)
        return result

    async def timeline(
        self,
        namespace: str,
        uid: str,
        *,
        limit: int = 1000,
        include_structural: bool = False,
        known_at: datetime | None = None,
    ) -> list[TimelineEntry]:
        """Every fact touching entity ``uid``, closed ones too, in valid-time order
        (structural edges such as an episode's MENTIONS only with ``include_structural``;
        ``known_at``: as the store believed them then)."""
        return await retrieval.timeline(
            self.ctx,
            namespace,
            uid,
            limit=limit,
            include_structural=include_structural,
            known_at=known_at,
        )

    async def causal_trace(self, namespace: str, query: CausalQuery) -> list[CausalPath]:
        """Ranked causal paths (effects forward or causes backward) from an anchor."""
        return await retrieval.trace(self.ctx, namespace, query)

    # -- memory-graph building ----------------------------------------------------

    async def add_episodes(
        self, namespace: str, episodes: Sequence[EpisodeWrite]
    ) -> list[EpisodeOutcome]:
        """Store episodes, then extract, resolve, date, write and link each in order.

        An episode's facts are claimed by its ``source``, else by its speaker (the
        Source ``speaker:<name>``, created on first use); with
        ``KGMEM_VERIFICATION_UPDATE_ON_WRITE`` on, their items are re-scored before
        returning, as ``add_fact`` does."""
        # Each built batch publishes its requests' events before answering them
        # (``_batch_built``), all in one round trip.
        outcomes = await self.building.ingest(namespace, episodes)
        await self._score_claims(namespace, outcomes)
        return outcomes

    def episode_share(self, episodes: Sequence[EpisodeWrite], key_id: str | None) -> Held:
        """Check the episodes' texts against the limits (``LimitExceeded`` naming the
        caller's field), then, for a large batch (``KGMEM_HEAVY_LARGE_BATCH_CHARS``),
        hold one of the large-batch shares of ``key_id`` (``TooManyJobs`` when none is
        free); release the returned ``Held`` when the episodes are built."""
        chars = checked_texts(self.settings.limits, episodes)
        if not self.shares.is_large(chars):
            return Held()
        return self.shares.hold("large_batches", key_id)

    async def retry_episode(self, namespace: str, uid: str) -> EpisodeOutcome:
        """Run the pipeline again over a stored episode."""
        outcome = await self.building.retry(namespace, uid)
        await self._episodes_changed(namespace, [outcome])
        await self._score_claims(namespace, [outcome])
        return outcome

    async def _score_claims(self, namespace: str, outcomes: Sequence[EpisodeOutcome]) -> None:
        """Re-score the data items of the facts the episodes' sources claimed."""
        if not self.settings.verification.update_on_write:
            return
        claimed = [(f, o.source) for o in outcomes if o.source for f in o.facts]
        for fact, source in claimed:
            await verification_runs.after_write(
                self.ctx, namespace, fact, source, self.settings.verification
            )

    async def get_episode(self, namespace: str, uid: str) -> Entity:
        """A stored episode with its extraction status."""
        return await self.building.episode(namespace, uid)

    async def delete_episode(self, namespace: str, uid: str) -> Forgotten:
        """Forget an episode and what only it supported."""
        forgotten = await forgetting.episode(self.ctx, self.settings.verification, namespace, uid)
        await self.live.changed(
            namespace,
            "episode.deleted",
            [uid],
            facts_deleted=list(forgotten.facts_deleted),
            entities_deleted=list(forgotten.entities_deleted),
        )
        return forgotten

    async def delete_source(self, namespace: str, uid: str) -> Forgotten:
        """Forget a source: every claim it made and what only it supported."""
        forgotten = await forgetting.source(self.ctx, self.settings.verification, namespace, uid)
        await self.live.changed(
            namespace, "source.deleted", [uid], facts_deleted=list(forgotten.facts_deleted)
        )
        return forgotten

    async def pipeline_config(self, namespace: str) -> PipelineConfig:
        """The namespace's pipeline configuration."""
        return await self.building.config(namespace)

    async def set_pipeline_config(
        self, namespace: str, config: dict[str, object]
    ) -> PipelineConfig:
        """Replace the namespace's pipeline configuration."""
        configured = await self.building.set_config(namespace, config)
        await self.live.changed(namespace, "pipeline.configured")
        return configured

    async def merge_entities(
        self, namespace: str, keep: str, other: str, reason: str = "manual"
    ) -> MergeRecord:
        """Fold entity ``other`` into ``keep``; reversible with ``unmerge``."""
        record = await merge_ops.merge(self.ctx, namespace, keep, other, {"method": reason})
        await self.live.changed(namespace, "entity.merged", [keep, other], merge_id=record.id)
        return record

    async def unmerge(self, namespace: str, merge_id: int) -> MergeRecord:
        """Undo a merge: both entities again, each with its own facts."""
        record = await merge_ops.unmerge(self.ctx, namespace, merge_id)
        await self.live.changed(
            namespace, "entity.unmerged", [record.kept, record.merged], merge_id=merge_id
        )
        return record

    async def merge_history(
        self, namespace: str, entity: str | None = None, limit: int = 100
    ) -> list[MergeRecord]:
        """Logged merges, newest first."""
        return await merge_ops.history(self.ctx, namespace, entity, limit)

    async def refresh_communities(
        self, namespace: str, *, force: bool = False
    ) -> community_ops.CommunityReport:
        """Recompute the namespace's communities if its facts changed (or ``force``);
        ``CommunitiesTimedOut`` past ``KGMEM_HEAVY_REFRESH_TIMEOUT_S`` of clustering."""
        timeout_s = self.settings.heavy.refresh_timeout_s
        report = await community_ops.refresh(self.ctx, namespace, force=force, timeout_s=timeout_s)
        await self.live.changed(namespace, "communities.refreshed")
        return report

    async def refresh_changed_communities(self) -> list[str]:
        """Recompute communities of every namespace whose facts changed since the last
        run; returns the namespaces recomputed."""
        names = [ns.name for ns in await self.list_namespaces()]
        timeout_s = self.settings.heavy.refresh_timeout_s
        refreshed = await community_ops.refresh_changed(self.ctx, names, timeout_s=timeout_s)
        for name in refreshed:
            await self.live.changed(name, "communities.refreshed")
        return refreshed

    async def check_keyword_index(
        self, namespace: str, *, repair: bool = False
    ) -> list[tuple[TextIndexCheck, bool]]:
        """The namespace's keyword statistics against its rows, per kind (vertices,
        facts), and whether they were written again from the rows: with ``repair``, when
        they differ (they never should; a repair is safe beside writers and searches)."""
        async with self.ctx.db.transaction(readonly=True) as conn:
            await namespaces.resolve(conn, namespace)
        async with self.ctx.db.acquire() as conn:
            return await keyword_upkeep.check_and_repair(conn, namespace, repair=repair)

    # -- health -----------------------------------------------------------------

    async def health(self) -> HealthReport:
        """Database reachability, versions, keyword-search backend and embedding model."""
        embedder = self.ctx.embedder
        info = (
            embedder.info
            if embedder
            else EmbeddingInfo("none", self.settings.embedding.model, self.ctx.dimension)
        )
        state = self.ctx.db.state
        ok = state.status == "up" and await self.ctx.db.ping()
        return HealthReport(
            database_ok=ok,
            database_state="up" if ok else ("down" if state.status == "up" else state.status),
            restart_attempt=state.attempt,
            restarts=state.restarts,
            database_error=state.error,
            server_version=self.ctx.db.server_version,
            extensions=dict(self.ctx.db.extensions),
            keyword_search="bm25",
            keyword_index=upkeep.state if (upkeep := self.runtime.keyword_upkeep) else "ok",
            services={s.name: s.status() for s in self.services()},
            embedding=info,
            embedding_loaded=embedder.loaded if embedder else True,
            embedding_backend=getattr(embedder, "backend", None),
            embedded_database=self.runtime.embedded is not None,
            cluster=await self.cluster(),
        )

    async def cluster(self) -> ClusterReport:
        """The primary this process reaches, failovers and refusals it saw, and the
        standbys' lag (also recorded as metrics)."""
        return await cluster_report(self.ctx.db)

    def services(self) -> list[Periodic]:
        """The background services this process runs (``kgmem.process.periodic``)."""
        return self.runtime.services()

    # -- episode events ---------------------------------------------------------

    async def _episodes_changed(self, namespace: str, outcomes: Sequence[EpisodeOutcome]) -> None:
        await self.live.changed_many(namespace, _episode_changes(outcomes))

    async def _batch_built(
        self, namespace: str, requests: Sequence[Sequence[EpisodeOutcome]]
    ) -> None:
        """The events of one built batch of episode requests, each request's in order."""
        await self.live.changed_many(
            namespace, [c for outcomes in requests for c in _episode_changes(outcomes)]
        )


def _episode_changes(outcomes: Sequence[EpisodeOutcome]) -> list[Change]:
    """The events of one episode request: episode.added, then what the pipeline wrote
    besides the episodes (new entities, new facts, the facts functional updates closed)."""
    if not outcomes:
        return []
    facts = [f for o in outcomes for f in o.facts]
    created = list(dict.fromkeys(r.uid for o in outcomes for r in o.entities if r.created))
    closed = [f for o in outcomes for f in o.closed]
    changes: list[Change] = [("episode.added", [o.uid for o in outcomes], {})]
    if created:
        changes.append(("entity.upserted", created, {}))
    if facts:
        changes.append(("fact.added", facts, {}))
    if closed:
        changes.append(("fact.closed", closed, {}))
    return changes
