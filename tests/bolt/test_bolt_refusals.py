"""Refused Bolt connections, counted and logged without a server: every refusal counts
in the metric by reason; each address gets one log line at its first refusal and one
line summing up the rest after the interval, however many came."""

import logging

import pytest

from kgmem.bolt.refusals import MOST_ADDRESSES, Refusals
from kgmem.process.metrics import instruments


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refused_count(reason: str) -> float:
    return instruments().bolt_refused.labels(reason)._value.get()


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "kgmem.bolt.refusals"]


def test_a_flood_of_refusals_logs_two_lines_per_address_and_counts_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    clock = Clock()
    refusals = Refusals(interval_s=60, clock=clock)
    before = refused_count("unauthenticated_per_address")
    for _ in range(500):
        refusals.refused("10.0.0.1", "unauthenticated_per_address")
        clock.now += 0.01  # 5 s in all
    refusals.refused("10.0.0.2", "connections")
    assert refused_count("unauthenticated_per_address") - before == 500
    first = lines(caplog)
    assert len(first) == 2
    assert "10.0.0.1" in first[0] and "unauthenticated_per_address" in first[0]
    assert "10.0.0.2" in first[1]
    clock.now += 60
    refusals.refused("10.0.0.1", "per_address")
    summed = lines(caplog)[2:]
    assert len(summed) == 2  # the sum of the last interval, then the new interval's first
    assert "499 more connections from 10.0.0.1" in summed[0]
    assert "unauthenticated_per_address cap: 499" in summed[0]
    assert "10.0.0.1 refused (per_address cap)" in summed[1]


def test_flush_logs_the_sums_not_logged_yet(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    refusals = Refusals(interval_s=60, clock=Clock())
    for _ in range(3):
        refusals.refused("10.0.0.3", "unauthenticated")
    refusals.flush()
    refusals.flush()
    assert len(lines(caplog)) == 2
    assert "2 more connections from 10.0.0.3" in lines(caplog)[1]
    assert not refusals.quiet


def test_refusals_from_many_addresses_share_one_line_past_the_first_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    refusals = Refusals(interval_s=60, clock=Clock())
    for n in range(1000):
        refusals.refused(f"10.1.{n // 250}.{n % 250}", "unauthenticated")
    assert len(lines(caplog)) == MOST_ADDRESSES + 1
    assert len(refusals.quiet) == MOST_ADDRESSES + 1
    refusals.flush()
    assert (
        f"{1000 - MOST_ADDRESSES - 1} more connections from further addresses"
        in (lines(caplog)[-1])
    )
