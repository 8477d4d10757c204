"""VECTOR indexes: ``CREATE VECTOR INDEX name FOR (n:L) ON n.p OPTIONS {indexConfig:
{`vector.dimensions`: d, `vector.similarity_function`: 'cosine'|'euclidean'}}``, on
nodes and relationships, backed by a pgvector HNSW expression index on each label
table (``kgmem.storage.neo4j_schema.vector_sql``), whatever embedding model the
namespace itself uses.

As in Neo4j 5: the dimension may be left out (any list of numbers is then indexed,
and a query compares only vectors of its own dimension: kgmem answers such an index
by exact search, pgvector's HNSW needing one dimension); the similarity function
defaults to cosine; a property that is not valid to the index (another dimension,
not a list of finite numbers, norm 0 for cosine) is stored but not indexed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kgmem.errors import CypherSemanticError
from kgmem.neo4j_schema.model import Index, SchemaObject
from kgmem.storage.neo4j_schema import expression_indexes, vector_sql
from kgmem.storage.neo4j_schema.names import pg_name
from kgmem.storage.neo4j_schema.population_sql import IndexBuild
from kgmem.storage.neo4j_schema.vector_sql import MAX_DIMENSIONS, Vectors
from kgmem.storage.refs import NamespaceRef

SIMILARITIES = ("cosine", "euclidean")
_DIMENSIONS = "vector.dimensions"
_SIMILARITY = "vector.similarity_function"
# Accepted as Neo4j accepts them; pgvector's HNSW keeps its own defaults.
_ACCEPTED = frozenset(
    {_DIMENSIONS, _SIMILARITY, "vector.quantization.enabled", "vector.hnsw.m",
     "vector.hnsw.ef_construction"}
)  # fmt: skip
_SUFFIX = "vector"


def vectors(index: Index) -> Vectors:
    """What ``index`` reads, from its ``OPTIONS``; ``CypherSemanticError`` for options
    Neo4j refuses too (unknown keys, a dimension outside 1..4096, another function)."""
    config = _config(index.options)
    unknown = sorted(set(config) - _ACCEPTED)
    if unknown:
        raise CypherSemanticError(
            f"Invalid index config key '{unknown[0]}' for a vector index: "
            f"the keys are {', '.join(sorted(_ACCEPTED))}"
        )
    return Vectors(index.properties[0], _dimensions(config), _similarity(config))


def _config(options: Mapping[str, Any]) -> Mapping[str, Any]:
    extra = sorted(set(options) - {"indexConfig", "indexProvider"})
    if extra:
        raise CypherSemanticError(f"Invalid option '{extra[0]}': a vector index takes indexConfig")
    config = options.get("indexConfig", {})
    if not isinstance(config, Mapping):
        raise CypherSemanticError("indexConfig must be a map")
    return config


def _dimensions(config: Mapping[str, Any]) -> int:
    found = config.get(_DIMENSIONS)
    if found is None:
        return 0
    if isinstance(found, bool) or not isinstance(found, int) or not 1 <= found <= MAX_DIMENSIONS:
        raise CypherSemanticError(
            f"'{_DIMENSIONS}' must be an integer between 1 and {MAX_DIMENSIONS} inclusive, "
            f"not {found!r}"
        )
    return found


def _similarity(config: Mapping[str, Any]) -> str:
    found = config.get(_SIMILARITY, "cosine")
    if not isinstance(found, str) or found.lower() not in SIMILARITIES:
        raise CypherSemanticError(f"'{_SIMILARITY}' must be 'cosine' or 'euclidean', not {found!r}")
    return found.lower()


class VectorHandler:
    """Builds the HNSW index of a vector index on each label table."""

    async def create(
        self, conn: Any, ns: NamespaceRef, obj: SchemaObject, tables: Sequence[str]
    ) -> None:
        assert isinstance(obj, Index)
        vectors(obj)  # the options checked even for a label without a table yet
        for table in tables:
            await self.extend(conn, ns, obj, table)

    async def extend(self, conn: Any, ns: NamespaceRef, obj: SchemaObject, table: str) -> None:
        assert isinstance(obj, Index)
        # the procedures' rows are matched back by id(n): the table needs that index too
        await vector_sql.id_index(conn, ns, table, obj.entity == "NODE")
        await vector_sql.create(conn, ns, pg_name(obj.name, table, _SUFFIX), table, vectors(obj))

    async def drop(
        self, conn: Any, ns: NamespaceRef, obj: SchemaObject, tables: Sequence[str]
    ) -> None:
        for table in tables:
            await expression_indexes.drop(conn, ns, pg_name(obj.name, table, _SUFFIX))

    def builds(self, ns: NamespaceRef, obj: SchemaObject, table: str) -> list[IndexBuild] | None:
        assert isinstance(obj, Index)
        name = pg_name(obj.name, table, _SUFFIX)
        steps = [IndexBuild(None, vector_sql.id_index_sql(ns, table, obj.entity == "NODE"))]
        sql = vector_sql.index_sql(ns, name, table, vectors(obj))
        return steps if sql is None else [*steps, IndexBuild(name, sql)]


HANDLER = VectorHandler()
