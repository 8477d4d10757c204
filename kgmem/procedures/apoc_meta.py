"""APOC's tabular description of the graph: ``apoc.meta.data(config)`` and
``apoc.meta.schema(config)``, read from a sample (``kgmem.procedures.graph_sample``)
and the declared indexes and constraints.

``apoc.meta.data`` yields, as APOC does, one row per (label, property) with the
property's type (``elementType`` ``node``), one per (type, property) of relationships
(``relationship``), and one per (label, relationship type) going out of that label's
nodes: ``type`` ``RELATIONSHIP``, ``property`` the type, ``other`` the labels at the
other end. LangChain's ``Neo4jGraph``, LlamaIndex's property graph store and
neo4j-graphrag build their schema text from these three kinds of rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from kgmem.neo4j_schema import show
from kgmem.procedures import graph_sample
from kgmem.procedures.graph_sample import Config, Elements, Pattern, Sample
from kgmem.procedures.registry import Procedure, Reader, procedure

Row = dict[str, Any]
_OUTPUTS = (
    "label :: STRING, property :: STRING, count :: INTEGER, unique :: BOOLEAN, "
    "index :: BOOLEAN, existence :: BOOLEAN, type :: STRING, array :: BOOLEAN, "
    "sample :: LIST OF ANY?, left :: INTEGER, right :: INTEGER, other :: LIST OF STRING, "
    "otherLabels :: LIST OF STRING, elementType :: STRING"
)


class Declared:
    """Which (label, property) pairs an index, a uniqueness or an existence rule covers."""

    def __init__(self, indexes: list[Row], constraints: list[Row]) -> None:
        self.indexed = {
            (label, row["properties"][0])
            for row in indexes
            if row["labelsOrTypes"] and row["properties"]
            for label in row["labelsOrTypes"]
        }
        self.unique = _covered(constraints, ("UNIQUENESS", "RELATIONSHIP_UNIQUENESS", "NODE_KEY",
                                             "RELATIONSHIP_KEY"))  # fmt: skip
        self.existence = _covered(constraints, ("NODE_PROPERTY_EXISTENCE", "NODE_KEY",
                                                "RELATIONSHIP_PROPERTY_EXISTENCE",
                                                "RELATIONSHIP_KEY"))  # fmt: skip

    @classmethod
    async def read(cls, reader: Reader) -> Declared:
        indexes = await show.index_rows(reader, {"filter": "ALL"})
        constraints = await show.constraint_rows(reader, {"filter": "ALL"})
        return cls([r for r in indexes if not r["name"].startswith("kgmem_")], constraints)


def _covered(constraints: list[Row], kinds: tuple[str, ...]) -> set[tuple[str, str]]:
    return {
        (row["labelsOrTypes"][0], prop)
        for row in constraints
        if row["type"] in kinds and len(row["properties"]) == 1
        for prop in row["properties"]
    }


def _property_rows(elements: Elements, kind: str, declared: Declared) -> list[Row]:
    rows = []
    for key, seen in graph_sample.property_types(elements).items():
        name = _most_common(seen)
        pair = (elements.name, key)
        rows.append({
            "label": elements.name, "property": key, "count": 0,
            "unique": pair in declared.unique, "index": pair in declared.indexed,
            "existence": pair in declared.existence, "type": name, "array": name == "LIST",
            "sample": None, "left": 0, "right": 0, "other": [], "otherLabels": [],
            "elementType": kind,
        })  # fmt: skip
    return rows


def _most_common(seen: Counter[str]) -> str:
    return max(seen.items(), key=lambda item: item[1])[0]


def _pattern_row(pattern: Pattern) -> Row:
    left = round(pattern.count / pattern.starts) if pattern.starts else 0
    right = round(pattern.count / pattern.end_nodes) if pattern.end_nodes else 0
    return {
        "label": pattern.start, "property": pattern.type, "count": pattern.count,
        "unique": False, "index": False, "existence": False, "type": "RELATIONSHIP",
        "array": left > 1, "sample": None, "left": left, "right": right,
        "other": list(pattern.ends), "otherLabels": [], "elementType": "node",
    }  # fmt: skip


def data_rows(sample: Sample, declared: Declared) -> list[Row]:
    """The rows of ``apoc.meta.data`` for ``sample``."""
    rows: list[Row] = []
    patterns: dict[str, list[Pattern]] = {}
    for pattern in sample.patterns:
        patterns.setdefault(pattern.start, []).append(pattern)
    for label, elements in sample.nodes.items():
        rows += [_pattern_row(p) for p in patterns.get(label, [])]
        rows += _property_rows(elements, "node", declared)
    for elements in sample.relationships.values():
        rows += _property_rows(elements, "relationship", declared)
    return rows


async def _data(reader: Reader, args: Mapping[str, Any]) -> list[Row]:
    sample = await graph_sample.read(reader, Config.read(args["config"]))
    return data_rows(sample, await Declared.read(reader))


def _properties(elements: Elements, declared: Declared) -> dict[str, Any]:
    found = {}
    for row in _property_rows(elements, "", declared):
        found[row["property"]] = {
            "type": row["type"], "indexed": row["index"], "unique": row["unique"],
            "existence": row["existence"], "array": row["array"],
        }  # fmt: skip
    return found


def schema_value(sample: Sample, declared: Declared) -> dict[str, Any]:
    """The map of ``apoc.meta.schema``: each label and relationship type by name."""
    value: dict[str, Any] = {}
    for label, elements in sample.nodes.items():
        others = sorted({other for s in elements.label_sets for other in s if other != label})
        outgoing = {
            p.type: {"direction": "out", "count": p.count, "labels": list(p.ends),
                     "properties": _properties(sample.relationships[p.type], declared)}
            for p in sample.patterns if p.start == label
        }  # fmt: skip
        value[label] = {
            "type": "node", "count": elements.count, "labels": others,
            "properties": _properties(elements, declared), "relationships": outgoing,
        }  # fmt: skip
    for kind, elements in sample.relationships.items():
        value.setdefault(kind, {
            "type": "relationship", "count": elements.count,
            "properties": _properties(elements, declared),
        })  # fmt: skip
    return value


async def _schema(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    sample = await graph_sample.read(reader, Config.read(args["config"]))
    return [[schema_value(sample, await Declared.read(reader))]]


PROCEDURES: tuple[Procedure, ...] = (
    procedure(
        f"apoc.meta.data(config = {{}} :: MAP) :: ({_OUTPUTS})", _data,
        description="Examines the full graph and returns a table of metadata.",
    ),
    procedure(
        "apoc.meta.schema(config = {} :: MAP) :: (value :: MAP)", _schema,
        description="Examines the given sub-graph and returns metadata as a map.",
    ),
)  # fmt: skip
