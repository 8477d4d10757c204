"""The per-key counts of ``kgmem.keys.quotas``, on a clock the test moves."""

from __future__ import annotations

import pytest

from kgmem.errors import RateLimited, TooManyConnections, TooManyTransactions
from kgmem.keys.quotas import Quotas
from kgmem.settings.quota_settings import QuotaSettings


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_served_then_the_rate_and_the_wait_is_told() -> None:
    clock = Clock()
    quotas = Quotas(QuotaSettings(requests_per_s=2, burst=3), clock)
    for _ in range(3):
        quotas.spend("k")
    with pytest.raises(RateLimited) as refused:
        quotas.spend("k")
    assert refused.value.retry_after_s == pytest.approx(0.5)
    quotas.spend("other")  # each key has its own bucket
    clock.now = 0.5
    quotas.spend("k")
    with pytest.raises(RateLimited):
        quotas.spend("k")


def test_callers_without_a_key_and_a_zero_rate_are_not_limited() -> None:
    quotas = Quotas(QuotaSettings(requests_per_s=1, burst=1, transactions=1), Clock())
    for _ in range(10):
        quotas.spend(None)
        quotas.hold("transactions", None)
    free = Quotas(QuotaSettings(requests_per_s=0, burst=1), Clock())
    for _ in range(10):
        free.spend("k")


def test_held_connections_and_transactions_are_counted_until_released_once() -> None:
    quotas = Quotas(QuotaSettings(connections=2, transactions=1), Clock())
    first = quotas.hold("connections", "k")
    quotas.hold("connections", "k")
    with pytest.raises(TooManyConnections):
        quotas.hold("connections", "k")
    first.release()
    first.release()  # once only
    quotas.hold("connections", "k")
    with pytest.raises(TooManyConnections):
        quotas.hold("connections", "k")
    quotas.hold("transactions", "k")
    with pytest.raises(TooManyTransactions):
        quotas.hold("transactions", "k")
