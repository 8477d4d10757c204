"""The errors of Neo4j's schema statements and of its transaction rules, in kgmem's one
tree (``kgmem.errors`` imports this module so that every class is part of it)::

    NotFound
    └── SchemaRuleNotFound      schema_rule_not_found
        ├── IndexNotFound       index_not_found         (Neo4j: IndexDropFailed)
        └── ConstraintNotFound  constraint_not_found    (Neo4j: ConstraintDropFailed)
    Conflict
    └── SchemaRuleExists        schema_rule_exists      (EquivalentSchemaRuleAlreadyExists)
        ├── IndexNameTaken      index_name_taken        (IndexWithNameAlreadyExists)
        └── ConstraintNameTaken constraint_name_taken   (ConstraintWithNameAlreadyExists)
    └── ConstraintViolation     constraint_validation_failed  (ConstraintValidationFailed)
    └── IndexOwnedByConstraint  index_owned_by_constraint     (IndexDropFailed)
    CypherSemanticError
    └── ImplicitTransactionRequired implicit_transaction_required (Statement.ExecutionFailed)
"""

from __future__ import annotations

from kgmem.errors import Conflict, CypherSemanticError, NotFound


class SchemaRuleNotFound(NotFound):
    """``DROP INDEX`` / ``DROP CONSTRAINT`` of a name the namespace does not declare."""

    code = "schema_rule_not_found"
    title = "No such index or constraint"


class IndexNotFound(SchemaRuleNotFound):
    code = "index_not_found"
    title = "No such index"


class ConstraintNotFound(SchemaRuleNotFound):
    code = "constraint_not_found"
    title = "No such constraint"


class SchemaRuleExists(Conflict):
    """``CREATE INDEX`` / ``CREATE CONSTRAINT`` of an object the namespace already
    declares under another name (an equivalent one)."""

    code = "schema_rule_exists"
    title = "An equivalent index or constraint already exists"


class IndexNameTaken(SchemaRuleExists):
    """A new index or constraint named as an existing index."""

    code = "index_name_taken"
    title = "An index of that name already exists"


class ConstraintNameTaken(SchemaRuleExists):
    """A new index or constraint named as an existing constraint."""

    code = "constraint_name_taken"
    title = "A constraint of that name already exists"


class ConstraintViolation(Conflict):
    """A write, or a CREATE CONSTRAINT, met data a declared constraint refuses."""

    code = "constraint_validation_failed"
    title = "Constraint validation failed"


class IndexOwnedByConstraint(Conflict):
    """``DROP INDEX`` of the index a uniqueness or key constraint owns (it bears the
    constraint's name): drop the constraint instead, which drops its index too."""

    code = "index_owned_by_constraint"
    title = "The index belongs to a constraint"


class ImplicitTransactionRequired(CypherSemanticError):
    """``CALL { ... } IN TRANSACTIONS`` sent inside an explicit transaction."""

    code = "implicit_transaction_required"
    title = "CALL IN TRANSACTIONS needs an auto-commit transaction"
