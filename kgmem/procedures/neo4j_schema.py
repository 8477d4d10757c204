"""The procedures of Neo4j's schema language: ``kgmem.schema.showIndexes`` and
``kgmem.schema.showConstraints`` (what ``SHOW INDEXES`` / ``SHOW CONSTRAINTS`` call,
``kgmem.neo4j_schema.show``), ``db.awaitIndexes`` and ``db.awaitIndex``."""

from __future__ import annotations

from kgmem.neo4j_schema import show
from kgmem.procedures.registry import Procedure, procedure


def procedures() -> tuple[Procedure, ...]:
    """The procedures of SHOW and of waiting for indexes, for the built-in registry."""
    index_outputs = (
        "id :: INTEGER, name :: STRING, state :: STRING, populationPercent :: FLOAT, "
        "type :: STRING, entityType :: STRING, labelsOrTypes :: LIST OF STRING?, "
        "properties :: LIST OF STRING?, indexProvider :: STRING, owningConstraint :: STRING?, "
        "lastRead :: STRING?, readCount :: INTEGER?, trackedSince :: STRING?, options :: MAP, "
        "failureMessage :: STRING, createStatement :: STRING"
    )
    constraint_outputs = (
        "id :: INTEGER, name :: STRING, type :: STRING, entityType :: STRING, "
        "labelsOrTypes :: LIST OF STRING, properties :: LIST OF STRING, "
        "ownedIndex :: STRING?, propertyType :: STRING?, options :: MAP?, "
        "createStatement :: STRING"
    )
    return (
        procedure(f"kgmem.schema.showIndexes(filter = 'ALL' :: STRING) :: ({index_outputs})",
                  show.index_rows, description="The indexes, as SHOW INDEXES lists them."),
        procedure(f"kgmem.schema.showConstraints(filter = 'ALL' :: STRING) :: "
                  f"({constraint_outputs})", show.constraint_rows,
                  description="The constraints, as SHOW CONSTRAINTS lists them."),
        procedure("db.awaitIndexes(timeOutSeconds = 300 :: INTEGER) :: VOID", show.await_indexes,
                  description="Wait for all indexes to come online."),
        procedure("db.awaitIndex(indexName :: STRING, timeOutSeconds = 300 :: INTEGER) :: VOID",
                  show.await_index, description="Wait for an index to come online."),
    )  # fmt: skip
