"""Neo4j's ``db.schema.nodeTypeProperties()`` and ``db.schema.relTypeProperties()``:
per node label set (``:`A`:`B```) or relationship type, each property with the types
its values have (Neo4j's names: ``String``, ``Long``, ``Double``, ``Boolean``,
``StringArray`` ...) and whether every element has it, read from a sample of each
label and type (``kgmem.procedures.graph_sample``). A label set or type without
properties has one row whose property columns are null.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kgmem.procedures import graph_sample
from kgmem.procedures.graph_sample import Config, quoted
from kgmem.procedures.registry import Procedure, Reader, procedure

_SCALARS = {"STRING": "String", "INTEGER": "Long", "FLOAT": "Double", "BOOLEAN": "Boolean",
            "MAP": "Map", "DATE": "Date", "DATE_TIME": "DateTime",
            "LOCAL_DATE_TIME": "LocalDateTime", "TIME": "Time", "LOCAL_TIME": "LocalTime",
            "DURATION": "Duration", "POINT": "Point", "BYTE_ARRAY": "ByteArray"}  # fmt: skip


def neo4j_type(value: Any) -> str:
    """The type Neo4j's schema procedures name for ``value``."""
    if isinstance(value, list):
        first = next((v for v in value if v is not None), "")
        return _SCALARS.get(graph_sample.type_name(first), "String") + "Array"
    return _SCALARS.get(graph_sample.type_name(value), "String")


def typed_rows(
    maps: Sequence[Mapping[str, Any]],
) -> list[tuple[str | None, list[str] | None, bool]]:
    """(property, types, mandatory) for each property of ``maps``; one null row when none."""
    seen: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for properties in maps:
        for key, value in properties.items():
            seen.setdefault(key, set()).add(neo4j_type(value))
            counts[key] = counts.get(key, 0) + 1
    if not seen:
        return [(None, None, False)]
    return [(key, sorted(types), counts[key] == len(maps)) for key, types in seen.items()]


def _by_label_set(samples: Iterable[graph_sample.Elements]) -> dict[tuple[str, ...], list[Any]]:
    """Each node once: in the sample of the first of its labels."""
    found: dict[tuple[str, ...], list[Any]] = {}
    for elements in samples:
        for labels, properties in zip(elements.label_sets, elements.properties, strict=True):
            if labels and labels[0] == elements.name:
                found.setdefault(labels, []).append(properties)
    return found


async def _node_types(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    sample = await graph_sample.read(reader, Config())
    rows = []
    for labels, maps in sorted(_by_label_set(sample.nodes.values()).items()):
        name = ":" + ":".join(quoted(label) for label in labels)
        rows += [[name, list(labels), *row] for row in typed_rows(maps)]
    return rows


async def _rel_types(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    sample = await graph_sample.read(reader, Config())
    return [
        [":" + quoted(kind), *row]
        for kind, elements in sample.relationships.items()
        for row in typed_rows(elements.properties)
    ]


PROCEDURES: tuple[Procedure, ...] = (
    procedure(
        "db.schema.nodeTypeProperties() :: (nodeType :: STRING, nodeLabels :: LIST OF STRING, "
        "propertyName :: STRING?, propertyTypes :: LIST OF STRING?, mandatory :: BOOLEAN)",
        _node_types, description="Show the derived property schema of the nodes in tabular form.",
    ),
    procedure(
        "db.schema.relTypeProperties() :: (relType :: STRING, propertyName :: STRING?, "
        "propertyTypes :: LIST OF STRING?, mandatory :: BOOLEAN)",
        _rel_types,
        description="Show the derived property schema of the relationships in tabular form.",
    ),
)  # fmt: skip
