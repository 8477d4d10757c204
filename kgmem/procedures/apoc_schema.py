"""APOC's view of the declared schema: ``apoc.schema.nodes(config)``,
``apoc.schema.relationships(config)`` and ``apoc.schema.properties.distinct(label, key)``.

``apoc.schema.nodes`` lists the node indexes (not LOOKUP ones, nor kgmem's own uid
indexes) and node constraints declared in the namespace, as APOC 5 does: an index's
``size`` is the number of nodes it holds and ``valuesSelectivity`` its distinct values
over that size (neo4j-graphrag and LlamaIndex multiply the two to decide whether to
list a property's values). Both are counted when asked, with one read per index.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kgmem.neo4j_schema import show
from kgmem.procedures.graph_sample import quoted
from kgmem.procedures.registry import Procedure, Reader, procedure

Row = dict[str, Any]
_OUTPUTS = (
    "name :: STRING, label :: ANY, properties :: LIST OF STRING, status :: STRING, "
    "type :: STRING, failure :: STRING, populationProgress :: FLOAT, size :: INTEGER, "
    "valuesSelectivity :: FLOAT, userDescription :: STRING"
)
_REL_OUTPUTS = (
    "name :: STRING, type :: STRING, properties :: LIST OF STRING, status :: STRING, "
    "relationshipType :: ANY"
)
_CONSTRAINT_TYPES = {"UNIQUENESS": "UNIQUENESS", "NODE_KEY": "NODE_KEY",
                     "NODE_PROPERTY_EXISTENCE": "NODE_PROPERTY_EXISTENCE"}  # fmt: skip


def _own(row: Row) -> bool:
    """The lookup indexes and those constraints own are not APOC's rows."""
    return row["type"] == "LOOKUP" or row["owningConstraint"] is not None


async def _counts(reader: Reader, label: str, properties: list[str]) -> tuple[int, float]:
    values = ", ".join(f"n.{quoted(p)}" for p in properties)
    present = " AND ".join(f"n.{quoted(p)} IS NOT NULL" for p in properties)
    result = await reader.cypher(
        f"MATCH (n:{quoted(label)}) WHERE {present} RETURN count(n), count(DISTINCT [{values}])"
    )
    size, distinct = result.rows[0]
    return int(size), (float(distinct) / size if size else 1.0)


async def _index_row(reader: Reader, row: Row) -> Row:
    label, properties = row["labelsOrTypes"][0], list(row["properties"])
    size, selectivity = await _counts(reader, label, properties)
    return {
        "name": row["name"], "label": label, "properties": properties, "status": row["state"],
        "type": row["type"], "failure": "NO FAILURE", "populationProgress": 100.0,
        "size": size, "valuesSelectivity": selectivity, "userDescription": _describe(row),
    }  # fmt: skip


def _describe(row: Row) -> str:
    labels = ", ".join(f"'{label}'" for label in row["labelsOrTypes"])
    properties = ", ".join(f"'{p}'" for p in row["properties"])
    return (
        f"name='{row['name']}', type='{row['type']}', schema=(:{labels} {{{properties}}}), "
        f"indexProvider='{row['indexProvider']}'"
    )


def _constraint_row(row: Row) -> Row:
    return {
        "name": row["name"], "label": row["labelsOrTypes"][0],
        "properties": list(row["properties"]), "status": "", "type": row["type"],
        "failure": "NO FAILURE", "populationProgress": 100.0, "size": 0,
        "valuesSelectivity": 0.0, "userDescription": row["createStatement"],
    }  # fmt: skip


async def _nodes(reader: Reader, args: Mapping[str, Any]) -> list[Row]:
    indexes = await show.index_rows(reader, {"filter": "ALL"})
    constraints = await show.constraint_rows(reader, {"filter": "ALL"})
    rows = [
        await _index_row(reader, row)
        for row in indexes
        if row["entityType"] == "NODE" and not _own(row) and row["type"] != "FULLTEXT"
    ]
    rows += [_constraint_row(r) for r in constraints if r["type"] in _CONSTRAINT_TYPES]
    return sorted(rows, key=lambda r: (r["label"], r["name"]))


async def _relationships(reader: Reader, args: Mapping[str, Any]) -> list[Row]:
    indexes = await show.index_rows(reader, {"filter": "ALL"})
    constraints = await show.constraint_rows(reader, {"filter": "ALL"})
    rows = [
        {"name": r["name"], "type": r["type"], "properties": list(r["properties"]),
         "status": r["state"], "relationshipType": r["labelsOrTypes"][0]}
        for r in indexes if r["entityType"] == "RELATIONSHIP" and not _own(r)
    ]  # fmt: skip
    rows += [
        {"name": r["name"], "type": r["type"], "properties": list(r["properties"]),
         "status": "", "relationshipType": r["labelsOrTypes"][0]}
        for r in constraints if r["entityType"] == "RELATIONSHIP"
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (r["relationshipType"], r["name"]))


async def _distinct(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    label, key = args["label"], args["key"]
    if not label or not key:
        return [[[]]]
    result = await reader.cypher(
        f"MATCH (n:{quoted(label)}) WHERE n.{quoted(key)} IS NOT NULL "
        f"RETURN collect(DISTINCT n.{quoted(key)})"
    )
    return [[result.rows[0][0] or []]]


PROCEDURES: tuple[Procedure, ...] = (
    procedure(
        f"apoc.schema.nodes(config = {{}} :: MAP) :: ({_OUTPUTS})", _nodes,
        description="Returns all indexes and constraints information for all node labels in "
        "the database.",
    ),
    procedure(
        f"apoc.schema.relationships(config = {{}} :: MAP) :: ({_REL_OUTPUTS})", _relationships,
        description="Returns the indexes and constraints information for all the relationship "
        "types in the database.",
    ),
    procedure(
        "apoc.schema.properties.distinct(label :: STRING, key :: STRING) :: "
        "(value :: LIST OF ANY)", _distinct,
        description="Returns all distinct node property values for the given key.",
    ),
)  # fmt: skip
