"""Counters of the cache and the event streams: this store's own counts (what tests and
``/health`` read) and the process's Prometheus metrics (``kgmem.process.metrics``, what
``/metrics`` serves summed over every worker process)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from kgmem.process.metrics import instruments

Labels = tuple[tuple[str, str], ...]


class Metrics:
    """Named counters with optional labels."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, Labels]] = Counter()

    def inc(self, name: str, amount: int = 1, **labels: str) -> None:
        """Add ``amount`` to counter ``name`` with ``labels``."""
        self._counts[(name, tuple(sorted(labels.items())))] += amount
        counter = instruments().live[name]
        (counter.labels(**labels) if labels else counter).inc(amount)

    def value(self, name: str, **labels: str) -> int:
        """This store's count (0 if never incremented)."""
        return self._counts[(name, tuple(sorted(labels.items())))]


def publish_gauges(gauges: Mapping[str, float]) -> None:
    """Record this process's cache size and Redis state for ``/metrics``."""
    live = instruments().live
    for name, value in gauges.items():
        live[name].set(value)
