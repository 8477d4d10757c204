"""RANGE, TEXT and POINT indexes: PostgreSQL btree expression indexes on each label
table, over the expressions AGE's planner matches for ``n.p`` (one column per
property: a composite index is a multi-column btree).

- RANGE: equality, ranges (``<``, ``<=``, ``>``, ``>=``) and ordering, as in Neo4j.
- TEXT: the same btree; it speeds equality. ``STARTS WITH`` compiles in AGE to a
  function call the btree cannot serve, and ``CONTAINS`` / ``ENDS WITH`` neither.
- POINT: the same btree, honest only for equality of whole values: no spatial
  (distance, bounding box) search.

LOOKUP indexes need nothing built: each label already is a table of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kgmem.neo4j_schema.model import Index, SchemaObject
from kgmem.storage.neo4j_schema import expression_indexes
from kgmem.storage.neo4j_schema.names import pg_name
from kgmem.storage.neo4j_schema.population_sql import IndexBuild
from kgmem.storage.refs import NamespaceRef


class BtreeHandler:
    """Builds a btree expression index per table over the object's properties."""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    async def create(
        self, conn: Any, ns: NamespaceRef, obj: SchemaObject, tables: Sequence[str]
    ) -> None:
        for table in tables:
            await self.extend(conn, ns, obj, table)

    async def extend(self, conn: Any, ns: NamespaceRef, obj: SchemaObject, table: str) -> None:
        assert isinstance(obj, Index)
        name = pg_name(obj.name, table, self.suffix)
        await expression_indexes.create_btree(conn, ns, name, table, obj.properties)

    async def drop(
        self, conn: Any, ns: NamespaceRef, obj: SchemaObject, tables: Sequence[str]
    ) -> None:
        for table in tables:
            await expression_indexes.drop(conn, ns, pg_name(obj.name, table, self.suffix))

    def builds(self, ns: NamespaceRef, obj: SchemaObject, table: str) -> list[IndexBuild] | None:
        name = pg_name(obj.name, table, self.suffix)
        return [IndexBuild(name, expression_indexes.btree_sql(ns, name, table, obj.properties))]


class NothingHandler:
    """For objects kgmem's storage already provides (LOOKUP: a table per label)."""

    async def create(
        self, conn: Any, ns: NamespaceRef, obj: SchemaObject, tables: Sequence[str]
    ) -> None:
        return None

    async def extend(self, conn: Any, ns: NamespaceRef, obj: SchemaObject, table: str) -> None:
        return None

    async def drop(
        self, conn: Any, ns: NamespaceRef, obj: SchemaObject, tables: Sequence[str]
    ) -> None:
        return None

    def builds(self, ns: NamespaceRef, obj: SchemaObject, table: str) -> list[IndexBuild] | None:
        return None


RANGE = BtreeHandler("range")
TEXT = BtreeHandler("text")
POINT = BtreeHandler("point")
LOOKUP = NothingHandler()
