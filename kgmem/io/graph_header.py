"""What a file says of its graph as a whole, apart from its nodes and edges, and how an
export reads it back from the store (``kgmem.graph_attribute``, migration 0040).

- GraphML and GML: the graph-level attributes (GraphML ``<data>`` of the ``<graph>``,
  GML keys of ``graph [...]``, networkx's ``G.graph``) and whether edges are directed
  (``edgedefault``, ``directed 0/1``). An import also records the relationship type its
  unlabelled edges took (``--edge-type``), so that a ``plain`` export leaves it out again.
- Turtle, TriG, RDF/XML: the prefixes the file declared, which the Turtle, TriG and
  RDF/XML exports write again instead of full IRIs.

A later import's value of a name replaces the earlier one; a namespace that no graph
file said otherwise of is directed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class GraphHeader:
    """A file's graph-level part, read with its records: ``directed`` None when the
    format does not say (RDF)."""

    directed: bool | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)

    def rows(self, edge_type: str) -> list[tuple[str, str, Any]]:
        """The (kind, name, value) rows to store; ``edge_type`` the type the import gave
        unlabelled edges (stored with the shape of a graph-tool file)."""
        rows: list[tuple[str, str, Any]] = [("attribute", k, v) for k, v in self.attributes.items()]
        rows += [("prefix", k, v) for k, v in self.prefixes.items()]
        if self.directed is not None:
            rows += [("shape", "directed", self.directed), ("shape", "edge_type", edge_type)]
        return rows


@dataclass(frozen=True, slots=True)
class GraphShape:
    """What an export writes of the graph as a whole (from the stored rows)."""

    directed: bool = True
    edge_type: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Sequence[tuple[str, str, Any]]) -> GraphShape:
        """The shape the stored (kind, name, value) rows describe."""
        by_kind: dict[str, dict[str, Any]] = {"attribute": {}, "shape": {}, "prefix": {}}
        for kind, name, value in rows:
            by_kind.setdefault(kind, {})[name] = value
        shape = by_kind["shape"]
        return cls(
            directed=shape.get("directed", True) is not False,
            edge_type=shape.get("edge_type"),
            attributes=by_kind["attribute"],
            prefixes=by_kind["prefix"],
        )
