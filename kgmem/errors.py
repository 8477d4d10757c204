"""kgmem's errors: one tree, each class with a stable machine code.

::

    KgmemError                      internal_error
    ├── ConfigurationError          configuration_error
    │   ├── SchemaFileError         invalid_graph_schema
    │   ├── MissingExtension        missing_extension
    │   ├── EmbeddingModelMismatch  embedding_model_mismatch
    │   └── HomeLocked              home_locked
    ├── InvalidInput                invalid_input
    │   ├── InvalidIdentifier       invalid_identifier
    │   ├── InvalidNamespaceName    invalid_namespace_name
    │   ├── InvalidUid              invalid_uid
    │   ├── InvalidProperty         invalid_property
    │   ├── InvalidVector           invalid_vector_dimension
    │   ├── InvalidNumber           invalid_number
    │   ├── InvalidTimestamp        invalid_timestamp
    │   ├── InvalidCursor           invalid_cursor
    │   ├── InvalidRequest          invalid_request
    │   ├── InvalidText             invalid_text
    │   ├── LimitExceeded           limit_exceeded
    │   │   └── PayloadTooLarge     payload_too_large
    │   ├── InvalidEventId          invalid_event_id
    │   ├── CypherError             cypher_error (more in kgmem.cypher_errors)
    │   │   ├── CypherSyntaxError   cypher_syntax_error
    │   │   ├── CypherSemanticError cypher_semantic_error
    │   │   ├── CypherTypeError     cypher_type_error
    │   │   ├── CypherRejected      cypher_rejected
    │   │   │   └── ProcedureNotFound   (same code: a procedure the registry does not hold)
    │   │   └── ProcedureFailed     procedure_failed
    │   ├── ImportRejected          import_rejected
    │   └── InvalidBackup           invalid_backup
    ├── NotFound                    not_found
    │   ├── NamespaceNotFound       namespace_not_found
    │   ├── EntityNotFound          entity_not_found
    │   ├── FactNotFound            fact_not_found
    │   ├── ApiKeyNotFound          api_key_not_found
    │   ├── SourceNotFound          source_not_found
    │   ├── EpisodeNotFound         episode_not_found
    │   ├── MergeNotFound           merge_not_found
    │   ├── NamedQueryNotFound      named_query_not_found
    │   ├── ImportJobNotFound       import_job_not_found
    │   ├── AgentStateNotFound      agent_state_not_found
    │   ├── ScratchKeyNotFound      scratch_key_not_found
    │   ├── BudgetNotFound          budget_not_found
    │   ├── DecisionNotFound        decision_not_found
    │   └── SchemaRuleNotFound      schema_rule_not_found (kgmem.neo4j_schema.errors)
    ├── Conflict                    conflict
    │   ├── NamespaceExists         namespace_exists
    │   ├── LabelKindConflict       label_kind_conflict
    │   ├── UidConflict             uid_conflict
    │   ├── FactAlreadyClosed       fact_already_closed
    │   ├── MergeAlreadyUndone      merge_already_undone
    │   ├── WriteConflict           write_conflict
    │   ├── StaleVersion            stale_version
    │   ├── BudgetExists            budget_exists
    │   ├── BudgetExceeded          budget_exceeded
    │   ├── IdempotencyKeyReused    idempotency_key_reused
    │   ├── StoreNotEmpty           store_not_empty
    │   ├── VersionMismatch         version_mismatch
    │   ├── SchemaRuleExists        schema_rule_exists (kgmem.neo4j_schema.errors)
    │   └── ConstraintViolation     constraint_validation_failed (the same)
    ├── AuthError                   auth_error
    │   ├── Unauthenticated         unauthenticated
    │   └── Forbidden               forbidden
    │       └── CypherPermissionDenied cypher_permission_denied
    ├── StorageError                storage_error
    │   ├── DatabaseUnavailable     database_unavailable
    │   │   ├── ReplicaBehind       replica_behind
    │   │   └── DatabaseBusy        database_busy (more in kgmem.failover_errors)
    │   ├── QueryTimeout            query_timeout
    │   │   ├── CypherTimeout       cypher_timeout
    │   │   ├── TransactionTimedOut transaction_timed_out
    │   │   └── CommunitiesTimedOut communities_timed_out
    │   ├── ImportInterrupted       import_interrupted
    │   └── RedisUnavailable        redis_unavailable
    ├── TooManyRequests             too_many_requests
    │   ├── RateLimited             rate_limited
    │   ├── TooManyConnections      too_many_connections
    │   ├── TooManyQueries          too_many_queries
    │   ├── TooManyTransactions     too_many_transactions
    │   ├── TooManyImports          too_many_imports
    │   └── TooManyJobs             too_many_jobs
    ├── EmbeddingError              embedding_provider_error
    └── ExtractionError             extraction_failed

HTTP statuses: one table in ``kgmem.server.problems``. Driver errors become these in storage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class KgmemError(Exception):
    """Base of every error kgmem raises on purpose."""

    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra: Mapping[str, Any] = extra


class ConfigurationError(KgmemError):
    code = "configuration_error"
    title = "Configuration error"


class SchemaFileError(ConfigurationError):
    code = "invalid_graph_schema"
    title = "Invalid graph schema"


class MissingExtension(ConfigurationError):
    code = "missing_extension"
    title = "Required PostgreSQL extension missing"


class EmbeddingModelMismatch(ConfigurationError):
    code = "embedding_model_mismatch"
    title = "Embedding model does not match the store"


class HomeLocked(ConfigurationError):
    code = "home_locked"
    title = "KGMEM_HOME is in use by another kgmem server"


class InvalidInput(KgmemError):
    code = "invalid_input"
    title = "Invalid input"


class InvalidIdentifier(InvalidInput):
    code = "invalid_identifier"
    title = "Invalid label or property name"


class InvalidNamespaceName(InvalidInput):
    code = "invalid_namespace_name"
    title = "Invalid namespace name"


class InvalidUid(InvalidInput):
    code = "invalid_uid"
    title = "Invalid uid"


class InvalidProperty(InvalidInput):
    code = "invalid_property"
    title = "Invalid property value"


class InvalidVector(InvalidInput):
    code = "invalid_vector_dimension"
    title = "Vector does not fit the store"


class InvalidNumber(InvalidInput):
    code = "invalid_number"
    title = "Number is not finite"


class InvalidTimestamp(InvalidInput):
    code = "invalid_timestamp"
    title = "Invalid timestamp"


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"
    title = "Invalid page cursor"


class InvalidRequest(InvalidInput):
    code = "invalid_request"
    title = "Request does not match the API"


class InvalidText(InvalidInput):
    """Text that is not valid Unicode: a lone surrogate (``\\ud800``) or bytes that are
    not UTF-8. PostgreSQL and JSON cannot store it, so it is refused where it enters."""

    code = "invalid_text"
    title = "Text is not valid Unicode"


class LimitExceeded(InvalidInput):
    code = "limit_exceeded"
    title = "Request exceeds a limit"


class PayloadTooLarge(LimitExceeded):
    code = "payload_too_large"
    title = "Request body too large"


class ImportRejected(InvalidInput):
    code = "import_rejected"
    title = "Import stopped at a bad record"


class InvalidBackup(InvalidInput):
    code = "invalid_backup"
    title = "Not a usable kgmem backup"


class NotFound(KgmemError):
    code = "not_found"
    title = "Not found"


class NamespaceNotFound(NotFound):
    code = "namespace_not_found"
    title = "Namespace not found"


class EntityNotFound(NotFound):
    code = "entity_not_found"
    title = "Entity not found"


class FactNotFound(NotFound):
    code = "fact_not_found"
    title = "Fact not found"


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"
    title = "API key not found"


class SourceNotFound(NotFound):
    code = "source_not_found"
    title = "Source not found"


class EpisodeNotFound(NotFound):
    code = "episode_not_found"
    title = "Episode not found"


class MergeNotFound(NotFound):
    code = "merge_not_found"
    title = "Merge not found"


class ImportJobNotFound(NotFound):
    code = "import_job_not_found"
    title = "Import job not found"


class Conflict(KgmemError):
    code = "conflict"
    title = "Conflict"


class NamespaceExists(Conflict):
    code = "namespace_exists"
    title = "Namespace already exists"


class LabelKindConflict(Conflict):
    code = "label_kind_conflict"
    title = "Label is already used for the other kind of element"


class UidConflict(Conflict):
    code = "uid_conflict"
    title = "uid already names something else"


class FactAlreadyClosed(Conflict):
    code = "fact_already_closed"
    title = "Fact is already closed"


class MergeAlreadyUndone(Conflict):
    code = "merge_already_undone"
    title = "Merge already undone"


class WriteConflict(Conflict):
    """Concurrent writes kept deadlocking with this one, after the retries the storage
    layer makes on its own; sending the write again is safe (nothing was written)."""

    code = "write_conflict"
    title = "Write kept conflicting with concurrent writes"


class AgentStateNotFound(NotFound):
    code = "agent_state_not_found"
    title = "Agent state not found"


class ScratchKeyNotFound(NotFound):
    code = "scratch_key_not_found"
    title = "Scratch key not found or expired"


class BudgetNotFound(NotFound):
    code = "budget_not_found"
    title = "Budget not found"


class DecisionNotFound(NotFound):
    code = "decision_not_found"
    title = "Decision not found"


class StaleVersion(Conflict):
    """A conditional write named a version that is no longer the current one; nothing
    was written."""

    code = "stale_version"
    title = "Stale version"


class BudgetExists(Conflict):
    code = "budget_exists"
    title = "Budget already exists"


class BudgetExceeded(Conflict):
    """A spend would take the budget (or the agent's share) past its limit; nothing
    was posted."""

    code = "budget_exceeded"
    title = "Budget exceeded"


class IdempotencyKeyReused(Conflict):
    """An idempotency key came back with a different transaction than the one it
    first posted."""

    code = "idempotency_key_reused"
    title = "Idempotency key reused for a different transaction"


class StoreNotEmpty(Conflict):
    code = "store_not_empty"
    title = "The store to restore into is not empty"


class VersionMismatch(Conflict):
    """A conditional write (``If-Match``) named a version of the entity that is no
    longer the stored one: someone else changed it since; read it again."""

    code = "version_mismatch"
    title = "The entity changed since the version given"


class AuthError(KgmemError):
    code = "auth_error"
    title = "Authorisation error"


class Unauthenticated(AuthError):
    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(AuthError):
    code = "forbidden"
    title = "Forbidden"


class StorageError(KgmemError):
    code = "storage_error"
    title = "Storage error"


class DatabaseUnavailable(StorageError):
    code = "database_unavailable"
    title = "Database unavailable"


class ReplicaBehind(DatabaseUnavailable):
    """No replica replayed the write a read asked to see in time (and reads are not
    sent to the primary instead)."""

    code = "replica_behind"
    title = "Replica behind"


class DatabaseBusy(DatabaseUnavailable):
    """Every pooled connection that analysts' Cypher may hold is in use, past the wait
    for one (the rest are kept for health checks, writes and administration)."""

    code = "database_busy"
    title = "Database busy"


class QueryTimeout(StorageError):
    code = "query_timeout"
    title = "Query timed out"


class TransactionTimedOut(QueryTimeout):
    """An explicit transaction left idle past its limit was rolled back."""

    code = "transaction_timed_out"
    title = "Transaction timed out"


class CommunitiesTimedOut(QueryTimeout):
    """Community detection computed past its deadline and was stopped; the stored
    communities are those of before."""

    code = "communities_timed_out"
    title = "Community detection took too long"


class TooManyRequests(KgmemError):
    """A key is past one of its limits (``kgmem.keys.quotas``); ``retry_after_s`` says when
    to try again."""

    code = "too_many_requests"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_s: float, **extra: Any) -> None:
        super().__init__(detail, retry_after_s=retry_after_s, **extra)
        self.retry_after_s = retry_after_s


class RateLimited(TooManyRequests):
    code = "rate_limited"
    title = "Request rate limit exceeded"


class TooManyConnections(TooManyRequests):
    code = "too_many_connections"
    title = "Too many open connections for this key"


class TooManyQueries(TooManyRequests):
    code = "too_many_queries"
    title = "Too many Cypher queries at once for this key"


class TooManyTransactions(TooManyRequests):
    code = "too_many_transactions"
    title = "Too many open transactions for this key"


class TooManyImports(TooManyRequests):
    """A key (or the whole store) has as many import jobs queued or running as it may
    (``KGMEM_IMPORT_JOBS_PER_KEY``, ``KGMEM_IMPORT_JOBS``)."""

    code = "too_many_imports"
    title = "Too many import jobs"


class ImportInterrupted(StorageError):
    """The process running an import job stopped before the job ended (shut down,
    killed, crashed). Only ever reported as a job's ``error``: posting the file again
    resumes the import."""

    code = "import_interrupted"
    title = "Import interrupted"


class TooManyJobs(TooManyRequests):
    """The key, or all callers together, already run as many heavy jobs of one kind
    (community refreshes, large episode batches) as ``kgmem.keys.work_shares`` allows."""

    code = "too_many_jobs"
    title = "Too many heavy jobs running"


class RedisUnavailable(StorageError):
    """Redis did not answer; kgmem falls back without it (never sent to clients)."""

    code = "redis_unavailable"
    title = "Redis unavailable"


class InvalidEventId(InvalidInput):
    code = "invalid_event_id"
    title = "Invalid Last-Event-ID"


class EmbeddingError(KgmemError):
    code = "embedding_provider_error"
    title = "Embedding provider failed"


class ExtractionError(KgmemError):
    code = "extraction_failed"
    title = "Extraction failed"


class CypherError(InvalidInput):
    """A Cypher query that cannot run. ``error_class`` says why (syntax, semantic, type,
    timeout, permission) and ``position`` (0-based, in the query text) where, if known."""

    code = "cypher_error"
    title = "Cypher query failed"
    error_class: ClassVar[str] = "semantic"

    def __init__(self, detail: str, *, position: int | None = None, **extra: Any) -> None:
        super().__init__(detail, error_class=self.error_class, position=position, **extra)
        self.position = position


class CypherSyntaxError(CypherError):
    code = "cypher_syntax_error"
    title = "Cypher syntax error"
    error_class = "syntax"


class CypherSemanticError(CypherError):
    code = "cypher_semantic_error"
    title = "Cypher semantic error"
    error_class = "semantic"


class CypherTypeError(CypherError):
    code = "cypher_type_error"
    title = "Cypher type error"
    error_class = "type"


class CypherRejected(CypherError):
    code = "cypher_rejected"
    title = "Cypher query rejected as unsafe"
    error_class = "permission"


class ProcedureNotFound(CypherRejected):
    """A call of a procedure the store's registry does not hold: 422 over REST (a
    semantic error: nothing of that name exists); Bolt tells drivers Neo4j's
    ProcedureNotFound."""

    error_class = "semantic"


class ProcedureFailed(CypherError):
    """A registered procedure's body raised an unexpected exception or yielded a row
    that does not fit its signature: the procedure's fault, reported to the caller as
    a 422 (the server and the rest of the query are unharmed) and logged with its
    traceback; Bolt tells drivers Neo4j's ProcedureCallFailed."""

    code = "procedure_failed"
    title = "Procedure failed"
    error_class = "procedure"


class NamedQueryNotFound(NotFound):
    code = "named_query_not_found"
    title = "Named query not found"


class CypherPermissionDenied(Forbidden):
    code = "cypher_permission_denied"
    title = "Cypher query needs a permission it lacks"

    def __init__(self, detail: str, *, position: int | None = None, **extra: Any) -> None:
        super().__init__(detail, error_class="permission", position=position, **extra)
        self.position = position


class CypherTimeout(QueryTimeout):
    code = "cypher_timeout"
    title = "Cypher query timed out"

    def __init__(self, detail: str, *, position: int | None = None, **extra: Any) -> None:
        super().__init__(detail, error_class="timeout", position=position, **extra)
        self.position = position


def all_error_classes() -> list[type[KgmemError]]:
    """Every error class in the tree, parents before children."""
    found: list[type[KgmemError]] = []
    pending: list[type[KgmemError]] = [KgmemError]
    while pending:
        cls = pending.pop(0)
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def refused_input(issues: Sequence[Mapping[str, Any]]) -> InvalidInput:
    """The error every door answers for input its schema refuses, from the validation
    issues (pydantic's ``errors()``: ``loc``, ``msg``, ``type``): ``invalid_timestamp``
    when the first is about a time, ``invalid_request`` otherwise, naming where."""
    first = issues[0] if issues else {"loc": (), "msg": "invalid request"}
    where = ".".join(str(p) for p in first.get("loc", ()))
    message = str(first.get("msg", ""))
    kind = str(first.get("type", ""))
    about_time = kind == "invalid_timestamp" or kind.startswith(("datetime_", "timezone_"))
    error = InvalidTimestamp if about_time else InvalidRequest
    return error(f"{where}: {message}" if where else message)


import kgmem.cypher_errors, kgmem.failover_errors, kgmem.neo4j_schema.errors  # noqa: E401, E402, F401, I001 (the tree)
