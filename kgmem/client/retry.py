"""When and how long to wait before sending a request again.

A 503 (database unavailable, the server starting or overloaded) and a 409 whose code
is ``write_conflict`` (a concurrent write won) are worth another try; so is a
connection that could not be opened. Waits grow exponentially with full jitter, and a
``Retry-After`` header in seconds wins when it is longer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` tries in all, waits from ``base_s`` doubling up to ``max_s``."""

    attempts: int = 4
    base_s: float = 0.2
    max_s: float = 5.0

    def wait(self, attempt: int, response: httpx.Response | None) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        backoff = random.uniform(0, min(self.max_s, self.base_s * 2 ** (attempt - 1)))  # noqa: S311
        return max(backoff, _retry_after(response))


def retryable(response: httpx.Response) -> bool:
    """Whether ``response`` says the same request may succeed later."""
    if response.status_code == 503:
        return True
    if response.status_code != 409:
        return False
    try:
        return bool(response.json().get("code") == "write_conflict")
    except ValueError:
        return False


def _retry_after(response: httpx.Response | None) -> float:
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return min(float(value), 60.0) if value else 0.0
    except ValueError:
        return 0.0
