"""``Runtime``: the process side of one store, the part of ``Memory`` that is not its API.

It owns what lives as long as the store is open: the embedded PostgreSQL and the home
lock (when there is no ``KGMEM_DATABASE_URL``), the connection pool, the replicas'
pools, and the background services. Each background service is a ``Periodic``
(``kgmem.process.periodic``): one helper starts it, restarts its step with
backoff after failures and stops it, and ``services()`` lists them all for /health
and the metrics.

``open`` starts (or attaches to) the database and opens the pool. ``start`` then
starts, in this order:

1. the replicas' pools (``KGMEM_REPLICA_URLS``; they connect on first use);
2. the live cache and change events (``kgmem.live``): the LISTEN connection and its
   ``listen`` service, and the ``redis-probe`` service when Redis is configured;
3. the key watch (``kgmem.keys.key_watch``): its LISTEN and the ``key-recheck`` service;
4. the statement ``watchdog`` service, when the settings ask for one;
5. when serving: the ``keyword-upkeep`` service (after marking the store as served),
   the ``index-population`` service (``kgmem.neo4j_schema.population``), the one-shot
   prewarm of the vector indexes (``KGMEM_DATABASE_PREWARM``), the Cypher
   planning processes (``kgmem.cypher.planner``, in the background), and, when
   this process owns the embedded PostgreSQL, its ``supervisor`` service last, once
   everything that could fail at start has started.

A caller may hand the runtime a service of its own (``adopt``: a server worker's watch
on its parent process): it is started at once, listed with the others and stopped
first.

``close`` stops them in the reverse order (the supervisor first, so nothing restarts
the database under a closing pool), then closes the pools and the embedder it owns,
and stops the embedded PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field

from kgmem.cypher import planner
from kgmem.embedding import Embedder
from kgmem.keys.key_cache import KeyCache
from kgmem.keys.key_watch import KeyWatch
from kgmem.live import Live
from kgmem.memory.startup import database_url, start_database, stop_database
from kgmem.neo4j_schema.population import Population, population_connection
from kgmem.process.periodic import Periodic
from kgmem.settings.config import Settings
from kgmem.storage import Database, EmbeddedPostgres, HomeLock, open_database
from kgmem.storage.engine import prewarm
from kgmem.storage.indexes.keyword_upkeep import KeywordUpkeep
from kgmem.storage.pool import watchdog as statement_watchdog
from kgmem.storage.pool.replicas import Replicas, open_replicas
from kgmem.storage.pool.supervisor import Supervisor
from kgmem.storage.pool.watchdog import Watchdog

_log = logging.getLogger("kgmem")


@dataclass
class Runtime:
    """The database, its pools and the background services of one open store (see the
    module docstring for what starts in which order)."""

    settings: Settings
    db: Database
    url: str
    embedded: EmbeddedPostgres | None = None
    lock: HomeLock | None = None
    embedder: Embedder | None = None
    """The embedder to close with the store (None: the caller's, or none at all)."""
    key_checks: KeyCache = field(init=False)
    key_watch: KeyWatch = field(init=False)
    live: Live = field(init=False)
    replicas: Replicas = field(default_factory=Replicas, init=False)
    watchdog: Watchdog | None = field(default=None, init=False)
    keyword_upkeep: KeywordUpkeep | None = field(default=None, init=False)
    population: Population | None = field(default=None, init=False)
    supervisor: Supervisor | None = field(default=None, init=False)
    adopted: list[Periodic] = field(default_factory=list, init=False)
    _prewarm: asyncio.Task[None] | None = field(default=None, init=False)
    _closed: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.key_checks = KeyCache(self.settings.auth.recheck_s)
        self.key_watch = KeyWatch(self.db, self.key_checks, self.settings.auth.recheck_s)
        self.live = Live(self.db, self.settings)

    @classmethod
    async def open(
        cls, settings: Settings, *, serve: bool, embedder: Embedder | None = None
    ) -> Runtime:
        """Start (or attach to) the database and open the pool; no service runs yet.

        With ``serve``, this process must own ``KGMEM_HOME`` (``HomeLocked`` otherwise).
        ``embedder`` is closed with the runtime."""
        lock, embedded = start_database(settings, serve=serve)
        try:
            url = embedded.url if embedded else database_url(settings)
            db = await open_database(url, settings.database)
        except BaseException:
            stop_database(embedded, lock)
            raise
        return cls(settings, db, url, embedded, lock, embedder)

    async def start(self, *, serve: bool) -> None:
        """Start the replicas' pools and the background services, in the module
        docstring's order. On failure, what started stays for ``close()`` to stop."""
        settings = self.settings
        if settings.replica.urls:
            self.replicas = await open_replicas(self.db, settings.replica, settings.database)
        await self.live.start()
        await self.key_watch.start()
        self.watchdog = statement_watchdog.from_settings(
            self.url,
            settings.database,
            cypher_timeout_ms=settings.cypher.statement_timeout_ms,
            local=self.owns_database,
        )
        if self.watchdog is not None:
            self.watchdog.start()
        if serve:
            await self._start_serving()

    async def _start_serving(self) -> None:
        """What only a serving process runs: index upkeep, prewarm, supervision."""
        planner.default().warm()
        db = self.db
        self.keyword_upkeep = KeywordUpkeep(
            self.url,
            self.settings.database.keyword_upkeep_interval_s,
            restarts=lambda: db.state.restarts,
        )
        await self.keyword_upkeep.open()
        self.keyword_upkeep.start()
        self.population = Population(db, lambda: population_connection(self.url))
        self.population.start()
        if self.settings.database.prewarm:
            # One-shot, while the server starts serving; close() cancels it if unfinished.
            self._prewarm = asyncio.create_task(prewarm_indexes(db), name="kgmem-prewarm")
        if self.embedded is not None and self.owns_database:
            self.supervisor = Supervisor(
                db, self.embedded, attempts=self.settings.database.restart_attempts
            )
            self.supervisor.start()

    def adopt(self, service: Periodic) -> None:
        """Start ``service`` and run it with the others until ``close()``."""
        self.adopted.append(service)
        service.start()

    @property
    def owns_database(self) -> bool:
        """Whether this process started the embedded PostgreSQL and may restart it."""
        return self.embedded is not None and self.embedded.owner

    def services(self) -> list[Periodic]:
        """Every background service of this process, each once, in start order."""
        found = [*self.live.services(), self.key_watch.service]
        for owner in (self.watchdog, self.keyword_upkeep, self.population, self.supervisor):
            if owner is not None:
                found.append(owner.service)
        found.extend(self.adopted)
        return list({id(s): s for s in found}.values())

    async def close(self, *, hard: threading.Event | None = None) -> None:
        """Stop the services in reverse order, close the pools and the embedder, stop
        the embedded server. The pool gets ten seconds for connections in use to come
        back, the embedded server ``KGMEM_DATABASE_STOP_TIMEOUT_S``; ``hard`` (set, or
        set meanwhile) skips or cuts short both. Closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._stop_services()
            await self.replicas.close()
            if await self.db.close(hard=hard is not None and hard.is_set()):
                _log.info("shutdown: connection pool closed")
            else:
                _log.warning("shutdown: connection pool closed, connections in use dropped")
            if self.embedder is not None:
                await self.embedder.close()
        finally:
            timeout_s = self.settings.database.stop_timeout_s
            await asyncio.to_thread(stop_database, self.embedded, self.lock, timeout_s, hard)

    async def _stop_services(self) -> None:
        for service in reversed(self.adopted):
            await service.stop()
        if self.supervisor is not None:
            await self.supervisor.close()
        await self._stop_prewarm()
        if self.population is not None:
            await self.population.stop()
        if self.keyword_upkeep is not None:
            await self.keyword_upkeep.stop(clean=self.db.state.status == "up")
        if self.watchdog is not None:
            await self.watchdog.stop()
        await self.key_watch.close()
        await self.live.close()

    async def _stop_prewarm(self) -> None:
        if self._prewarm is None:
            return
        self._prewarm.cancel()
        # asyncio.wait does not raise the task's own outcome, so a cancellation of
        # close() itself still propagates while the prewarm's expected one does not.
        await asyncio.wait([self._prewarm])
        if not self._prewarm.cancelled() and (error := self._prewarm.exception()):
            _log.warning("prewarm of the vector indexes failed: %s", error)


async def prewarm_indexes(db: Database) -> None:
    """Read every namespace's HNSW indexes into the database's buffers. Failures are
    logged: a cold index is slower, not wrong."""
    try:
        await prewarm.prewarm(db.pool)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        _log.warning("prewarming the vector indexes failed: %s", exc)
