"""APOC's virtual graph of the schema: ``apoc.meta.graph(config)`` and
``apoc.meta.subGraph(config)``.

One virtual node per label (label the label, properties ``name`` and ``count``), one
virtual relationship per (start label, type, end label) seen in the sample, with
properties ``type`` and ``count``, as APOC gives them; virtual elements have negative
ids, as ``db.schema.visualization()``'s. neo4j-graphrag and LlamaIndex read the counts
back with ``apoc.any.property(rel, 'count')``. ``subGraph`` takes ``labels``, ``rels``
and ``excludes`` (or ``includeLabels``, ``includeRels``, ``excludeLabels``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kgmem.procedures import graph_sample
from kgmem.procedures.graph_sample import Config, Sample
from kgmem.procedures.registry import Procedure, Reader, procedure


def virtual_graph(sample: Sample) -> list[list[Any]]:
    """The one row (nodes, relationships) of the virtual graph of ``sample``."""
    ids = {label: -(n + 1) for n, label in enumerate(sample.nodes)}
    nodes = [
        {"kind": "node", "id": ids[label], "label": label,
         "properties": {"name": label, "count": elements.count}}
        for label, elements in sample.nodes.items()
    ]  # fmt: skip
    relationships: list[dict[str, Any]] = []
    for pattern in sample.patterns:
        for end in pattern.ends:
            if end not in ids:
                continue
            relationships.append({
                "kind": "relationship", "id": -(len(relationships) + 1), "label": pattern.type,
                "start": ids[pattern.start], "end": ids[end],
                "properties": {"type": pattern.type, "count": pattern.count},
            })  # fmt: skip
    return [[nodes, relationships]]


async def _graph(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    return virtual_graph(await graph_sample.read(reader, Config.read(args["config"])))


_OUTPUTS = "(nodes :: LIST OF NODE, relationships :: LIST OF RELATIONSHIP)"

PROCEDURES: tuple[Procedure, ...] = (
    procedure(
        f"apoc.meta.graph(config = {{}} :: MAP) :: {_OUTPUTS}", _graph,
        description="Examines the full graph and returns a meta-graph.",
    ),
    procedure(
        f"apoc.meta.subGraph(config = {{}} :: MAP) :: {_OUTPUTS}", _graph,
        description="Examines the given sub-graph and returns a meta-graph.",
    ),
)  # fmt: skip
