"""kgmem's errors as Neo4j status codes, which drivers turn into their exception
classes (``CypherSyntaxError``, ``AuthError``, ``ClientError``, ``TransientError``)."""

from __future__ import annotations

from kgmem import cypher_errors, errors
from kgmem import failover_errors as failover
from kgmem.neo4j_schema import errors as schema_errors

# Most specific class first: the first match wins.
_CODES: tuple[tuple[type[errors.KgmemError], str], ...] = (
    (schema_errors.IndexNameTaken, "Neo.ClientError.Schema.IndexWithNameAlreadyExists"),
    (schema_errors.ConstraintNameTaken, "Neo.ClientError.Schema.ConstraintWithNameAlreadyExists"),
    (schema_errors.SchemaRuleExists, "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists"),
    (schema_errors.IndexNotFound, "Neo.DatabaseError.Schema.IndexDropFailed"),
    (schema_errors.IndexOwnedByConstraint, "Neo.DatabaseError.Schema.IndexDropFailed"),
    (schema_errors.ConstraintNotFound, "Neo.DatabaseError.Schema.ConstraintDropFailed"),
    (schema_errors.ImplicitTransactionRequired, "Neo.DatabaseError.Statement.ExecutionFailed"),
    (errors.ProcedureNotFound, "Neo.ClientError.Procedure.ProcedureNotFound"),
    (errors.ProcedureFailed, "Neo.ClientError.Procedure.ProcedureCallFailed"),
    (errors.CypherSyntaxError, "Neo.ClientError.Statement.SyntaxError"),
    (cypher_errors.CypherUnsupported, "Neo.ClientError.Statement.SyntaxError"),
    (errors.CypherRejected, "Neo.ClientError.Statement.SyntaxError"),
    (errors.CypherSemanticError, "Neo.ClientError.Statement.SemanticError"),
    # A name AGE keeps as one kind (a relationship type) asked to be the other (a label).
    (errors.LabelKindConflict, "Neo.ClientError.Statement.SemanticError"),
    (cypher_errors.CypherArithmeticError, "Neo.ClientError.Statement.ArithmeticError"),
    (errors.CypherTypeError, "Neo.ClientError.Statement.TypeError"),
    (errors.CypherError, "Neo.ClientError.Statement.SyntaxError"),
    (cypher_errors.CypherAccessMode, "Neo.ClientError.Statement.AccessMode"),
    (errors.CypherPermissionDenied, "Neo.ClientError.Security.Forbidden"),
    (errors.Unauthenticated, "Neo.ClientError.Security.Unauthorized"),
    (errors.Forbidden, "Neo.ClientError.Security.Forbidden"),
    (errors.TooManyTransactions, "Neo.TransientError.Transaction.MaximumTransactionLimitReached"),
    (errors.TooManyRequests, "Neo.TransientError.Request.ResourceExhaustion"),
    (errors.CypherTimeout, "Neo.ClientError.Transaction.TransactionTimedOut"),
    (errors.QueryTimeout, "Neo.ClientError.Transaction.TransactionTimedOut"),
    (errors.NamespaceNotFound, "Neo.ClientError.Database.DatabaseNotFound"),
    (errors.InvalidNumber, "Neo.ClientError.Statement.TypeError"),
    (errors.LimitExceeded, "Neo.ClientError.Request.Invalid"),
    (schema_errors.ConstraintViolation, "Neo.ClientError.Schema.ConstraintValidationFailed"),
    (errors.WriteConflict, "Neo.TransientError.Transaction.DeadlockDetected"),
    # Not transient: a driver retrying a write whose commit may have landed could store
    # it twice; the client decides (reads it back, or sends it again if keyed).
    (failover.CommitOutcomeUnknown, "Neo.DatabaseError.Transaction.TransactionCommitFailed"),
    (errors.DatabaseUnavailable, "Neo.TransientError.General.DatabaseUnavailable"),
    (errors.InvalidInput, "Neo.ClientError.Request.Invalid"),
    (errors.NotFound, "Neo.ClientError.Statement.EntityNotFound"),
    (errors.StorageError, "Neo.DatabaseError.General.UnknownError"),
)


def neo4j_code(exc: errors.KgmemError) -> str:
    """The Neo4j status code for ``exc``."""
    for kind, code in _CODES:
        if isinstance(exc, kind):
            return code
    return "Neo.DatabaseError.General.UnknownError"
