"""The cache of reads and the stream of change events (Redis, or in-process and
PostgreSQL LISTEN/NOTIFY without it). ``Memory`` owns one ``Live``."""

from kgmem.live.events import EVENT_TYPES, Event, Reset
from kgmem.live.health import LiveHealth, RedisStatus
from kgmem.live.service import CacheStatus, Change, Live

__all__ = [
    "EVENT_TYPES",
    "CacheStatus",
    "Change",
    "Event",
    "Live",
    "LiveHealth",
    "RedisStatus",
    "Reset",
]
