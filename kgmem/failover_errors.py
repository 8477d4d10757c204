"""The errors of a database that moved: a server found read-only (a primary demoted to a
standby) and a commit whose outcome the link took with it, in kgmem's one tree
(``kgmem.errors`` imports this module so that every class is part of it)::

    DatabaseUnavailable
    ├── PrimaryUnavailable      primary_unavailable     (Neo4j: DatabaseUnavailable)
    └── CommitOutcomeUnknown    commit_outcome_unknown  (Neo4j: TransactionCommitFailed)

Every refusal of an unavailable database carries ``retry_after_s`` (HTTP:
``Retry-After``): the pool looks the primary up again on the next request.
"""

from __future__ import annotations

from typing import Any

from kgmem.errors import DatabaseUnavailable

RETRY_AFTER_S = 2
"""What a request refused while the database is unavailable is told to wait: a failover
of a Patroni cluster takes seconds, and the client's own backoff grows from there."""


class PrimaryUnavailable(DatabaseUnavailable):
    """The server refused a write because it is read-only: a primary demoted to a standby
    (a failover), or a host list that found no primary. Nothing was written."""

    code = "primary_unavailable"
    title = "Primary unavailable"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, **{"retry_after_s": RETRY_AFTER_S, **extra})


class CommitOutcomeUnknown(DatabaseUnavailable):
    """The link to the database was lost while a transaction committed: the write may or
    may not be stored. Not acknowledged; a retry of a write keyed by its uid (or an
    idempotency key) cannot store it twice."""

    code = "commit_outcome_unknown"
    title = "Commit outcome unknown"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, **{"retry_after_s": RETRY_AFTER_S, **extra})
