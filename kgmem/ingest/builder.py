"""Episodes in, memory graph out: ``Builder`` stores episodes, runs the namespace's
pipeline over them, retries failures and forgets episodes.

An episode is stored (an ``Episode`` vertex with its embedding, extraction
``pending``) before anything is extracted, so nothing is lost when extraction fails;
a failure is recorded on the episode (``extraction: failed`` and the error) and
``retry`` runs the pipeline again from what was stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kgmem.declarations import episode as episode_declaration
from kgmem.errors import (
    EpisodeNotFound,
    InvalidInput,
    KgmemError,
    LimitExceeded,
    NamespaceNotFound,
)
from kgmem.graph import GraphContext, prepare
from kgmem.graph.writes import write
from kgmem.ingest import episode_vertex, session_context
from kgmem.ingest.coalesce import EpisodeQueue
from kgmem.ingest.dating import DateStage
from kgmem.ingest.extractors import (
    Extractor,
    KnownEntityExtractor,
    PhraseExtractor,
    RuleExtractor,
    SpacyExtractor,
    StructuredExtractor,
)
from kgmem.ingest.llm import LlmExtractor, TokenBudget
from kgmem.ingest.resolve import NameIndex, Thresholds
from kgmem.ingest.stages import (
    ExtractStage,
    LinkStage,
    ResolveStage,
    Services,
    Stage,
    WriteStage,
)
from kgmem.ingest.types import (
    EpisodeOutcome,
    EpisodeWrite,
    ExtractionStatus,
    Work,
)
from kgmem.model import Entity, EntityWrite
from kgmem.schema import validate_uid
from kgmem.schema.fact_values import data_values
from kgmem.settings.config import IngestSettings, LimitSettings
from kgmem.storage import Connection, NamespaceRef, ledger
from kgmem.storage.graph import bookkeeping as ingest_store
from kgmem.storage.graph import namespaces
from kgmem.text.time_expressions import readable

_log = logging.getLogger("kgmem.ingest")

STAGES = ("extract", "resolve", "date", "write", "link")
OPTIONAL_STAGES = ("date", "link")
EXTRACTORS = ("structured", "known", "rules", "phrases", "spacy", "llm")
DEFAULT_EXTRACTORS = ("structured", "known", "rules")


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """A namespace's pipeline: which extractors run in which order, which optional
    stages run, and its LLM token budget (None: the store's default)."""

    extractors: tuple[str, ...] = DEFAULT_EXTRACTORS
    stages: tuple[str, ...] = STAGES
    llm_budget_tokens: int | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any], settings: IngestSettings) -> PipelineConfig:
        """Checked configuration; missing keys take the defaults (the LLM extractor is on
        by default only when an LLM URL is configured)."""
        default = (*DEFAULT_EXTRACTORS, "llm") if settings.llm_url else DEFAULT_EXTRACTORS
        extractors = tuple(data.get("extractors") or default)
        stages = tuple(data.get("stages") or STAGES)
        bad = [e for e in extractors if e not in EXTRACTORS]
        if bad or len(set(extractors)) != len(extractors):
            raise InvalidInput(f"extractors must be distinct names among {', '.join(EXTRACTORS)}")
        if [s for s in STAGES if s in stages] != list(stages) or not {
            "extract",
            "resolve",
            "write",
        } <= set(stages):
            raise InvalidInput(
                "stages run in the order extract, resolve, date, write, link; only date "
                "and link may be left out"
            )
        budget = data.get("llm_budget_tokens")
        if budget is not None and (not isinstance(budget, int) or budget < 0):
            raise InvalidInput("llm_budget_tokens must be a non-negative integer")
        if "llm" in extractors and not settings.llm_url:
            raise InvalidInput("the llm extractor needs KGMEM_INGEST_LLM_URL")
        return cls(extractors=extractors, stages=stages, llm_budget_tokens=budget)

    def to_dict(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "extractors": list(self.extractors),
            "stages": list(self.stages),
            "llm_budget_tokens": self.llm_budget_tokens,
        }


class Builder:
    """Memory-graph building for one store."""

    def __init__(self, ctx: GraphContext, settings: IngestSettings) -> None:
        self.ctx = ctx
        self.settings = settings
        self.thresholds = Thresholds(settings.fuzzy_threshold, settings.embedding_threshold)
        self._indexes: dict[str, tuple[tuple[int, datetime | None], NameIndex]] = {}
        self._spacy = SpacyExtractor(settings.spacy_model)
        self._builds: asyncio.Semaphore | None = None
        self.queue = EpisodeQueue(
            self._build, window_s=settings.coalesce_ms / 1000, max_episodes=settings.coalesce_max
        )

    # -- configuration ------------------------------------------------------------

    async def config(self, namespace: str) -> PipelineConfig:
        """The namespace's pipeline configuration."""
        async with self.ctx.db.acquire() as conn:
            ns = await namespaces.resolve(conn, namespace)
            stored = await ingest_store.ingest_config(conn, ns)
        return PipelineConfig.parse(stored, self.settings)

    async def set_config(self, namespace: str, data: Mapping[str, Any]) -> PipelineConfig:
        """Check and store the namespace's pipeline configuration."""
        config = PipelineConfig.parse(data, self.settings)
        async with self.ctx.db.transaction() as conn:
            ns = await namespaces.resolve(conn, namespace)
            await ingest_store.set_ingest_config(conn, ns, config.to_dict())
        return config

    async def tokens_spent(self, namespace: str) -> int:
        """LLM tokens the namespace has spent."""
        async with self.ctx.db.acquire() as conn:
            return await ingest_store.tokens_spent(conn, await namespaces.resolve(conn, namespace))

    # -- episodes -----------------------------------------------------------------

    async def ingest(
        self, namespace: str, episodes: Sequence[EpisodeWrite]
    ) -> list[EpisodeOutcome]:
        """Store ``episodes`` (all or none), then build the graph from each in order.

        Concurrent requests to one namespace are built together (``EpisodeQueue``);
        the texts of episodes without a session are embedded before queueing, so the
        model works on one batch's texts while the previous batch is being built.
        """
        prepare.batch_size(self.ctx, len(episodes))
        checked_texts(self.ctx.limits, episodes)
        many = len(episodes) > 1
        works = [
            self._work(namespace, e, f"episodes[{i}]" if many else "")
            for i, e in enumerate(episodes)
        ]
        await self._embed_early(works)
        return await self.queue.submit(namespace, works)

    async def _embed_early(self, works: Sequence[Work]) -> None:
        """Embed before queueing what building will embed the same way: the episodes
        without a session. A session episode's vector takes the topics of its stored
        previous turns, read under the building lock, so building embeds it, once."""
        await self._embed([w for w in works if not w.episode.session])

    async def _embed(self, works: Sequence[Work], texts: Sequence[str] | None = None) -> None:
        """Embed each episode with its session context within ``works`` (or with
        ``texts``); episodes already embedded with the same text keep their vector (a
        batch the queue coalesced from several requests gives some of them new
        neighbours, the stored episodes others)."""
        if texts is None:
            texts = session_context.embedded_texts(works)
        embedder = self.ctx.embedder
        if embedder is None:
            return
        todo = [(w, t) for w, t in zip(works, texts, strict=True) if w.embedded != t]
        if not todo:
            return
        vectors = await embedder.embed([t for _, t in todo])
        for (work, text), vector in zip(todo, vectors, strict=True):
            work.vector, work.embedded = vector.tolist(), text

    async def _build(self, namespace: str, works: Sequence[Work]) -> list[EpisodeOutcome]:
        """Store the episodes as pending, run the pipeline over each, then write their
        links and statuses."""
        async with self._building(namespace) as (stages, ns):
            async with self.ctx.db.acquire() as conn:
                before = await session_context.stored_neighbours(self.ctx, conn, ns, works)
            for w in works:
                w.preceding = session_context.kept_preceding(
                    w.preceding, w.episode.text, self.ctx.limits
                )
            # Again: the queue may have joined requests, and stored turns may lie between.
            await self._embed(works, session_context.texts_of(works))
            pending = [episode_vertex.to_vertex(w, "pending") for w in works]
            await write(self.ctx, namespace, entities=[*before, *pending], ns=ns)
            outcomes = [await self._run(w, stages) for w in works]
            return await self._finish(stages, ns, works, outcomes)

    @contextlib.asynccontextmanager
    async def _building(self, namespace: str) -> AsyncIterator[tuple[list[Stage], NamespaceRef]]:
        """The namespace's stages, built while holding its building lock: one batch at a
        time per namespace, in every process, so each batch resolves against every entity
        an earlier batch created (near-duplicate spellings sent concurrently meet on one
        entity). The statement that takes the lock also reads the namespace and its
        configuration; the lock's connection then checks the name index.
        On the way out, the cached name index, which the batch updated in place, is
        marked current unless someone else changed the namespace's entities meanwhile."""
        size = self.ctx.db.pool.get_max_size()
        if size < 2:  # one connection cannot hold a lock and work: this process only
            async with self.ctx.db.acquire() as conn:
                ns = await namespaces.resolve(conn, namespace)
                stored = await ingest_store.ingest_config(conn, ns)
                stages, _, _ = await self._prepare(conn, ns, stored)
            yield stages, ns
            return
        if self._builds is None:
            # Each build holds one pooled connection for its lock and uses others: at
            # most half the pool may be locks, or builds could starve one another.
            self._builds = asyncio.Semaphore(size // 2)
        async with self._builds, self.ctx.db.acquire() as conn:
            found, stored = await ingest_store.lock_building(conn, namespace)
            try:
                if found is None:
                    raise NamespaceNotFound(
                        f"namespace {namespace!r} does not exist", namespace=namespace
                    )
                stages, index, changes = await self._prepare(conn, found, stored)
                yield stages, found
                if index.changes != changes:
                    await self._adopt_index(conn, found, index)
            finally:
                await ingest_store.unlock_building(conn, namespace)

    async def _prepare(
        self, conn: Connection, ns: NamespaceRef, stored: Mapping[str, Any]
    ) -> tuple[list[Stage], NameIndex, int]:
        config = PipelineConfig.parse(stored, self.settings)
        index = await self._index_on(conn, ns, ns.name)
        return await self._stages(ns, config, index), index, index.changes

    async def _adopt_index(self, conn: Connection, ns: NamespaceRef, index: NameIndex) -> None:
        stamp = await ingest_store.entity_stamp(conn, ns)
        if stamp[0] == len(index.vertices):
            self._indexes[ns.name] = (stamp, index)

    async def retry(self, namespace: str, uid: str) -> EpisodeOutcome:
        """Run the pipeline again over a stored episode (after a failure, or to pick up
        entities learnt since)."""
        stored = await self.episode(namespace, uid)
        work = episode_vertex.work_from(namespace, stored)
        async with self._building(namespace) as (stages, ns):
            outcome = await self._run(work, stages)
            [outcome] = await self._finish(stages, ns, [work], [outcome])
        return outcome

    async def _finish(
        self,
        stages: Sequence[Stage],
        ns: NamespaceRef,
        works: Sequence[Work],
        outcomes: list[EpisodeOutcome],
    ) -> list[EpisodeOutcome]:
        """Write the batch's links and the episodes' statuses in one write; if that
        fails, every episode that had succeeded is recorded failed with the error (and
        can be retried)."""
        links = next((s for s in stages if isinstance(s, LinkStage)), None)
        if links is not None:
            try:
                await links.flush(ns.name, extra=_statuses(works, outcomes))
                return outcomes
            except KgmemError as exc:
                error = f"{exc.code}: {exc.detail}"
                outcomes = [
                    dataclasses.replace(o, status="failed", error=o.error or error)
                    for o in outcomes
                ]
        await write(self.ctx, ns.name, entities=_statuses(works, outcomes), ns=ns)
        return outcomes

    async def episode(self, namespace: str, uid: str) -> Entity:
        """A stored episode vertex."""
        from kgmem.storage.graph import vertices as vertex_store

        validate_uid(uid, self.ctx.limits.max_uid_length)
        async with self.ctx.db.acquire() as conn:
            ns = await namespaces.resolve(conn, namespace)
            found = await vertex_store.get(conn, ns, uid)
        if found is None or found.label != "Episode":
            raise EpisodeNotFound(
                f"episode {uid!r} does not exist in namespace {namespace!r}", uid=uid
            )
        return found

    def _work(self, namespace: str, episode: EpisodeWrite, at: str) -> Work:
        try:
            if not episode.text.strip():
                raise InvalidInput("an episode needs a non-empty text", field="text")
            uid = validate_uid(
                episode.uid or f"ep-{uuid.uuid4().hex}", self.ctx.limits.max_uid_length
            )
            when = prepare.aware("reference_time", episode.reference_time)
            values = data_values(episode.declared, episode_declaration.DATA_FIELDS, "episode")
            episode = dataclasses.replace(
                episode, declared={k: v for k, v in values.items() if v is not None}
            )
            for i, fact in enumerate(episode.facts):
                readable(f"facts[{i}].valid_from", fact.valid_from, when or datetime.now(UTC))
                readable(f"facts[{i}].valid_to", fact.valid_to, when or datetime.now(UTC))
        except KgmemError as exc:
            raise prepare._where(at, exc) from None
        return Work(namespace, uid, episode, when or datetime.now(UTC))

    async def _run(self, work: Work, stages: Sequence[Stage]) -> EpisodeOutcome:
        error: str | None = None
        try:
            for stage in stages:
                await stage.run(work)
        except KgmemError as exc:
            error = f"{exc.code}: {exc.detail}"
            _log.warning("extraction of episode %s failed: %s", work.episode_uid, error)
        status: ExtractionStatus = "failed" if error else "done"
        return EpisodeOutcome(
            uid=work.episode_uid,
            status=status,
            error=error,
            entities=tuple(work.resolved.values()),
            facts=tuple(work.fact_uids),
            closed=tuple(work.closed),
            tokens=work.extraction.tokens,
            notes=tuple(work.extraction.notes),
            source=work.episode.claimant,
        )

    async def _stages(
        self, ns: NamespaceRef, config: PipelineConfig, index: NameIndex
    ) -> list[Stage]:
        services = Services(self.ctx, index, self.thresholds, ns)
        extractors = [self._extractor(ns.name, name, config) for name in config.extractors]
        built: dict[str, Stage] = {
            "extract": ExtractStage(services, extractors),
            "resolve": ResolveStage(services),
            "date": DateStage(self.ctx.schema),
            "write": WriteStage(services),
            "link": LinkStage(services),
        }
        return [built[name] for name in config.stages]

    def _extractor(self, namespace: str, name: str, config: PipelineConfig) -> Extractor:
        if name == "structured":
            return StructuredExtractor(self.ctx.schema)
        if name == "known":
            return KnownEntityExtractor()
        if name == "rules":
            return RuleExtractor()
        if name == "phrases":
            return PhraseExtractor()
        if name == "spacy":
            return self._spacy
        assert self.settings.llm_url is not None
        key = self.settings.llm_api_key
        return LlmExtractor(
            url=self.settings.llm_url,
            model=self.settings.llm_model,
            api_key=key.get_secret_value() if key else None,
            timeout_s=self.settings.llm_timeout_s,
            budget=self._budget(namespace, config),
        )

    def _budget(self, namespace: str, config: PipelineConfig) -> TokenBudget:
        limit = (
            config.llm_budget_tokens
            if config.llm_budget_tokens is not None
            else self.settings.llm_budget_tokens
        )

        async def remaining() -> int:
            left = limit - await self.tokens_spent(namespace)
            async with self.ctx.db.transaction(readonly=True) as conn:
                ledger_left = await ledger.build_tokens_left(conn, namespace)
            return left if ledger_left is None else min(left, ledger_left)

        async def spend(tokens: int) -> None:
            async with self.ctx.db.transaction() as conn:
                await ingest_store.spend_tokens(
                    conn, await namespaces.resolve(conn, namespace), tokens
                )
                await ledger.record_build_tokens(conn, namespace, tokens)

        return TokenBudget(remaining=remaining, spend=spend)

    async def _index_on(self, conn: Connection, ns: NamespaceRef, namespace: str) -> NameIndex:
        stamp = await ingest_store.entity_stamp(conn, ns)
        cached = self._indexes.get(namespace)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        index = NameIndex.of(await ingest_store.named_entities(conn, ns))
        self._indexes[namespace] = (stamp, index)
        return index


def checked_texts(limits: LimitSettings, episodes: Sequence[EpisodeWrite]) -> int:
    """The characters of the episodes' texts together, once each text and their sum are
    within the limits; else ``LimitExceeded`` naming the caller's own field (``text``,
    or ``episodes[i].text`` in a batch). Cheap, so it runs before anything is embedded,
    extracted or stored."""
    most, setting = episode_text_limit(limits)
    many = len(episodes) > 1
    for i, e in enumerate(episodes):
        if len(e.text) > most:
            field = f"episodes[{i}].text" if many else "text"
            raise LimitExceeded(
                f"{field} is {len(e.text)} characters, more than the {most} an episode's "
                f"text may have ({setting})",
                field=field,
                limit=most,
            )
    total = sum(len(e.text) for e in episodes)
    if total > limits.max_batch_text:
        raise LimitExceeded(
            f"the episodes' texts are {total} characters together, more than the "
            f"{limits.max_batch_text} one request may carry (KGMEM_LIMITS_MAX_BATCH_TEXT); "
            "send them in several requests",
            field="episodes",
            limit=limits.max_batch_text,
        )
    return total


def episode_text_limit(limits: LimitSettings) -> tuple[int, str]:
    """The longest text an episode may have, and the setting that decides it: it is
    stored as a string property and indexed, so the smaller of the two limits."""
    if limits.max_string_length <= limits.max_text_length:
        return limits.max_string_length, "KGMEM_LIMITS_MAX_STRING_LENGTH"
    return limits.max_text_length, "KGMEM_LIMITS_MAX_TEXT_LENGTH"


def _statuses(works: Sequence[Work], outcomes: Sequence[EpisodeOutcome]) -> list[EntityWrite]:
    """Each episode's vertex with its extraction status."""
    return [
        episode_vertex.to_vertex(w, o.status, o.error) for w, o in zip(works, outcomes, strict=True)
    ]
