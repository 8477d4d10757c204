"""When and how long to wait before sending a request again (on tenacity).

A 503 (database unavailable: a failover, the server starting or overloaded), a 429
(the key past one of its quotas, ``kgmem.keys.quotas``) and a 409 whose code is
``write_conflict`` (a concurrent write won) are worth another try; so is a connection
that could not be opened; a 503 ``commit_outcome_unknown`` only for a PUT, DELETE or
GET. Waits grow exponentially with full jitter, and a ``Retry-After`` header in
seconds wins when it is longer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from kgmem.client.errors import ApiError

# Methods whose repetition changes nothing more (a PUT with a uid replaces, a DELETE
# finds nothing the second time). A POST that lost its commit is left to the caller.
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` tries in all, waits from ``base_s`` doubling up to ``max_s``."""

    attempts: int = 4
    base_s: float = 0.2
    max_s: float = 5.0

    def wait(self, state: RetryCallState) -> float:
        """Seconds to wait after the failed try ``state`` describes."""
        backoff = wait_random_exponential(multiplier=self.base_s, max=self.max_s)(state)
        failure = state.outcome.exception() if state.outcome else None
        after = failure.retry_after_s if isinstance(failure, ApiError) else 0.0
        return max(backoff, after)


def retryable(error: BaseException) -> bool:
    """Whether the same request may succeed later."""
    if isinstance(error, httpx.ConnectError):
        return True
    if not isinstance(error, ApiError):
        return False
    if error.code == "commit_outcome_unknown":
        # The write may be stored: sent again only when sending it twice stores it once.
        return error.method in _IDEMPOTENT
    if error.status in (429, 503):
        return True
    return error.status == 409 and error.code == "write_conflict"


def _options(policy: RetryPolicy) -> dict[str, Any]:
    return {
        "stop": stop_after_attempt(policy.attempts),
        "wait": policy.wait,
        "retry": retry_if_exception(retryable),
        "reraise": True,
    }


def async_attempts(policy: RetryPolicy) -> AsyncRetrying:
    """The tries of one request from asyncio code: ``async for attempt in ...``."""
    return AsyncRetrying(**_options(policy))


def attempts(policy: RetryPolicy) -> Retrying:
    """The tries of one request from synchronous code: ``for attempt in ...``."""
    return Retrying(**_options(policy))
