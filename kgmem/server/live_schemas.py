"""The cache and event-stream part of /health, from what ``kgmem.live`` reports (the
records are the model's, ``kgmem.model.health``)."""

from __future__ import annotations

from kgmem.live import LiveHealth
from kgmem.model.health import LiveOut, RedisOut


def live_out(h: LiveHealth) -> LiveOut:
    """What /health says of the cache and events."""
    r = h.redis
    return LiveOut(
        cache=h.cache,
        events=h.events,
        redis=RedisOut(
            status=r.status,
            down_since=r.down_since,
            last_error=r.last_error,
            server_version=r.server_version,
        ),
        warnings=list(h.warnings),
    )
