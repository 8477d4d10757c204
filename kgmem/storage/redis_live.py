"""Redis for the cache and the event streams: the only module that speaks to Redis.

Keys (``P`` is KGMEM_REDIS_PREFIX, ``ns`` a namespace)::

    P:epoch          bumped when a process comes back from an outage: every entry
                     cached before it stops matching
    P:ver:ns         the namespace version, bumped by every committed write
    P:c:ns:<hash>    a cached response, "<epoch>:<version>|" + body, with a TTL
    P:ev:ns          the namespace's event stream (ids are Redis stream ids)
    P:floor:ns       the lowest id a client may resume from without missing events

Every failure (refused, timed out, reset, a Redis error) becomes ``RedisUnavailable``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from kgmem.errors import RedisUnavailable

# One round trip per write: bump the version, append the event, trim the stream by
# hand (so the floor records exactly what was trimmed) and keep the floor.
_PUBLISH = """
redis.call('INCR', KEYS[1])
if ARGV[1] == '' then return false end
local id = redis.call('XADD', KEYS[2], '*', 'type', ARGV[1], 'body', ARGV[2])
if ARGV[5] == '1' or redis.call('EXISTS', KEYS[3]) == 0 then
  redis.call('SET', KEYS[3], id)
end
local maxlen = tonumber(ARGV[3])
local len = redis.call('XLEN', KEYS[2])
if len > maxlen + tonumber(ARGV[4]) then
  local old = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', len - maxlen)
  redis.call('XTRIM', KEYS[2], 'MAXLEN', maxlen)
  redis.call('SET', KEYS[3], old[#old][1])
end
return id
"""


@dataclass(frozen=True, slots=True)
class StreamHead:
    """The newest id of a stream and its floor (None: no stream yet)."""

    last: str | None
    floor: str | None


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except (RedisError, OSError, TimeoutError) as exc:
        raise RedisUnavailable(f"redis: {type(exc).__name__}: {exc}") from exc


def _bytes(value: object) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return str(value).encode()


class RedisLink:
    """A connection pool to one Redis, with kgmem's key layout."""

    def __init__(self, url: str, *, prefix: str, timeout_s: float) -> None:
        self.prefix = prefix
        self._client = aioredis.Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            health_check_interval=0,
            retry_on_timeout=False,
        )
        self._publish = self._client.register_script(_PUBLISH)

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def ping(self) -> str:
        """The server's version; raises ``RedisUnavailable`` when it does not answer."""
        with _translated():
            info = await self._client.info("server")
        return str(info.get("redis_version", "?"))

    async def reconnect(self) -> None:
        """Drop every pooled connection (after an outage they point at a dead server)."""
        with _translated():
            await self._client.connection_pool.disconnect(inuse_connections=True)

    async def bump_epoch(self) -> None:
        """Make every entry cached so far stop matching (after an outage)."""
        with _translated():
            await self._client.incr(self._key("epoch"))

    async def cache_get(self, namespace: str, key: str) -> tuple[bytes, bytes | None]:
        """(token, body): the namespace's current token and the entry's body if it was
        cached under that token, else None. One round trip."""
        with _translated():
            epoch, version, entry = map(
                _bytes,
                await self._client.mget(
                    self._key("epoch"), self._key("ver", namespace), self._key("c", namespace, key)
                ),
            )
        token = (epoch or b"0") + b":" + (version or b"0") + b"|"
        if entry is not None and entry.startswith(token):
            return token, entry[len(token) :]
        return token, None

    async def cache_set(
        self, namespace: str, key: str, token: bytes, body: bytes, ttl_s: float
    ) -> None:
        """Store ``body`` under ``token`` (read before the body was computed)."""
        with _translated():
            await self._client.set(
                self._key("c", namespace, key), token + body, px=max(1, int(ttl_s * 1000))
            )

    async def publish(
        self, namespace: str, kind: str | None, body: str, *, retention: int, new_floor: bool
    ) -> str | None:
        """Bump the namespace version and (with ``kind``) append an event; returns its id.

        ``new_floor`` makes this event the floor: clients that stopped before it may
        have missed events published elsewhere (during an outage) and get a reset."""
        keys = [self._key("ver", namespace), self._key("ev", namespace)]
        keys.append(self._key("floor", namespace))
        args: list[str | int] = [kind or "", body, retention, max(1, retention // 10)]
        args.append("1" if new_floor else "0")
        with _translated():
            result = await self._publish(keys=keys, args=args)
        return result.decode() if isinstance(result, bytes) else None

    async def head(self, namespace: str) -> StreamHead:
        """The newest event id and the floor of the namespace's stream."""
        with _translated():
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.xrevrange(self._key("ev", namespace), "+", "-", count=1)
                pipe.get(self._key("floor", namespace))
                newest, floor = await pipe.execute()
        last = newest[0][0].decode() if newest else None
        return StreamHead(last, floor.decode() if floor else None)

    async def read(
        self, namespace: str, after: str, *, limit: int, block_ms: int
    ) -> list[tuple[str, str, str]]:
        """Up to ``limit`` events after id ``after`` as (id, type, JSON body), waiting
        up to ``block_ms`` for the first."""
        with _translated():
            reply: Any = await self._client.xread(
                {self._key("ev", namespace): after}, count=limit, block=max(1, block_ms)
            )
        events: list[tuple[str, str, str]] = []
        for _stream, entries in reply or ():
            for entry_id, fields in entries:
                kind, body = fields[b"type"].decode(), fields[b"body"].decode()
                events.append((entry_id.decode(), kind, body))
        return events

    async def close(self) -> None:
        """Close the pool."""
        with _translated():
            await self._client.aclose()
