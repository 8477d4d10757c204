"""Tool calls refused while the database is away, run again by the MCP door itself.

A model calling a tool rarely waits and retries the way an HTTP client does, so the door
does it for it: a call refused because the database was unavailable (a failover, a
restart: nothing was written) runs again after the refusal's ``retry_after_s``, up to
``ATTEMPTS`` times in all. A write whose commit outcome is unknown is never run again
here: the caller is told, and decides.
"""

from __future__ import annotations

from kgmem.errors import DatabaseUnavailable
from kgmem.failover_errors import RETRY_AFTER_S, CommitOutcomeUnknown

ATTEMPTS = 3


def wait_before_retry(exc: BaseException) -> float | None:
    """Seconds to wait before running the refused call again, or None when it must not
    run again (not a refusal of an unavailable database, or a commit outcome unknown)."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, DatabaseUnavailable):
        cause = cause.__cause__ or cause.__context__
    if cause is None or isinstance(cause, CommitOutcomeUnknown):
        return None
    wait = cause.extra.get("retry_after_s", RETRY_AFTER_S)
    return float(wait) if isinstance(wait, int | float) else float(RETRY_AFTER_S)
