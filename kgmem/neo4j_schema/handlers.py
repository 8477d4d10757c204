"""Who builds each kind of declared object: a registry from an index type or a
constraint type to its ``Handler``.

A handler builds PostgreSQL objects on the label tables that hold the object's
elements (the label's table and every table inheriting from it):

- ``create(conn, ns, obj, tables)``: build on each table of ``tables``; raise a kgmem
  error for bad options or for existing data that violates the object;
- ``extend(conn, ns, obj, table)``: build on one more table (a composite label table,
  before it inherits from the label's, ``kgmem.storage.graph.label_sets``);
- ``drop(conn, ns, obj, tables)``: remove what ``create`` and ``extend`` built;
- ``builds(ns, obj, table)``: the steps that build it on one table, for an index
  populated in the background (``kgmem.neo4j_schema.population``), or None for a kind
  always built in its statement (constraints: they check the existing data at once).

PostgreSQL objects are named by ``kgmem.storage.neo4j_schema.names.pg_name`` from
(object name, table), so ``drop`` finds them without remembering anything. Each kind's
module registers its handler below, one line each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from kgmem.cypher import label_sets
from kgmem.neo4j_schema.model import Constraint, Index, SchemaObject
from kgmem.storage.neo4j_schema.population_sql import IndexBuild
from kgmem.storage.refs import NamespaceRef


class Handler(Protocol):
    """Builds, extends and drops one kind of declared object (see the module doc)."""

    async def create(
        self, conn: Any, ns: NamespaceRef, obj: SchemaObject, tables: Sequence[str]
    ) -> None: ...

    async def extend(self, conn: Any, ns: NamespaceRef, obj: SchemaObject, table: str) -> None: ...

    async def drop(
        self, conn: Any, ns: NamespaceRef, obj: SchemaObject, tables: Sequence[str]
    ) -> None: ...

    def builds(
        self, ns: NamespaceRef, obj: SchemaObject, table: str
    ) -> list[IndexBuild] | None: ...


def _handlers() -> dict[str, Handler]:
    # Imported here: the handler modules import storage code that imports the model.
    from kgmem.neo4j_schema import constraints, fulltext, vector
    from kgmem.neo4j_schema import range as range_

    return {
        "INDEX:RANGE": range_.RANGE,
        "INDEX:TEXT": range_.TEXT,
        "INDEX:POINT": range_.POINT,
        "INDEX:LOOKUP": range_.LOOKUP,
        "INDEX:VECTOR": vector.HANDLER,
        "INDEX:FULLTEXT": fulltext.HANDLER,
        "CONSTRAINT:UNIQUENESS": constraints.HANDLER,
        "CONSTRAINT:KEY": constraints.HANDLER,
        "CONSTRAINT:PROPERTY_EXISTENCE": constraints.HANDLER,
        "CONSTRAINT:PROPERTY_TYPE": constraints.HANDLER,
    }


def key(obj: SchemaObject) -> str:
    """The registry key of ``obj``: ``INDEX:<type>`` or ``CONSTRAINT:<type>``."""
    return f"{'INDEX' if isinstance(obj, Index) else 'CONSTRAINT'}:{obj.type}"


def handler(obj: SchemaObject) -> Handler | None:
    """The handler of ``obj``'s kind, or None when no module registered one."""
    return _handlers().get(key(obj))


def labels_of(obj: SchemaObject) -> tuple[str, ...]:
    """The labels or relationship types ``obj`` covers."""
    return (obj.label,) if isinstance(obj, Constraint) else obj.labels


def tables_named(obj: SchemaObject) -> tuple[str, ...]:
    """The AGE labels of what ``obj`` covers, the names of their tables: a label or type
    AGE cannot hold as it is (``Big Co``) is stored under another name
    (``kgmem.cypher.label_sets.stored``)."""
    return tuple(map(label_sets.stored, labels_of(obj)))
