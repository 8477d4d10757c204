"""Neo4j's vector index procedures:

- ``db.index.vector.queryNodes(indexName, numberOfNearestNeighbours, query) :: (node,
  score)`` and ``db.index.vector.queryRelationships(...) :: (relationship, score)``:
  the approximate nearest neighbours from the index's HNSW indexes (one SQL
  statement through ``Reader.sql``), best first, scored as Neo4j scores them. They
  yield graph ids, which the Cypher path matches back to real nodes and
  relationships (``kgmem.cypher.calls``).
- ``db.create.setNodeVectorProperty(node, key, vector)`` and
  ``db.create.setRelationshipVectorProperty(...)``: declared here (so ``SHOW
  PROCEDURES`` lists them) but answered by rewriting the call into ``SET``
  (``kgmem.neo4j_schema.vector_writes``), since they write the query's own variables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from kgmem.errors import ProcedureFailed
from kgmem.graph import deadline
from kgmem.neo4j_schema import handlers, population, vector
from kgmem.neo4j_schema.model import Entity, Index
from kgmem.procedures.registry import Procedure, Reader, procedure
from kgmem.storage.neo4j_schema import catalog, vector_sql

Rows = list[list[Any]]
_FLOAT32_MAX = 3.4028234663852886e38


async def declared_indexes(reader: Reader) -> list[Index]:
    """The namespace's declared indexes (none before the first declaration)."""
    exists = await reader.sql(catalog.EXISTS_SQL)
    if not exists or not exists[0][0]:
        return []
    rows = await reader.sql(catalog.SELECT_SQL)
    return [obj for obj in map(catalog.from_row, rows) if isinstance(obj, Index)]


async def _index(reader: Reader, name: Any, entity: Entity, procedure_name: str) -> Index:
    found = [i for i in await declared_indexes(reader) if i.name == name]
    if not found or found[0].type != "VECTOR":
        raise ProcedureFailed(
            f"Failed to invoke procedure `{procedure_name}`: There is no such vector schema "
            f"index: {name}"
        )
    if found[0].state != "ONLINE":  # populating in the background: wait, as Neo4j does
        await population.wait_online(reader, [found[0].name], deadline.remaining(60.0))
    if found[0].entity != entity:
        what = "node" if entity == "NODE" else "relationship"
        raise ProcedureFailed(
            f"Failed to invoke procedure `{procedure_name}`: the vector index {name} is not "
            f"a {what} index"
        )
    return found[0]


def query_text(query: Any, dimensions: int, procedure_name: str) -> str:
    """``query`` as pgvector's text, checked: a non-empty list of finite numbers, of
    ``dimensions`` numbers when that is not 0."""
    if (
        not isinstance(query, list)
        or not query
        or not all(_number(x) and abs(x) <= _FLOAT32_MAX for x in query)
    ):
        raise ProcedureFailed(
            f"Failed to invoke procedure `{procedure_name}`: the query vector must be a "
            "non-empty list of finite numbers"
        )
    if dimensions and len(query) != dimensions:
        raise ProcedureFailed(
            f"Failed to invoke procedure `{procedure_name}`: Index query vector has "
            f"{len(query)} dimensions, but indexed vectors have {dimensions}."
        )
    return "[" + ",".join(repr(float(x)) for x in query) + "]"


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


async def nearest(reader: Reader, args: Mapping[str, Any], entity: Entity, name: str) -> Rows:
    """The rows of ``queryNodes`` / ``queryRelationships``: (graph id, score)."""
    index = await _index(reader, args["indexName"], entity, name)
    k = args["numberOfNearestNeighbours"]
    if k is None or k < 1:
        raise ProcedureFailed(
            f"Failed to invoke procedure `{name}`: 'numberOfNearestNeighbours' must be "
            f"positive, not {k}"
        )
    read = vector.vectors(index)
    text = query_text(args["query"], read.dimensions, name)
    sql = vector_sql.nearest_sql(handlers.tables_named(index)[0], read)
    rows: Sequence[Sequence[Any]] = await reader.sql(sql, text, k, str(vector_sql.ef_search(k)))
    return [[int(row[0]), float(row[1])] for row in rows]


async def _query_nodes(reader: Reader, args: Mapping[str, Any]) -> Rows:
    return await nearest(reader, args, "NODE", "db.index.vector.queryNodes")


async def _query_relationships(reader: Reader, args: Mapping[str, Any]) -> Rows:
    return await nearest(reader, args, "RELATIONSHIP", "db.index.vector.queryRelationships")


async def _not_rewritten(reader: Reader, args: Mapping[str, Any]) -> Rows:
    raise ProcedureFailed(
        "db.create.setNodeVectorProperty and db.create.setRelationshipVectorProperty take a "
        "variable of the query, a property key (a string or a parameter) and a vector"
    )


_QUERY_ARGS = "indexName :: STRING, numberOfNearestNeighbours :: INTEGER, query :: ANY"

PROCEDURES: tuple[Procedure, ...] = (
    procedure(
        f"db.index.vector.queryNodes({_QUERY_ARGS}) :: (node :: NODE, score :: FLOAT)",
        _query_nodes,
        description="Query the given node vector index. Returns the requested number of "
        "approximate nearest neighbor nodes and their similarity score, ordered by score.",
    ),
    procedure(
        f"db.index.vector.queryRelationships({_QUERY_ARGS}) :: "
        "(relationship :: RELATIONSHIP, score :: FLOAT)",
        _query_relationships,
        description="Query the given relationship vector index. Returns the requested number "
        "of approximate nearest neighbor relationships and their similarity score, ordered "
        "by score.",
    ),
    procedure(
        "db.create.setNodeVectorProperty(node :: NODE, key :: STRING, vector :: ANY) :: VOID",
        _not_rewritten,
        mode="write",
        description="Set a vector property on a given node.",
    ),
    procedure(
        "db.create.setRelationshipVectorProperty(relationship :: RELATIONSHIP, key :: STRING, "
        "vector :: ANY) :: VOID",
        _not_rewritten,
        mode="write",
        description="Set a vector property on a given relationship.",
    ),
)
"""The vector procedures, registered with the built-ins (``kgmem.procedures.builtin``)."""
