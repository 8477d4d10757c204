"""Shares of heavy work (``KGMEM_HEAVY_*``): how many community refreshes and large
episode batches run at once in this process, per API key and for all callers together.

Work past a share is refused at once with ``TooManyJobs`` (429 with Retry-After), never
queued: a queue of refreshes would hold its callers' connections for minutes, and the
caller knows better than the server whether to try again. Keyless callers (loopback
clients of a store without keys) count only against the all-callers share.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from kgmem.errors import TooManyJobs
from kgmem.keys.quotas import Held
from kgmem.settings.heavy_settings import HeavyWorkSettings

Job = Literal["refreshes", "large_batches"]

RETRY_AFTER_S: dict[Job, float] = {"refreshes": 10.0, "large_batches": 2.0}
"""Retry-After of a refused job: a refresh runs for long, a batch ends sooner."""

_NAMES: dict[Job, str] = {
    "refreshes": "community refreshes",
    "large_batches": "large episode batches",
}


class WorkShares:
    """The counts of heavy jobs running in this process."""

    def __init__(self, settings: HeavyWorkSettings) -> None:
        self.settings = settings
        self.running: Counter[Job] = Counter()
        self.by_key: dict[Job, Counter[str]] = {job: Counter() for job in _NAMES}

    def is_large(self, chars: int) -> bool:
        """Whether an episode request of ``chars`` characters of text is a large batch."""
        return chars >= self.settings.large_batch_chars

    def hold(self, job: Job, key_id: str | None) -> Held:
        """Count one more running ``job`` of ``key_id`` until the returned ``Held`` is
        released (it is a context manager); ``TooManyJobs`` past either share."""
        most: int = getattr(self.settings, job)
        if self.running[job] >= most:
            raise self._refusal(job, f"the server runs {most} {_NAMES[job]} at once", job)
        keyed = self.by_key[job]
        if key_id is not None:
            per_key: int = getattr(self.settings, f"{job}_per_key")
            if keyed[key_id] >= per_key:
                raise self._refusal(
                    job, f"this API key runs {per_key} {_NAMES[job]}", f"{job}_per_key"
                )
            keyed[key_id] += 1
        self.running[job] += 1
        return Held(lambda: self._uncount(job, key_id))

    def _uncount(self, job: Job, key_id: str | None) -> None:
        self.running[job] -= 1
        if key_id is not None:
            keyed = self.by_key[job]
            keyed[key_id] -= 1
            if keyed[key_id] <= 0:
                del keyed[key_id]

    @staticmethod
    def _refusal(job: Job, what: str, setting: str) -> TooManyJobs:
        return TooManyJobs(
            f"{what} already, the limit (KGMEM_HEAVY_{setting.upper()}); try again when one "
            "has finished",
            retry_after_s=RETRY_AFTER_S[job],
            job=job,
        )
