"""The declarative graph model: labels, their properties, and predicate semantics.

A ``GraphSchema`` is built by ``kgmem.schema.loader`` from ``graph_schema/*.toml``.
Labels not declared anywhere are still allowed (created on demand after their name
is validated); they get the common properties of their kind and no special
semantics: not functional, not causal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

LabelKind = Literal["vertex", "edge"]

PROPERTY_TYPES = frozenset(
    {
        "string",
        "integer",
        "float",
        "boolean",
        "datetime",
        "date",
        "string[]",
        "integer[]",
        "float[]",
        "map",
        "any",
    }
)

# Texts that are embedded and keyword-indexed for a vertex: its own, in this order, then
# its context ("preceding": an episode's session context, kgmem.ingest.session_context),
# which the keyword index weighs as half of its own (kgmem.embedding.entity_text).
VERTEX_OWN_TEXT_PROPERTIES = ("name", "summary", "description", "text")
VERTEX_CONTEXT_PROPERTY = "preceding"
VERTEX_TEXT_PROPERTIES = (*VERTEX_OWN_TEXT_PROPERTIES, VERTEX_CONTEXT_PROPERTY)


@dataclass(frozen=True, slots=True)
class PropertySpec:
    """A declared property: its type, whether it must be present, whether it is indexed."""

    name: str
    type: str
    required: bool = False
    indexed: bool = False


VALUE_KINDS = frozenset({"auto", "number", "date", "names", "string"})


@dataclass(frozen=True, slots=True)
class ValueType:
    """How consensus scoring compares the values of a predicate: ``kind`` is one of
    ``VALUE_KINDS`` (``auto``: numbers when they parse, else strings); numbers within
    ``max(abs_tol, rel_tol * |larger|)`` support each other; string similarity below
    ``min_string`` counts as none."""

    kind: str = "auto"
    rel_tol: float = 0.01
    abs_tol: float = 1.0
    min_string: float = 0.5


@dataclass(frozen=True, slots=True)
class LabelSpec:
    """A vertex or edge label and what the model says about it."""

    name: str
    kind: LabelKind
    description: str = ""
    properties: Mapping[str, PropertySpec] = field(default_factory=dict)
    functional: bool = False
    causal: bool = False
    declared_in: str = ""
    value: ValueType = field(default_factory=ValueType)
    object_label: str | None = None
    """Edges: the label of an entity first met as this edge's object (a place one
    lives in), where nothing else tells its type."""


@dataclass(frozen=True, slots=True)
class GraphSchema:
    """All declared labels, plus the properties every vertex or edge label shares."""

    vertices: Mapping[str, LabelSpec]
    edges: Mapping[str, LabelSpec]
    common_vertex: Mapping[str, PropertySpec] = field(default_factory=dict)
    common_edge: Mapping[str, PropertySpec] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    _adhoc: dict[tuple[str, LabelKind], LabelSpec] = field(
        default_factory=dict, compare=False, repr=False
    )

    def label(self, name: str, kind: LabelKind) -> LabelSpec:
        """The spec of ``name`` as a ``kind`` label, declared or on-demand."""
        declared = (self.vertices if kind == "vertex" else self.edges).get(name)
        if declared is not None:
            return declared
        spec = self._adhoc.get((name, kind))
        if spec is None:
            common = self.common_vertex if kind == "vertex" else self.common_edge
            spec = self._adhoc[(name, kind)] = LabelSpec(name=name, kind=kind, properties=common)
        return spec

    def kind_of(self, name: str) -> LabelKind | None:
        """``vertex`` or ``edge`` if the schema declares ``name``, else None."""
        if name in self.vertices:
            return "vertex"
        if name in self.edges:
            return "edge"
        return None

    def is_functional(self, predicate: str) -> bool:
        """Whether a subject has at most one current value of ``predicate``."""
        spec = self.edges.get(predicate)
        return spec is not None and spec.functional

    def object_label(self, predicate: str) -> str:
        """The label a new entity named as ``predicate``'s object gets (``Entity``
        unless the edge declares one)."""
        spec = self.edges.get(predicate)
        return spec.object_label or "Entity" if spec is not None else "Entity"

    def value_type(self, predicate: str) -> ValueType:
        """How the values of ``predicate`` are compared (``auto`` when undeclared)."""
        spec = self.edges.get(predicate)
        return spec.value if spec is not None else ValueType()

    def is_causal(self, predicate: str) -> bool:
        """Whether ``predicate`` edges are cause-and-effect links."""
        spec = self.edges.get(predicate)
        return spec is not None and spec.causal

    def indexed_properties(self, name: str, kind: LabelKind) -> tuple[str, ...]:
        """Property names to index on the label table besides ``uid``."""
        spec = self.label(name, kind)
        return tuple(sorted(p.name for p in spec.properties.values() if p.indexed))
