"""What a declared schema object is, shared by the statements that declare it, the
catalogue that stores it and the handlers that build it.

Where each object lives:

- Its declaration is a row of the namespace's ``_kg_declared`` table, in the graph's
  own PostgreSQL schema, so ``pg_dump -n`` (backups), restores under another name,
  replicas and deletes carry it with the label tables.
- What enforces or accelerates it is PostgreSQL's own, on each label table that holds
  the label's elements (the label's table and every composite label inheriting from
  it, ``kgmem.storage.graph.label_sets``): expression indexes (btree, GIN, pgvector
  HNSW) and CHECK constraints calling kgmem's functions. AGE's writes fill indexes and
  evaluate CHECK constraints (they bypass triggers), so every door enforces them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Entity = Literal["NODE", "RELATIONSHIP"]
IndexType = Literal["RANGE", "TEXT", "POINT", "VECTOR", "FULLTEXT", "LOOKUP"]
ConstraintType = Literal[
    "UNIQUENESS",  # Neo4j 5's SHOW names: NODE_PROPERTY_UNIQUENESS, ... (see ``shown_type``)
    "KEY",
    "PROPERTY_EXISTENCE",
    "PROPERTY_TYPE",
]
State = Literal["ONLINE", "POPULATING", "FAILED"]


@dataclass(frozen=True, slots=True)
class Index:
    """An index as declared: ``CREATE <type> INDEX name FOR (n:L) ON (n.p, ...)``.

    ``labels`` holds one label or type, or several for a full-text index (``:A|B``);
    ``options`` is Neo4j's ``OPTIONS`` map (``indexConfig`` with
    ``vector.dimensions``, ``vector.similarity_function``, ``fulltext.analyzer`` ...).
    ``owner``: the constraint that owns it (a uniqueness or key constraint's index)."""

    name: str
    type: IndexType
    entity: Entity
    labels: tuple[str, ...]
    properties: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    owner: str | None = None
    state: State = "ONLINE"


@dataclass(frozen=True, slots=True)
class Constraint:
    """A constraint as declared: ``CREATE CONSTRAINT name FOR (n:L) REQUIRE ...``.

    ``property_type`` is the Neo4j type text of a PROPERTY_TYPE constraint
    (``STRING``, ``INTEGER | FLOAT``, ``LIST<STRING NOT NULL>``), None otherwise."""

    name: str
    type: ConstraintType
    entity: Entity
    label: str
    properties: tuple[str, ...]
    property_type: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def owns_index(self) -> bool:
        """Whether the constraint is backed by an index of its own name (a uniqueness or
        key constraint, as in Neo4j): SHOW INDEXES lists it, DROP INDEX may not drop it."""
        return self.type in ("UNIQUENESS", "KEY")

    @property
    def shown_type(self) -> str:
        """The type as a Neo4j 5 ``SHOW CONSTRAINTS`` gives it: ``UNIQUENESS`` /
        ``RELATIONSHIP_UNIQUENESS``, ``NODE_KEY`` / ``RELATIONSHIP_KEY``,
        ``NODE_PROPERTY_EXISTENCE``, ``NODE_PROPERTY_TYPE`` and their relationship forms."""
        if self.type == "UNIQUENESS":
            return "UNIQUENESS" if self.entity == "NODE" else "RELATIONSHIP_UNIQUENESS"
        return f"{self.entity}_{self.type}"


SchemaObject = Index | Constraint


# The statements, as parsed (``kgmem.neo4j_schema.statement_syntax``).


@dataclass(frozen=True, slots=True)
class Create:
    """``CREATE ... INDEX|CONSTRAINT``; ``name`` None when the statement gives none
    (a name is then made as Neo4j does: ``index_<hash>`` / ``constraint_<hash>``)."""

    target: SchemaObject
    named: bool
    if_not_exists: bool


@dataclass(frozen=True, slots=True)
class Drop:
    """``DROP INDEX|CONSTRAINT name [IF EXISTS]``."""

    kind: Literal["INDEX", "CONSTRAINT"]
    name: str
    if_exists: bool


@dataclass(frozen=True, slots=True)
class Show:
    """``SHOW [ALL|RANGE|TEXT|POINT|VECTOR|FULLTEXT|LOOKUP] INDEXES`` or ``SHOW [ALL|
    UNIQUE|KEY|EXISTENCE|PROPERTY TYPE] CONSTRAINTS``, then the rest of the statement
    (``YIELD ... WHERE ... RETURN ...``) as written, answered like a procedure call's
    rows."""

    kind: Literal["INDEXES", "CONSTRAINTS"]
    filter: str  # "ALL" or the type word(s) as Neo4j writes them, upper case
    rest: str


Statement = Create | Drop | Show
