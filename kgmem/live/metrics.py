"""Counters of the cache and the event streams, in Prometheus' text format."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

_HELP = {
    "kgmem_cache_requests_total": ("counter", "Cacheable reads by kind and result."),
    "kgmem_cache_evictions_total": ("counter", "In-process cache entries evicted by its bounds."),
    "kgmem_cache_entries": ("gauge", "Entries in the in-process cache."),
    "kgmem_cache_bytes": ("gauge", "Bytes of responses in the in-process cache."),
    "kgmem_events_published_total": ("counter", "Events published, by backend."),
    "kgmem_event_publish_failures_total": ("counter", "Events lost: no backend took them."),
    "kgmem_redis_errors_total": ("counter", "Redis calls that failed."),
    "kgmem_redis_fallbacks_total": ("counter", "Redis outages (switches to the fallback)."),
    "kgmem_redis_recoveries_total": ("counter", "Switches back to Redis after an outage."),
    "kgmem_redis_up": ("gauge", "1 while Redis is configured and answering."),
}

Labels = tuple[tuple[str, str], ...]


class Metrics:
    """Named counters with optional labels; ``render`` adds the gauges passed in."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, Labels]] = Counter()

    def inc(self, name: str, amount: int = 1, **labels: str) -> None:
        """Add ``amount`` to counter ``name`` with ``labels``."""
        self._counts[(name, tuple(sorted(labels.items())))] += amount

    def value(self, name: str, **labels: str) -> int:
        """A counter's current value (0 if never incremented)."""
        return self._counts[(name, tuple(sorted(labels.items())))]

    def render(self, gauges: Mapping[str, float]) -> str:
        """The exposition text: every known metric, counters at 0 included."""
        samples: dict[str, list[tuple[Labels, float]]] = {name: [] for name in _HELP}
        for (name, labels), count in sorted(self._counts.items()):
            samples.setdefault(name, []).append((labels, float(count)))
        for name, value in gauges.items():
            samples.setdefault(name, []).append(((), value))
        lines: list[str] = []
        for name, rows in samples.items():
            kind, text = _HELP.get(name, ("untyped", name))
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            for labels, value in rows or [((), 0.0)]:
                lines.append(f"{name}{_labels(labels)} {_number(value)}")
        return "\n".join(lines) + "\n"


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)
