"""The service's connection pool to PostgreSQL with AGE and pgvector.

Every pooled connection has AGE loaded, ``ag_catalog`` on its search path (set as a
startup parameter, so the pool's ``RESET ALL`` keeps it), and codecs for ``graphid``
(int), ``agtype`` (text) and ``vector``. All access goes through ``acquire()`` or
``transaction()``, which translate driver errors into kgmem errors, discard a
connection whose link failed (the pool opens a new one on a later acquire), and refuse
at once while ``state`` says the database is not up.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal, TypeAlias, TypeVar

import asyncpg
from pgvector.asyncpg import register_vector

from kgmem.errors import (
    DatabaseBusy,
    DatabaseUnavailable,
    MissingExtension,
    StorageError,
    WriteConflict,
)
from kgmem.failover_errors import RETRY_AFTER_S, CommitOutcomeUnknown
from kgmem.settings.database_settings import DatabaseSettings
from kgmem.storage.engine import backends, conninfo, migrate
from kgmem.storage.engine.driver_errors import (
    UNAVAILABLE,
    breaks_link,
    demoted,
    read_only_server,
    server_lost,
    translated,
)
from kgmem.storage.engine.failover import Failovers, quiet_pool_log
from kgmem.storage.graph.labels import LabelCatalog
from kgmem.storage.graph.namespace_cache import NamespaceCache
from kgmem.storage.indexes.embeddings import PGVECTOR_HNSW

Connection: TypeAlias = asyncpg.Connection

APPLICATION = "kgmem"
"""The application_name of the pool's connections (what the watchdog watches)."""

REQUIRED_EXTENSIONS = {
    "age": "Apache AGE is not installed on this server. Install AGE 1.5 or newer "
    "(https://age.apache.org/getstarted/quickstart, or the apache/age image that "
    "docker/postgres/Dockerfile builds on), then restart PostgreSQL.",
    "vector": "pgvector is not installed on this server. Install it (Debian/Ubuntu: "
    "apt install postgresql-<version>-pgvector; or build from "
    "https://github.com/pgvector/pgvector), then restart PostgreSQL.",
}


_log = logging.getLogger("kgmem.storage")

T = TypeVar("T")

# Deadlock detected and serialization failure: the transaction was undone whole and may
# simply run again.
RETRYABLE = frozenset({"40P01", "40001"})
WRITE_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class DatabaseState:
    """Whether the service may use the database. ``restarting``: the embedded server
    died and is being started again (``attempt`` counts the tries of this outage);
    ``down``: it gave up. ``restarts`` counts the outages it recovered from."""

    status: Literal["up", "restarting", "down"] = "up"
    attempt: int = 0
    restarts: int = 0
    error: str | None = None

    def refusal(self) -> DatabaseUnavailable:
        """The error a request gets while the database is not up."""
        what = (
            f"the embedded PostgreSQL is restarting (attempt {self.attempt})"
            if self.status == "restarting"
            else "the embedded PostgreSQL is down and was not restarted"
        )
        return DatabaseUnavailable(
            f"database unavailable: {what}; try again shortly", retry_after_s=RETRY_AFTER_S
        )


class _Connection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection released without asyncpg's reset round trip.

    kgmem leaves no session state behind (no SET, LISTEN, cursors or session-level
    advisory locks; the search path and timeouts are startup parameters), so the reset
    query asyncpg runs on every release only costs a round trip.
    """

    began_as_standby = False
    """Whether the server was a standby when this connection was opened."""

    def get_reset_query(self) -> str:
        return ""


@dataclass
class Database:
    """A pool plus what the store knows about the server it talks to."""

    pool: asyncpg.Pool
    server_version: str
    extensions: dict[str, str]
    labels: LabelCatalog = field(default_factory=LabelCatalog)
    url: str = field(default="", repr=False)
    """Where the pool connects, for the few connections that must stay outside it."""
    ef_search: int = 100
    """hnsw.ef_search of every pooled connection (a startup parameter)."""
    keyword_candidates: int = 1000
    """Most rows a keyword search scores per kind (``keyword_search``)."""
    namespaces: NamespaceCache = field(default_factory=NamespaceCache)
    """Namespaces the search path found (``kgmem.storage.graph.namespace_cache``)."""
    search_connections: int = 2
    """Most pooled connections searches use at once (``searching``)."""
    shared_connections: int = 10
    """Most pooled connections analysts' Cypher holds at once (``sharing``)."""
    share_wait_s: float = 10.0
    """How long ``sharing`` waits for a place before refusing."""
    hnsw_build: tuple[int, int] = PGVECTOR_HNSW
    """(m, ef_construction) of the HNSW indexes of namespaces created from now on."""
    state: DatabaseState = field(default_factory=DatabaseState)
    """Set by the supervisor of an embedded server; stays ``up`` otherwise."""
    connections: weakref.WeakSet[Connection] = field(default_factory=weakref.WeakSet, repr=False)
    """Every connection the pool opened (closed ones included until collected)."""
    failovers: Failovers = field(default_factory=Failovers)
    """The server the pool reaches, failovers seen, requests refused (``failover``)."""
    _gates: dict[str, asyncio.Semaphore] = field(default_factory=dict, init=False, repr=False)
    _taking: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Connection]:
        """A pooled connection, outside any explicit transaction. A connection whose link
        failed is discarded; one that found its server gone or read-only also expires
        the pool's others (``failed``)."""
        with self.refusals():
            if self.state.status != "up":
                raise self.state.refusal()
            with translated():
                async with self.pool.acquire() as conn:
                    try:
                        yield conn
                    except BaseException as exc:
                        await self.failed(conn, exc)
                        raise
                    self._drop_if_promoted(conn)

    @contextlib.contextmanager
    def refusals(self) -> Iterator[None]:
        """Count each request the block refuses because the database is unavailable."""
        try:
            yield
        except DatabaseUnavailable as exc:
            if not isinstance(exc, DatabaseBusy):
                self.failovers.refused_one(exc.code)
            raise

    async def failed(self, conn: Connection, exc: BaseException) -> None:
        """``conn`` met ``exc``: discard it when its link is unusable, and when the
        server itself went away or turned read-only (a failover), expire every pooled
        connection, so that the next acquires look the primary up again."""
        if breaks_link(exc):
            _discard(conn)
        if server_lost(exc) and not (self.failovers.standby and demoted(exc)):
            self.failovers.lost(exc)
            await self.pool.expire_connections()  # no wait inside: safe while cancelled

    def _drop_if_promoted(self, conn: Connection) -> None:
        """On a replica pool, discard ``conn`` once its standby has been promoted (the
        server reports it on the next answer): reads kept on it would load the new
        primary, and would fail with it when it goes, while a standby could serve them."""
        standby = self.failovers.standby and getattr(conn, "began_as_standby", False)
        if standby and not read_only_server(conn):
            _discard(conn)

    @asynccontextmanager
    async def searching(self) -> AsyncIterator[Connection]:
        """A pooled connection for a search, once fewer than ``search_connections`` are
        in use by searches (first come first served): search statements are CPU-bound,
        and more at once than the cores only make PostgreSQL switch between backends.
        Whoever holds one must not wait for another (that could wait forever)."""
        async with self.limited("search", self.search_connections), self.acquire() as conn:
            yield conn

    @asynccontextmanager
    async def sharing(self, *, places: int = 1, patient: bool = False) -> AsyncIterator[None]:
        """A place among the ``shared_connections`` that analysts' Cypher (a query, an
        explicit transaction held across a client's messages) and import jobs may hold
        at once, so that the rest of the pool stays free for health checks, writes and
        administration. Waits up to ``share_wait_s`` for one, then raises
        ``DatabaseBusy``; ``patient`` work (a background import) waits as long as it
        takes instead. ``places``: as many places as the holder uses connections at once
        (at most all of them). Take it before the connection, and never while holding
        another place."""
        wanted = max(1, min(places, self.shared_connections))
        wait_s = None if patient else self.share_wait_s
        async with contextlib.AsyncExitStack() as held:
            # One taker of several places at a time: two that each held part of what the
            # other waits for would wait forever.
            async with self._taking if wanted > 1 else contextlib.nullcontext():
                for _ in range(wanted):
                    place = self.limited("shared", self.shared_connections, wait_s=wait_s)
                    await held.enter_async_context(place)
            yield

    @asynccontextmanager
    async def limited(
        self, kind: str, at_once: int, *, wait_s: float | None = None
    ) -> AsyncIterator[None]:
        """At most ``at_once`` holders of ``kind`` in this process (the rest wait in
        line), for work that may each take much of the server (analysts' queries); past
        ``wait_s`` in line (when given), ``DatabaseBusy``."""
        gate = self._gates.setdefault(kind, asyncio.Semaphore(at_once))
        try:
            async with asyncio.timeout(wait_s):
                await gate.acquire()
        except TimeoutError:
            raise DatabaseBusy(
                f"all {at_once} places for {kind} database work are in use (open "
                "transactions, long queries); try again shortly",
                retry_after_s=1,
            ) from None
        try:
            yield
        finally:
            gate.release()

    @asynccontextmanager
    async def transaction(
        self, *, readonly: bool = False, fresh_after_errors: bool = False
    ) -> AsyncIterator[Connection]:
        """A pooled connection inside one transaction: committed on success, else undone.

        A transaction ended by cancellation, or whose link failed, is undone by closing
        its connection (PostgreSQL aborts it; the pool opens a fresh one): a ROLLBACK
        sent then could wait behind the statement being cancelled. With
        ``fresh_after_errors`` (Cypher's transactions) every undone transaction closes
        its connection so: AGE keeps state of a variable-length match in the prepared
        statement the connection caches, which an undone transaction frees, and the next
        run of that statement crashed the server (PostgreSQL restarted every backend)."""
        with self.refusals():
            if self.state.status != "up":
                raise self.state.refusal()
            with translated():
                conn, tx = await self._begun(readonly=readonly)
                try:
                    try:
                        yield conn
                    except BaseException as exc:
                        undone = isinstance(exc, Exception) and not breaks_link(exc)
                        if undone and fresh_after_errors:
                            _discard(conn)
                        elif undone:
                            await _rollback(conn, tx)
                        else:
                            await self.failed(conn, exc)
                        raise
                    await self._commit(conn, tx, readonly=readonly)
                    self._drop_if_promoted(conn)
                finally:
                    await self.pool.release(conn)

    async def _begun(self, *, readonly: bool) -> tuple[Connection, asyncpg.transaction.Transaction]:
        """A pooled connection with a transaction begun. A connection whose link broke
        while it sat in the pool (a server shutting down sends its idle sessions an error
        just before it closes them) fails at BEGIN, before anything of the caller was
        sent: it is discarded and the transaction begun once more on another."""
        for attempt in (1, 2):
            conn = await self.pool.acquire()
            tx = conn.transaction(readonly=readonly)
            try:
                await tx.start()
            except BaseException as exc:
                await self.failed(conn, exc)
                await self.pool.release(conn)
                if attempt == 2 or not isinstance(exc, Exception) or not breaks_link(exc):
                    raise
                continue
            return conn, tx
        raise AssertionError("unreachable")

    async def _commit(
        self, conn: Connection, tx: asyncpg.transaction.Transaction, *, readonly: bool
    ) -> None:
        """COMMIT ``tx``. A link lost meanwhile leaves a write's fate unknown: it is not
        acknowledged (``CommitOutcomeUnknown``) and the connection is discarded."""
        try:
            await tx.commit()
        except BaseException as exc:
            await self.failed(conn, exc)
            if readonly or isinstance(exc, asyncio.CancelledError) or not breaks_link(exc):
                raise
            _log.warning("the link to the database was lost while committing: %r", exc)
            raise CommitOutcomeUnknown(
                "the link to the database was lost while the write committed, so whether "
                "it was stored is unknown (a failover?); it is not acknowledged. Read it "
                "back, or send it again: a write keyed by its uid is not stored twice"
            ) from exc

    async def in_transaction(
        self,
        work: Callable[[Connection], Awaitable[T]],
        *,
        attempts: int = WRITE_ATTEMPTS,
        fresh_after_errors: bool = False,
    ) -> T:
        """``work`` run in ``transaction()`` (with ``fresh_after_errors`` as given). When
        PostgreSQL undoes it for a deadlock with concurrent writers (or a serialization
        failure, or a concurrent creation of the same new label:
        ``driver_errors.label_race``), it runs again, after a short random pause, up to
        ``attempts`` times in all; then ``WriteConflict``. ``work`` must therefore be
        repeatable: it may run more than once, and only its last run's transaction is
        committed."""
        for attempt in range(1, attempts + 1):
            try:
                async with self.transaction(fresh_after_errors=fresh_after_errors) as conn:
                    return await work(conn)
            except (StorageError, WriteConflict) as exc:
                if not _retryable(exc):
                    raise
                if attempt == attempts:
                    raise WriteConflict(
                        f"the write conflicted with concurrent writes {attempts} times "
                        f"({exc.extra.get('sqlstate')}: deadlock, serialization failure or "
                        "a label created at the same moment) "
                        "and was undone each time; nothing was written, send it again",
                        attempts=attempts,
                    ) from exc
                _log.info(
                    "transaction undone (%s), running it again (attempt %d of %d)",
                    exc.extra.get("sqlstate"),
                    attempt + 1,
                    attempts,
                )
                # Jitter, not secrecy: the writers that deadlocked should not meet again.
                await asyncio.sleep(random.uniform(0.0, 0.005 * 2**attempt))  # noqa: S311
        raise AssertionError("unreachable")

    async def ping(self) -> bool:
        """True when a trivial query succeeds within two seconds."""
        try:
            async with asyncio.timeout(2):
                async with self.acquire() as conn:
                    return bool(await conn.fetchval("SELECT true"))
        except Exception:
            return False

    async def answers(self) -> bool:
        """True when a new connection (outside the pool, whatever ``state`` says)
        answers a trivial query within two seconds."""
        try:
            async with asyncio.timeout(2):
                conn = await asyncpg.connect(self.url, timeout=2)
                try:
                    return bool(await conn.fetchval("SELECT true"))
                finally:
                    conn.terminate()
        except (asyncpg.PostgresError, *UNAVAILABLE):
            return False

    async def cancel_statements(self) -> int:
        """pg_cancel_backend for this pool's connections that are busy; how many."""
        return await self._signal("cancel")

    async def terminate_backends(self) -> int:
        """pg_terminate_backend for this pool's connections that are busy; how many."""
        return await self._signal("terminate")

    async def _signal(self, action: backends.Action) -> int:
        pids = [c.get_server_pid() for c in list(self.connections) if not c.is_closed()]
        if not pids:
            return 0
        # Outside the pool: every pooled connection may be the one stuck.
        with translated():
            conn = await asyncpg.connect(
                self.url, timeout=2, server_settings={"application_name": "kgmem-shutdown"}
            )
            try:
                return await backends.signal(conn, pids, action)
            finally:
                conn.terminate()

    def pool_use(self) -> dict[str, tuple[int, int]]:
        """(open, in use) connections of each pool of this process, by pool name."""
        opened = self.pool.get_size()
        return {"primary": (opened, opened - self.pool.get_idle_size())}

    async def close(self, *, timeout_s: float = 10.0, hard: bool = False) -> bool:
        """Close every pooled connection, waiting up to ``timeout_s`` for those in use to
        come back; then (or at once when ``hard``) drop them. True when all came back."""
        if not hard:
            try:
                with translated():
                    async with asyncio.timeout(timeout_s):
                        await self.pool.close()
                return True
            except DatabaseUnavailable as exc:
                _log.warning("closing the pool failed (%s); dropping its connections", exc)
        self.pool.terminate()
        return False


async def open_database(
    url: str, settings: DatabaseSettings, *, migrate_first: bool = True
) -> Database:
    """Check extensions, run migrations, and open the service pool for ``url``.

    Raises ``MissingExtension`` naming what the server lacks and how to install it,
    ``DatabaseUnavailable`` when it cannot be reached.
    """
    with translated():
        conn = await asyncpg.connect(url, timeout=settings.connect_timeout_s)
        try:
            version = await conn.fetchval("SHOW server_version")
            await _check_extensions(conn, url)
        finally:
            await conn.close()
    if migrate_first:
        await asyncio.to_thread(migrate.upgrade, url)
    failovers = Failovers(hosts=tuple(conninfo.display(url).split(",")))
    pool, connections = await open_pool(url, settings, failovers)
    with translated():
        async with pool.acquire() as conn:
            rows = await conn.fetch("SELECT extname, extversion FROM pg_extension")
    extensions = {name: version for name, version in rows if name != "plpgsql"}
    return Database(
        pool=pool,
        server_version=str(version),
        extensions=extensions,
        url=url,
        connections=connections,
        failovers=failovers,
        ef_search=settings.hnsw_ef_search,
        keyword_candidates=settings.keyword_candidates,
        search_connections=settings.search_connections,
        shared_connections=max(1, settings.pool_max_size - settings.pool_reserve),
        share_wait_s=settings.connect_timeout_s,
        hnsw_build=(settings.hnsw_m, settings.hnsw_ef_construction),
    )


async def open_pool(
    url: str, settings: DatabaseSettings, failovers: Failovers | None = None
) -> tuple[asyncpg.Pool, weakref.WeakSet[Connection]]:
    """The service pool for ``url`` (every connection set up as the module says), and
    the set of connections it opens; ``failovers`` notes the server each new one reaches."""
    connections: weakref.WeakSet[Connection] = weakref.WeakSet()
    quiet_pool_log()
    with translated():
        pool = await asyncpg.create_pool(
            url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            timeout=settings.connect_timeout_s,
            init=functools.partial(_init_connection, connections, failovers),
            connection_class=_Connection,
            server_settings={
                "search_path": 'ag_catalog, "$user", public',
                "statement_timeout": str(settings.statement_timeout_ms),
                # The backstop for a transaction its holder forgot (kgmem's own, a Bolt
                # client's): PostgreSQL ends the session and the pool replaces it.
                "idle_in_transaction_session_timeout": str(settings.idle_in_transaction_timeout_ms),
                "application_name": APPLICATION,
                "jit": "off",
                # Parallel workers only slow the short statements a server like this
                # sends: launching two (each loading AGE) costs more CPU and time than
                # the few milliseconds of work they would share.
                "max_parallel_workers_per_gather": "0",
                # Startup parameters, so a vector search needs no SET round trip.
                "hnsw.ef_search": str(settings.hnsw_ef_search),
                "hnsw.iterative_scan": "relaxed_order",
            },
        )
    return pool, connections


async def _check_extensions(conn: Connection, url: str) -> None:
    available = {
        name
        for (name,) in await conn.fetch(
            "SELECT name FROM pg_available_extensions WHERE name = ANY($1::text[])",
            list(REQUIRED_EXTENSIONS),
        )
    }
    host = conninfo.display(url)
    for name, how in REQUIRED_EXTENSIONS.items():
        if name not in available:
            raise MissingExtension(
                f"the PostgreSQL server at {host} lacks the '{name}' extension. {how}",
                extension=name,
            )


def _discard(conn: Connection) -> None:
    """Close ``conn`` at once, so that the pool replaces it. A connection whose link
    was lost may already be detached from its pool proxy; then there is nothing to do."""
    with contextlib.suppress(asyncpg.InterfaceError):
        conn.terminate()


async def _rollback(conn: Connection, tx: asyncpg.transaction.Transaction) -> None:
    """ROLLBACK ``tx``; if even that fails, close ``conn`` (PostgreSQL aborts it)."""
    try:
        await tx.rollback()
    except Exception:
        _discard(conn)


async def _init_connection(
    connections: weakref.WeakSet[Connection], failovers: Failovers | None, conn: Connection
) -> None:
    connections.add(conn)
    conn.began_as_standby = read_only_server(conn)
    if failovers is not None:
        failovers.connected(conn)
    # A non-superuser cannot LOAD; AGE must then come from session_preload_libraries.
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
        await conn.execute("LOAD 'age'")
    # AGE's graphid goes over the wire as an int8 (graphid_send/recv): asyncpg's own C
    # int8 codec decodes it, without a Python call per value (~750 in a fused search).
    await conn.set_builtin_type_codec(
        "graphid", schema="ag_catalog", codec_name="int8", format="binary"
    )
    await conn.set_type_codec(
        "agtype", schema="ag_catalog", encoder=str, decoder=str, format="text"
    )
    await register_vector(conn)


def _retryable(exc: StorageError | WriteConflict) -> bool:
    """Whether a transaction undone by ``exc`` may simply run again."""
    if exc.extra.get("label_race"):
        return True
    return exc.extra.get("sqlstate") in RETRYABLE
