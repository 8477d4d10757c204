"""What a batch of an import writes: vertex and edge operations, how their side-row
texts are made, the batch's counters and context."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from kgmem.schema import GraphSchema
from kgmem.storage.graph.labels import LabelCatalog
from kgmem.storage.graph.property_merge import merge_properties
from kgmem.storage.refs import NamespaceRef

DEFAULT_LABEL = "Entity"


@dataclass(slots=True)
class VertexOp:
    """A vertex to write. With ``merge``, ``properties`` values are added to the stored
    ones (RDF); otherwise they replace them. ``label`` None keeps the stored label (or
    ``Entity`` for a new vertex); with ``merge`` a stored ``Entity`` takes the label.
    ``location`` (lat, lon) in degrees replaces the stored point; None keeps it."""

    uid: str
    label: str | None
    properties: dict[str, Any]
    merge: bool
    line: int
    location: tuple[float, float] | None = None


@dataclass(slots=True)
class EdgeOp:
    """An edge (a fact) between two vertex uids; ``sources`` are the uids of the Source
    vertices that asserted it (RDF named graphs), among the batch's vertices or stored;
    ``restore`` what a dump says of its fact (``kgmem.storage.bulk.restore``)."""

    uid: str
    label: str
    start: str
    end: str
    properties: dict[str, Any]
    merge: bool
    line: int
    sources: list[str] = field(default_factory=list)
    restore: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Revision:
    """An earlier version of fact ``fact``'s validity, believed over the known-time span
    [``known_from``, ``known_to``) (``kgmem.storage.graph.revisions``); times as ISO 8601
    text with an offset, None when unset. A dump writes these; an import reads them
    back as ``RevisionOp``."""

    fact: str
    valid_from: str | None
    valid_to: str | None
    expired_at: str | None
    known_from: str
    known_to: str


@dataclass(frozen=True, slots=True)
class RevisionOp(Revision):
    """A ``Revision`` read from line ``line`` of an import."""

    line: int


@dataclass(frozen=True, slots=True)
class Describers:
    """How side-row texts are made: from a vertex's properties, and from a fact's
    subject name, predicate and object name; and when a vertex happened (its
    ``occurred_at``), as ``kgmem.storage.graph.vertices`` reads it. ``fact_name`` gives how a
    fact's text names an endpoint from its name, or its uid if it has none (applied
    once per endpoint of a batch, not once per fact naming it); ``fact_text`` receives
    the endpoints so named. ``joined`` gives a merging (RDF) vertex op's properties from
    the stored ones (None for a new vertex) and the op's (``kgmem.io.rdf_names`` chooses
    the name there)."""

    vertex_text: Callable[[Mapping[str, Any]], str | None]
    fact_text: Callable[[str, str, str], str]
    vertex_time: Callable[[Mapping[str, Any]], datetime | None] = lambda _: None
    view: Callable[[Mapping[str, Any]], Mapping[str, Any]] = lambda p: p
    keys: frozenset[str] | None = None
    fact_name: Callable[[str], str] = lambda name: name
    joined: Callable[[Mapping[str, Any] | None, Mapping[str, Any]], dict[str, Any]] = (
        lambda stored, added: dict(added) if stored is None else merge_properties(stored, added)
    )
    untitled: Callable[[str, Mapping[str, Any]], str | None] | None = None
    """The text of a vertex that ``vertex_text`` finds none for, from its uid and
    properties (a graph tool's node without a name); None: such a vertex has none."""

    def vertex_side(
        self, uid: str, props: Mapping[str, Any]
    ) -> tuple[str | None, str | None, str | None]:
        """A vertex's side-row name, text and ``occurred_at`` (ISO 8601): text and
        time are read from ``view(props)``. ``keys``, if given, are all the property
        keys the describers read (``view`` keeping keys as they are): a vertex with
        none of them (an RDF object named only by its uid) has none of the three."""
        if self.keys is not None and self.keys.isdisjoint(props):
            return None, None, None
        view = self.view(props)
        occurred = self.vertex_time(view)
        text = self.vertex_text(view)
        if text is None and self.untitled is not None:
            text = self.untitled(uid, props)
        return name_of(props), text, occurred.isoformat() if occurred else None


@dataclass(slots=True, kw_only=True)
class ElementCounts:
    """Vertices and edges that a load created, updated or found unchanged."""

    vertices_created: int = 0
    vertices_updated: int = 0
    vertices_unchanged: int = 0
    edges_created: int = 0
    edges_updated: int = 0
    edges_unchanged: int = 0


@dataclass(slots=True)
class BatchCounts(ElementCounts):
    """What one batch did; ``rejected`` lists (line, reason) of refused edges."""

    rejected: list[tuple[int, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, int]:
        """The counters (not the rejections), as stored in the journal."""
        return {k: v for k, v in asdict(self).items() if k != "rejected"}


@dataclass(frozen=True, slots=True)
class BatchContext:
    """What applying a batch needs besides the connection and the items."""

    ns: NamespaceRef
    labels: LabelCatalog
    schema: GraphSchema
    describers: Describers


def name_of(props: Mapping[str, Any]) -> str | None:
    """A vertex's ``name`` property, if it is a text."""
    name = props.get("name")
    return name if isinstance(name, str) else None
