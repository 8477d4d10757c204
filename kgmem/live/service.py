"""``Live``: the cache and the change events of one kgmem process.

With KGMEM_REDIS_URL, both live in Redis, shared by every process of the store;
without, the cache is in this process and events go through PostgreSQL (a bounded
table and LISTEN/NOTIFY). When a configured Redis stops answering, reads are served
uncached (no process can tell which entries a write made stale while it cannot bump
Redis) and events go to PostgreSQL. A background service, ``redis-probe`` in /health
``services`` (``kgmem.process.periodic``), looks every KGMEM_REDIS_RETRY_S: while
Redis is answering it does nothing (reconnecting would cut open event streams, bumping
the epoch would empty the cache); after a failure it reconnects and, once Redis answers,
bumps its epoch (so nothing cached before the outage is served) and switches back. It
retries at that steady pace rather than backing off: the setting is the promise of how
soon kgmem uses Redis again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import orjson

from kgmem.errors import KgmemError, RedisUnavailable
from kgmem.live.events import Backend, Event, Reset
from kgmem.live.health import LiveHealth, RedisStatus
from kgmem.live.local_cache import LocalCache
from kgmem.live.reader import StreamReader
from kgmem.live.stream_counts import Metrics
from kgmem.process.periodic import Periodic
from kgmem.settings.config import Settings
from kgmem.storage import Database
from kgmem.storage import events as pg_events

_log = logging.getLogger("kgmem.live")

CacheStatus = Literal["hit", "miss", "bypass"]

Change = tuple[str, Sequence[str], dict[str, Any]]
"""One committed write for ``Live.changed_many``: event type, ids, extra detail."""

if TYPE_CHECKING:
    from kgmem.storage.redis_live import RedisLink


def _link(settings: Settings) -> RedisLink | None:
    """The link to the configured Redis, or None without one (the Redis client is
    imported only then: a store without Redis never loads it)."""
    url = settings.redis.url
    if url is None:
        return None
    from kgmem.storage.redis_live import RedisLink

    return RedisLink(
        url.get_secret_value(), prefix=settings.redis.prefix, timeout_s=settings.redis.timeout_s
    )


class Live:
    """Cache lookups, write notifications and event streams for one store."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self.cache_settings = settings.cache
        self.event_settings = settings.events
        self._redis_settings = settings.redis
        self.metrics = Metrics()
        self._local = LocalCache(
            max_entries=settings.cache.max_entries,
            max_bytes=settings.cache.max_bytes,
            ttl_s=settings.cache.ttl_seconds,
            on_evict=lambda n: self.metrics.inc("kgmem_cache_evictions_total", n),
        )
        self.link = _link(settings)
        self._redis_up = self.link is not None
        self._down_since: datetime | None = None
        self._last_error: str | None = None
        self._redis_version: str | None = None
        self._dirty: set[str] = set()
        self.probe = (
            Periodic(
                "redis-probe",
                settings.redis.retry_s,
                self._reconnect,
                max_backoff_s=settings.redis.retry_s,
                failure_level=logging.DEBUG,  # the outage is logged once, by _redis_failed
                expected=(RedisUnavailable,),
            )
            if self.link is not None
            else None
        )
        """Brings Redis back after an outage (a background service; see the module
        docstring); None without Redis."""
        self._wakeups: dict[str, set[asyncio.Event]] = {}
        # Names this instance's notifications: the echo of its own write must not drop
        # what it cached after the write (it bumped its version when the write returned).
        self._origin = uuid.uuid4().hex[:12]
        self.listener = pg_events.Listener(
            db, self._on_pg_event, self._on_pg_gap, origin=self._origin
        )

    async def start(self) -> None:
        """Listen for PostgreSQL events and check Redis (a Redis that is down is not an
        error: kgmem starts on the fallback and keeps probing)."""
        await self.listener.start()
        if self.link is not None:
            try:
                self._redis_version = await self.link.ping()
            except RedisUnavailable as exc:
                self._redis_failed(exc)
        if self.probe is not None:
            self.probe.start()

    def services(self) -> list[Periodic]:
        """The background services this object runs (the LISTEN connection's, shared with
        the process's other listeners, and the Redis probe when Redis is configured)."""
        return [self.listener.service] + ([self.probe] if self.probe is not None else [])

    async def close(self) -> None:
        """Stop probing and listening, close the Redis pool. Closing twice is harmless."""
        if self.probe is not None:
            await self.probe.stop()
        await self.listener.stop()
        if self.link is not None:
            with contextlib.suppress(RedisUnavailable):
                await self.link.close()

    # -- which backend ------------------------------------------------------------

    @property
    def link_timeout_s(self) -> float:
        """Seconds one Redis call may take."""
        return self._redis_settings.timeout_s

    @property
    def redis_up(self) -> bool:
        """Whether Redis is configured and was answering at the last call."""
        return self.link is not None and self._redis_up

    @property
    def event_backend(self) -> Backend:
        """Where events go now."""
        return "redis" if self.redis_up else "postgres"

    def health(self) -> LiveHealth:
        """The backends in use and Redis' state."""
        if self.link is None:
            redis = RedisStatus("unused", None, None, None)
        else:
            state: Literal["ok", "down"] = "ok" if self._redis_up else "down"
            redis = RedisStatus(state, self._down_since, self._last_error, self._redis_version)
        warnings: tuple[str, ...] = ()
        if redis.status == "down":
            warnings = (
                f"Redis is down since {self._down_since:%Y-%m-%dT%H:%M:%SZ} "
                f"({self._last_error}): reads are served uncached and events go through "
                "PostgreSQL until it answers again",
            )
        cache: Literal["redis", "memory", "none"] = "none"
        if self.cache_settings.enabled:
            cache = "memory" if self.link is None else ("redis" if self._redis_up else "none")
        events: Literal["redis", "postgres", "none"] = (
            self.event_backend if self.event_settings.enabled else "none"
        )
        return LiveHealth(cache=cache, events=events, redis=redis, warnings=warnings)

    def gauges(self) -> dict[str, float]:
        """Point-in-time values for /metrics."""
        return {
            "kgmem_cache_entries": float(len(self._local)),
            "kgmem_cache_bytes": float(self._local.size_bytes),
            "kgmem_redis_up": 1.0 if self.redis_up else 0.0,
        }

    def _redis_failed(self, exc: RedisUnavailable) -> None:
        self.metrics.inc("kgmem_redis_errors_total")
        self._last_error = exc.detail
        if not self._redis_up:
            return
        self._redis_up = False
        self._down_since = datetime.now(UTC)
        self.metrics.inc("kgmem_redis_fallbacks_total")
        _log.warning(
            "Redis unavailable (%s): serving reads uncached and events through PostgreSQL; "
            "retrying every %.1f s",
            exc.detail,
            self._redis_settings.retry_s,
        )

    async def _reconnect(self, _: object) -> None:
        """One step of the probe: nothing while Redis is up; else reconnect, and once
        Redis answers, invalidate what was cached before and use it again."""
        if self.link is None or self._redis_up:
            return
        try:
            await self.link.reconnect()
            self._redis_version = await self.link.ping()
            await self.link.bump_epoch()
        except RedisUnavailable as exc:
            self._last_error = exc.detail
            raise
        since = self._down_since or datetime.now(UTC)
        self._redis_up = True
        self._down_since = None
        self.metrics.inc("kgmem_redis_recoveries_total")
        _log.warning(
            "Redis is back after %.1f s: cache and events use it again (entries cached "
            "before the outage are invalidated)",
            (datetime.now(UTC) - since).total_seconds(),
        )

    # -- cache ----------------------------------------------------------------------

    async def cached(
        self,
        namespace: str,
        key: Sequence[object],
        compute: Callable[[], Awaitable[bytes]],
        *,
        bypass: bool = False,
    ) -> tuple[bytes, CacheStatus]:
        """The response for ``key`` (kind first, then whatever the response depends on)
        from the cache, or ``compute()``d and stored. The namespace version is read
        before computing, so a write committed meanwhile makes the stored entry a miss."""
        kind = str(key[0])
        digest = hashlib.sha256(orjson.dumps(list(key), default=str)).hexdigest()[:40]
        if bypass or not self.cache_settings.enabled or (self.link and not self._redis_up):
            return await self._count(kind, "bypass", await compute())
        if self.link is None:
            token, body = self._local.get(namespace, digest)
            if body is not None:
                return await self._count(kind, "hit", body)
            body = await compute()
            if len(body) <= self.cache_settings.max_entry_bytes:
                self._local.set(namespace, digest, token, body)
            return await self._count(kind, "miss", body)
        return await self._cached_in_redis(namespace, kind, digest, compute)

    async def _cached_in_redis(
        self, namespace: str, kind: str, digest: str, compute: Callable[[], Awaitable[bytes]]
    ) -> tuple[bytes, CacheStatus]:
        assert self.link is not None
        try:
            token, body = await self.link.cache_get(namespace, digest)
        except RedisUnavailable as exc:
            self._redis_failed(exc)
            return await self._count(kind, "bypass", await compute())
        if body is not None:
            return await self._count(kind, "hit", body)
        body = await compute()
        if len(body) <= self.cache_settings.max_entry_bytes:
            try:
                await self.link.cache_set(
                    namespace, digest, token, body, self.cache_settings.ttl_seconds
                )
            except RedisUnavailable as exc:
                self._redis_failed(exc)
        return await self._count(kind, "miss", body)

    async def _count(
        self, kind: str, result: CacheStatus, body: bytes
    ) -> tuple[bytes, CacheStatus]:
        self.metrics.inc("kgmem_cache_requests_total", kind=kind, result=result)
        return body, result

    # -- writes ---------------------------------------------------------------------

    async def changed(
        self, namespace: str, kind: str, ids: Sequence[str] = (), **detail: Any
    ) -> None:
        """A write to ``namespace`` committed: invalidate its cache entries and publish
        ``kind`` (one event per KGMEM_EVENTS_MAX_IDS ids). Never raises: the write is
        already committed, so a failure here is logged and counted, not reported."""
        self._local.bump(namespace)
        now = datetime.now(UTC).isoformat()
        for body in self._bodies(namespace, kind, ids, detail, now):
            await self._publish(namespace, kind, body)

    def _bodies(
        self, namespace: str, kind: str, ids: Sequence[str], detail: dict[str, Any], now: str
    ) -> list[str]:
        """The JSON bodies of one write's events: one per KGMEM_EVENTS_MAX_IDS ids."""
        step = self.event_settings.max_ids
        chunks = [list(ids[i : i + step]) for i in range(0, len(ids), step)] or [[]]
        return [
            orjson.dumps(
                {"namespace": namespace, "type": kind, "ids": chunk, "time": now, **detail}
            ).decode()
            for chunk in chunks
        ]

    async def changed_many(self, namespace: str, changes: Sequence[Change]) -> None:
        """Several writes to ``namespace`` committed together (a batch of episode
        requests): as ``changed`` for each (kind, ids, detail) in order, with one cache
        bump and, on PostgreSQL, every event in one round trip. Never raises."""
        if not changes:
            return
        if self.link is not None or len(changes) == 1:
            for kind, ids, detail in changes:
                await self.changed(namespace, kind, ids, **detail)
            return
        self._local.bump(namespace)
        if not self.event_settings.enabled:
            return
        now = datetime.now(UTC).isoformat()
        events = [
            (kind, body)
            for kind, ids, detail in changes
            for body in self._bodies(namespace, kind, ids, detail, now)
        ]
        try:
            await pg_events.publish_many(
                self._db, namespace, events, self.event_settings.retention, self._origin
            )
        except KgmemError as exc:
            self.metrics.inc("kgmem_event_publish_failures_total")
            _log.error("%d events for namespace %s lost: %s", len(events), namespace, exc.detail)
            return
        self.metrics.inc("kgmem_events_published_total", len(events), backend="postgres")

    async def _publish(self, namespace: str, kind: str, body: str) -> None:
        enabled = self.event_settings.enabled
        if self.link is not None and self._redis_up:
            try:
                await self.link.publish(
                    namespace,
                    kind if enabled else None,
                    body,
                    retention=self.event_settings.retention,
                    new_floor=namespace in self._dirty,
                )
                self._dirty.discard(namespace)
                if enabled:
                    self.metrics.inc("kgmem_events_published_total", backend="redis")
                return
            except RedisUnavailable as exc:
                self._redis_failed(exc)
        if not enabled:
            return
        try:
            await pg_events.publish(
                self._db, namespace, kind, body, self.event_settings.retention, self._origin
            )
        except KgmemError as exc:
            self.metrics.inc("kgmem_event_publish_failures_total")
            _log.error("event %s for namespace %s lost: %s", kind, namespace, exc.detail)
            return
        self.metrics.inc("kgmem_events_published_total", backend="postgres")
        if self.link is not None:
            self._dirty.add(namespace)

    # -- event streams ----------------------------------------------------------------

    @property
    def origin(self) -> str:
        """This instance's name in the notifications it sends."""
        return self._origin

    def _on_pg_event(self, namespace: str, _seq: int, own: bool) -> None:
        # Another process's write: drop this process's entries of the namespace (our own
        # writes bumped the version already, before their response).
        if not own:
            self._local.bump(namespace)
        for wakeup in self._wakeups.get(namespace, ()):
            wakeup.set()

    def _on_pg_gap(self) -> None:
        # Notifications were lost while the LISTEN connection was down.
        self._local.bump_all()
        for waiting in self._wakeups.values():
            for wakeup in waiting:
                wakeup.set()

    def waiter(self, namespace: str) -> asyncio.Event:
        """An asyncio.Event set whenever PostgreSQL notifies an event of ``namespace``."""
        wakeup = asyncio.Event()
        self._wakeups.setdefault(namespace, set()).add(wakeup)
        return wakeup

    def forget_waiter(self, namespace: str, wakeup: asyncio.Event) -> None:
        """Stop notifying ``wakeup``."""
        waiting = self._wakeups.get(namespace)
        if waiting is not None:
            waiting.discard(wakeup)
            if not waiting:
                del self._wakeups[namespace]

    def follow(self, namespace: str, last: str | None) -> AsyncIterator[Event | Reset | None]:
        """The namespace's events after SSE id ``last`` (None: from now on), as they
        come; ``None`` items mark idle ticks (about one a second), ``Reset`` items say
        the client may have missed events."""
        return StreamReader(self, self._db, namespace).follow(last)

    def redis_failed(self, exc: RedisUnavailable) -> None:
        """Note a failed Redis call made on this object's behalf (by a stream reader)."""
        self._redis_failed(exc)
