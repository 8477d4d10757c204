"""Response bodies of the cache and event-stream parts of /health."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from kgmem.live import LiveHealth


class RedisOut(BaseModel):
    status: Literal["ok", "down", "unused"] = Field(
        description="unused without KGMEM_REDIS_URL; down while it does not answer"
    )
    down_since: datetime | None = None
    last_error: str | None = None
    server_version: str | None = None


class LiveOut(BaseModel):
    cache: Literal["redis", "memory", "none"] = Field(
        description="Where cached reads live now; none while disabled or Redis is down"
    )
    events: Literal["redis", "postgres", "none"] = Field(
        description="Where change events go now (postgres: a table and LISTEN/NOTIFY)"
    )
    redis: RedisOut
    warnings: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, h: LiveHealth) -> LiveOut:
        r = h.redis
        return cls(
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
