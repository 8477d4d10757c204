"""The shares of heavy work of ``kgmem.keys.work_shares``: per key and for all callers."""

from __future__ import annotations

import pytest

from kgmem.errors import TooManyJobs
from kgmem.keys.work_shares import WorkShares
from kgmem.settings.heavy_settings import HeavyWorkSettings


def test_a_key_past_its_share_is_refused_and_others_still_run() -> None:
    shares = WorkShares(HeavyWorkSettings(refreshes=3, refreshes_per_key=1))
    first = shares.hold("refreshes", "a")
    with pytest.raises(TooManyJobs) as refused:
        shares.hold("refreshes", "a")
    assert "KGMEM_HEAVY_REFRESHES_PER_KEY" in refused.value.detail
    assert refused.value.retry_after_s > 0
    shares.hold("refreshes", "b")
    shares.hold("refreshes", None)  # keyless callers count only in all
    first.release()
    first.release()  # once only
    shares.hold("refreshes", "a")
    assert shares.running["refreshes"] == 3


def test_all_callers_together_are_refused_past_the_global_share() -> None:
    shares = WorkShares(HeavyWorkSettings(large_batches=2, large_batches_per_key=2))
    with shares.hold("large_batches", "a"), shares.hold("large_batches", None):
        with pytest.raises(TooManyJobs) as refused:
            shares.hold("large_batches", "b")
        assert "KGMEM_HEAVY_LARGE_BATCHES)" in refused.value.detail
        shares.hold("refreshes", "b").release()  # another job has its own share
    assert shares.running["large_batches"] == 0 and not shares.by_key["large_batches"]


def test_a_batch_is_large_from_the_configured_characters() -> None:
    shares = WorkShares(HeavyWorkSettings(large_batch_chars=1000))
    assert not shares.is_large(999) and shares.is_large(1000)
