"""Bolt connections refused at a cap, counted and logged so that a flood of them cannot
flood the log: every refusal counts in ``kgmem_bolt_refused_connections_total`` by
reason, and each client address gets at most one log line per interval, the first
refusal at once and the rest summed up in the line after the interval. Past
``MOST_ADDRESSES`` addresses in one interval, further addresses share one line, so
that a flood from many addresses is bounded too."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from kgmem.process.metrics import instruments

log = logging.getLogger(__name__)
INTERVAL_S = 60.0  # at most one line per address this often
MOST_ADDRESSES = 20  # addresses with lines of their own in one interval
FURTHER = "further addresses"  # the one entry they share (no address reads so)


@dataclass
class _Quiet:
    """An address's refusals since its last log line."""

    since: float
    reasons: Counter[str] = field(default_factory=Counter)


class Refusals:
    """Counts and logs refusals; ``clock`` (monotonic seconds) and ``interval_s`` are
    there for tests."""

    def __init__(
        self, interval_s: float = INTERVAL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval_s = interval_s
        self.clock = clock
        self.quiet: dict[str, _Quiet] = {}

    def refused(self, address: str, reason: str) -> None:
        """Count one connection from ``address`` refused for ``reason`` (an
        ``admission.REASONS`` value), and log it unless this address had its line
        within the interval."""
        instruments().bolt_refused.labels(reason).inc()
        now = self.clock()
        self._forget_before(now - self.interval_s)
        if address not in self.quiet and len(self.quiet) >= MOST_ADDRESSES:
            address = FURTHER
        quiet = self.quiet.get(address)
        if quiet is None:
            log.warning(
                "Bolt connection from %s refused (%s cap); further refusals from %s are "
                "logged at most once every %g s",
                address or "an unknown address",
                reason,
                "them" if address == FURTHER else "this address",
                self.interval_s,
            )
            self.quiet[address] = _Quiet(now)
            return
        quiet.reasons[reason] += 1

    def flush(self) -> None:
        """Log every address's sum not logged yet (the server is stopping)."""
        self._forget_before(float("inf"))

    def _forget_before(self, start: float) -> None:
        """Log the sums of addresses whose interval began at ``start`` or before, and
        forget them: an address refused again starts a new interval with a line of its
        own. Addresses enter in time order, so the oldest come first."""
        while self.quiet:
            address, quiet = next(iter(self.quiet.items()))
            if quiet.since > start:
                return
            del self.quiet[address]
            if quiet.reasons:
                log.warning(
                    "Bolt refused %d more connections from %s since its last line (%s)",
                    quiet.reasons.total(),
                    address or "an unknown address",
                    ", ".join(f"{r} cap: {n}" for r, n in sorted(quiet.reasons.items())),
                )
