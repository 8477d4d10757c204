"""What the cache and the event streams run on right now, for /health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal


@dataclass(frozen=True, slots=True)
class RedisStatus:
    """Redis as this process sees it. ``status`` is ``unused`` without KGMEM_REDIS_URL."""

    status: Literal["ok", "down", "unused"]
    down_since: datetime | None
    last_error: str | None
    server_version: str | None


@dataclass(frozen=True, slots=True)
class LiveHealth:
    """The backends in use: ``cache`` is ``none`` while disabled or while a configured
    Redis is down (reads are served uncached); events fall back to PostgreSQL."""

    cache: Literal["redis", "memory", "none"]
    events: Literal["redis", "postgres", "none"]
    redis: RedisStatus
    warnings: tuple[str, ...]
