"""Exporting a namespace, or the subgraph around some entities, in any supported format.

Writers take a ``Graph`` (two re-runnable async streams: vertices, then edges) and
yield bytes. N-Triples, N-Quads, JSON Lines and Cytoscape.js JSON stream in one pass;
CSV, GraphML and GEXF read the vertices twice (once to declare the property columns);
Turtle, TriG, JSON-LD and RDF/XML are written by pyoxigraph from the statements
gathered in memory.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import orjson

from kgmem.declarations.fact import DATA_FIELDS
from kgmem.errors import InvalidInput
from kgmem.graph import GraphContext
from kgmem.io.formats import DROPPED, DUMP_VERSION, EXPORT_FORMATS
from kgmem.io.gml import gml
from kgmem.io.graph_header import GraphShape
from kgmem.io.graph_tool_formats import (
    columns,
    cytoscape,
    fact_fields,
    gexf,
    graphml,
    user_properties,
)
from kgmem.io.language_tags import language_problem
from kgmem.io.ntriples import RDF, XSD, Lit, Term, statement
from kgmem.io.rdf_mapping import (
    IRI_PROPERTY,
    TermRegistry,
    blank_label,
    node_iri,
    vertex_statements,
    vocab_iri,
)
from kgmem.io.rdf_syntaxes import NAMES as SYNTAX_NAMES
from kgmem.io.rdf_vocab import LOCATION, fact_statements, location_literal
from kgmem.storage import Connection, NamespaceRef, bulk
from kgmem.storage.backups import dump
from kgmem.storage.backups.dump import (
    DumpedEdge,
    DumpedVertex,
    EdgeFilter,
)
from kgmem.storage.bulk import Revision
from kgmem.storage.graph import namespaces
from kgmem.storage.graph.fact_reads import SYSTEM_KEYS
from kgmem.storage.graph.property_merge import DEFAULT_GRAPH, GRAPHS_PROPERTY
from kgmem.storage.sql import table

EXTENSIONS = {
    "ntriples": ".nt", "nquads": ".nq", "turtle": ".ttl", "trig": ".trig", "jsonld": ".jsonld",
    "rdfxml": ".rdf", "csv": ".csv", "jsonl": ".jsonl", "graphml": ".graphml", "gexf": ".gexf",
    "cytoscape": ".cyjs", "gml": ".gml",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What to export: a format, optionally the subgraph within ``depth`` edges of the
    entities ``uids``; CSV exports one ``part`` (nodes or relationships) at a time.
    ``as_of``: only the facts true in the world and believed by kgmem at that time;
    ``current_only``: the same at the present time (at most one of the two). Vertices
    are exported whatever their facts."""

    format: str
    uids: tuple[str, ...] = ()
    depth: int = 1
    part: Literal["nodes", "relationships"] = "nodes"
    as_of: datetime | None = None
    current_only: bool = False
    plain: bool = False
    """GraphML and GML: only the graph's own attributes, as a graph tool writes them:
    no fact fields, locations or edge ids, and a label or type only where it differs
    from the default (``Entity``, the type unlabelled edges took on import)."""


@dataclass
class Graph:
    """The exported vertices and edges, each stream re-runnable; plus the RDF terms.
    ``ids``: the subgraph's vertices (None: all); ``claimants``: the vertices outside it
    whose claims (in force or withdrawn) are on its facts, which the JSON Lines dump
    writes as vertices too so that the claims restore."""

    conn: Connection
    ns: NamespaceRef
    ids: list[int] | None
    terms: TermRegistry
    keep: EdgeFilter = field(default_factory=EdgeFilter)
    claimants: list[int] = field(default_factory=list)
    shape: GraphShape = field(default_factory=GraphShape)
    """What imports said of the graph as a whole (``kgmem.io.graph_header``)."""

    def vertices(self, *, with_claimants: bool = False) -> AsyncIterator[list[DumpedVertex]]:
        extra = self.claimants if with_claimants and self.ids is not None else []
        ids = None if self.ids is None else [*self.ids, *extra]
        return dump.vertices(self.conn, self.ns, ids)

    def edges(self) -> AsyncIterator[list[DumpedEdge]]:
        return dump.edges(self.conn, self.ns, self.ids, keep=self.keep)

    def revisions(self) -> AsyncIterator[list[Revision]]:
        return dump.fact_revisions(self.conn, self.ns, self.ids, keep=self.keep)


async def export(ctx: GraphContext, namespace: str, options: ExportOptions) -> AsyncIterator[bytes]:
    """The export as chunks of bytes; raises before the first chunk on a bad request."""
    writer = _writer(options)
    if options.depth < 0 or options.depth > 10:
        raise InvalidInput("depth must be between 0 and 10")
    if options.as_of is not None and options.current_only:
        raise InvalidInput("as_of and current_only cannot be combined: choose one time")
    if options.as_of is not None and options.as_of.tzinfo is None:
        raise InvalidInput("as_of needs a time zone (for example 2024-05-01T00:00:00Z)")
    if options.plain and options.format not in ("graphml", "gml"):
        raise InvalidInput("plain applies to GraphML and GML exports only")
    keep = EdgeFilter(options.as_of, options.current_only)
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        ids = await dump.subgraph(conn, ns, options.uids, options.depth) if options.uids else None
        claimants = (
            await dump.claimants(conn, ns, ids) if ids is not None and options.format == "jsonl"
            else []
        )  # fmt: skip
        terms = TermRegistry.of(await bulk.read_terms(conn, namespace), {})
        shape = GraphShape.of(await bulk.read_graph_attributes(conn, namespace))
        async for chunk in writer(Graph(conn, ns, ids, terms, keep, claimants, shape), options):
            yield chunk


async def losses(ctx: GraphContext, namespace: str, fmt: str) -> tuple[str, ...]:
    """What an export of ``namespace`` in ``fmt`` leaves out (``kgmem.io.formats.DROPPED``),
    less ``revisions`` when the namespace has no fact revisions to leave out."""
    lost = DROPPED.get(fmt, ())
    if "revisions" not in lost:
        return lost
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        revised = await conn.fetchval(
            f"SELECT EXISTS (SELECT 1 FROM {table(ns.name, '_kg_fact_revision')})"
        )
    return lost if revised else tuple(k for k in lost if k != "revisions")


def _writer(options: ExportOptions) -> Callable[[Graph, ExportOptions], AsyncIterator[bytes]]:
    writers: dict[str, Callable[[Graph, ExportOptions], AsyncIterator[bytes]]] = {
        "ntriples": _ntriples,
        "nquads": _ntriples,
        "jsonl": _jsonl,
        "csv": _csv,
        "graphml": graphml,
        "gexf": gexf,
        "gml": gml,
        "cytoscape": cytoscape,
    }
    if options.format in _OX_FORMATS:
        return _serialised
    if options.format not in writers:
        raise InvalidInput(
            f"unknown export format {options.format!r}; use one of {', '.join(EXPORT_FORMATS)}"
        )
    return writers[options.format]


# -- RDF --------------------------------------------------------------------------------


def _is_graph_name(v: DumpedVertex) -> bool:
    # Source vertices an RDF import made for named graphs describe nothing themselves;
    # a source written through the API (a uid, not an IRI) is written: claims name it.
    named = v.label == "Source" and v.properties == {"name": v.uid}
    return named and node_iri(v.uid) in (v.uid, blank_label(v.uid))


Statement = tuple[str, str, Term, str | None]


def _vertex_quads(v: DumpedVertex, terms: TermRegistry) -> Iterable[Statement]:
    if _is_graph_name(v):
        return []
    found: list[Statement] = [
        (node_iri(s), p, _object(o), g and node_iri(g))
        for s, p, o, g in vertex_statements(v.uid, v.label, v.properties, terms)
    ]
    if v.location is not None:
        found.append((node_iri(v.uid), LOCATION, location_literal(*v.location), None))
    return found


def _object(o: Term) -> Term:
    return o if isinstance(o, Lit) else node_iri(o)


def _edge_graphs(e: DumpedEdge) -> list[str | None]:
    """The graphs of an edge's statement: its ``rdf_graphs``, else the sources that
    claim it (named graphs imported as sources, or the API's), else the default."""
    listed = e.properties.get(GRAPHS_PROPERTY)
    if isinstance(listed, list) and listed:
        return [None if g == DEFAULT_GRAPH else node_iri(str(g)) for g in listed]
    return [node_iri(src) for src in e.sources] if e.sources else [None]


def _edge_quads(e: DumpedEdge, terms: TermRegistry) -> Iterable[Statement]:
    iri = e.properties.get(IRI_PROPERTY)
    predicate = (
        iri if isinstance(iri, str) else terms.iri("edge_label", e.label) or vocab_iri(e.label)
    )
    s, o = node_iri(e.start), node_iri(e.end)
    graphs = _edge_graphs(e)
    quads: list[tuple[str, str, Term, str | None]] = [(s, predicate, o, g) for g in graphs]
    quads.extend((*t, None) for t in fact_statements(e, (s, predicate, o), terms))
    return quads


async def _statements(graph: Graph, *, quads: bool) -> AsyncIterator[list[Statement]]:
    """Every exported statement in chunks; without ``quads`` each in the default graph,
    once (a statement in several graphs is one triple)."""
    async for batch in graph.vertices():
        found = [q for v in batch for q in _vertex_quads(v, graph.terms)]
        yield found if quads else _triples(found)
    async for edges in graph.edges():
        found = [q for e in edges for q in _edge_quads(e, graph.terms)]
        yield sorted(set(found if quads else _triples(found)), key=str)


def _triples(found: list[Statement]) -> list[Statement]:
    return list(dict.fromkeys((s, p, o, None) for s, p, o, _ in found))


async def _ntriples(graph: Graph, options: ExportOptions) -> AsyncIterator[bytes]:
    async for chunk in _statements(graph, quads=options.format == "nquads"):
        yield "".join(statement(*q) for q in chunk).encode()


_OX_FORMATS = {"turtle": "TURTLE", "trig": "TRIG", "jsonld": "JSON_LD", "rdfxml": "RDF_XML"}


def _ox_term(term: Term) -> Any:
    import pyoxigraph as ox

    if isinstance(term, Lit):
        if term.lang:
            return ox.Literal(term.lex, language=term.lang)
        datatype = ox.NamedNode(term.datatype) if term.datatype else None
        return ox.Literal(term.lex, datatype=datatype)
    if term.startswith("_:"):
        return ox.BlankNode(term[2:])
    return ox.NamedNode(term)


_XML_NAME_END = re.compile(r"[A-Za-z_\u00c0-\uffff][\w.\-]*$")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _check_xml(chunk: list[Statement]) -> None:
    """Refuse what RDF/XML cannot write (control characters XML 1.0 forbids, and a
    predicate without an XML name at its end), which would give a file no XML parser
    reads."""
    for s, p, o, _ in chunk:
        if not _XML_NAME_END.search(p):
            raise InvalidInput(
                f"RDF/XML cannot write the predicate <{p}>: it does not end in an XML name "
                "(a letter or _ then letters, digits, _, - or .); export as Turtle instead"
            )
        for text in (s, p, o.lex if isinstance(o, Lit) else o):
            found = _NOT_XML.search(text)
            if found:
                raise InvalidInput(
                    f"RDF/XML cannot hold U+{ord(found.group()):04X} (in a statement of "
                    f"<{s}>): XML 1.0 forbids it; export as N-Triples or Turtle instead"
                )


def _check_languages(chunk: list[Statement], fmt: str) -> None:
    """Refuse a stored language tag that is not well-formed BCP 47, which pyoxigraph
    cannot write (imports refuse such tags; a store written before they did may hold
    one)."""
    for s, _, o, _ in chunk:
        if isinstance(o, Lit) and o.lang and language_problem(o.lang):
            raise InvalidInput(
                f"{SYNTAX_NAMES[fmt]} cannot write the language tag @{o.lang} of a value of "
                f"<{s}>: it is not well-formed BCP 47 ({language_problem(o.lang)}); export "
                "as N-Triples or N-Quads, which write it as stored"
            )


async def _serialised(graph: Graph, options: ExportOptions) -> AsyncIterator[bytes]:
    """Turtle, TriG, JSON-LD and RDF/XML by pyoxigraph, which writes every literal's
    lexical form as stored. The statements are gathered first: the writers group them
    by subject."""
    import pyoxigraph as ox

    quads = options.format in ("trig", "jsonld")
    found: list[Any] = []
    async for chunk in _statements(graph, quads=quads):
        if options.format == "rdfxml":
            _check_xml(chunk)
        _check_languages(chunk, options.format)
        for s, p, o, g in chunk:
            name = _ox_term(g) if g else ox.DefaultGraph()
            found.append(ox.Quad(_ox_term(s), ox.NamedNode(p), _ox_term(o), name))
    found.sort(key=lambda q: (str(q.graph_name), str(q.subject)))
    fmt = getattr(ox.RdfFormat, _OX_FORMATS[options.format])
    items = found if quads else [q.triple for q in found]
    known = {**graph.shape.prefixes, "rdf": RDF, "xsd": XSD}
    prefixes = known if options.format != "jsonld" else None
    data = ox.serialize(items, format=fmt, prefixes=prefixes) or b""
    if options.format == "rdfxml":  # an XML parser reads a raw CR as a line feed
        data = data.replace(b"\r", b"&#13;")
    yield data


# -- property-graph formats -----------------------------------------------------------


def _edge_record(e: DumpedEdge) -> dict[str, Any]:
    record: dict[str, Any] = {
        "kind": "edge",
        "uid": e.uid,
        "label": e.label,
        "start": e.start,
        "end": e.end,
        "properties": user_properties(e),
    }
    record.update(
        {k: e.properties[k] for k in SYSTEM_KEYS if k != "uid" and e.properties.get(k) is not None}
    )
    record.update(fact_fields(e))
    if e.sources:
        record["sources"] = list(e.sources)
    return record


def vertex_record(v: DumpedVertex) -> dict[str, Any]:
    """A vertex as a dump line: uid, label, properties and, when located, its
    ``location`` as ``{"lat", "lon"}`` in degrees."""
    record: dict[str, Any] = {"kind": "vertex", "uid": v.uid, "label": v.label}
    record["properties"] = v.properties
    if v.location is not None:
        record["location"] = {"lat": v.location[0], "lon": v.location[1]}
    return record


def _revision_record(r: Revision) -> dict[str, Any]:
    return {"kind": "revision", **dataclasses.asdict(r)}


async def _jsonl(graph: Graph, options: ExportOptions) -> AsyncIterator[bytes]:
    """The dump: its version line, the vertices (a subgraph's with the vertices whose
    claims are on its facts), the edges, then the facts' revisions."""
    yield orjson.dumps({"kind": "dump", "version": DUMP_VERSION}) + b"\n"
    async for batch in graph.vertices(with_claimants=True):
        yield b"".join(orjson.dumps(vertex_record(v)) + b"\n" for v in batch)
    async for edges in graph.edges():
        yield b"".join(orjson.dumps(_edge_record(e)) + b"\n" for e in edges)
    async for found in graph.revisions():
        yield b"".join(orjson.dumps(_revision_record(r)) + b"\n" for r in found)


CSV_DATA = {f.name: f.kind for f in DATA_FIELDS if f.csv}
"""The declared data fields a CSV of edges has a column for, with their column types."""


def _csv_values(e: DumpedEdge) -> dict[str, Any]:
    """An edge's CSV cells by column: its own properties, then its data fields."""
    return {**user_properties(e), **{k: e.fact.get(k) for k in CSV_DATA}}


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind.endswith("[]"):
        return ";".join(_cell(v, kind[:-2]) for v in value)
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("long", "double"):
        return repr(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _csv_heads(kinds: dict[str, str]) -> list[str]:
    """Typed column heads; CSV has no JSON type: such a column is a string one."""
    return [f"{k}:{'string' if t == 'json' else t}" for k, t in kinds.items()]


def _csv_line(cells: Sequence[str]) -> str:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


async def _csv(graph: Graph, options: ExportOptions) -> AsyncIterator[bytes]:
    if options.part == "nodes":
        kinds = await columns(graph.vertices(), lambda v: v.properties)
        yield _csv_line(["uid:ID", ":LABEL", *_csv_heads(kinds)]).encode()
        async for batch in graph.vertices():
            yield "".join(
                _csv_line(
                    [v.uid, v.label, *(_cell(v.properties.get(k), t) for k, t in kinds.items())]
                )
                for v in batch
            ).encode()
        return
    kinds = await columns(graph.edges(), user_properties) | CSV_DATA
    yield _csv_line(["uid", ":START_ID", ":END_ID", ":TYPE", *_csv_heads(kinds)]).encode()
    async for edges in graph.edges():
        yield "".join(
            _csv_line(
                [
                    e.uid,
                    e.start,
                    e.end,
                    e.label,
                    *(_cell(_csv_values(e).get(k), t) for k, t in kinds.items()),
                ]
            )
            for e in edges
        ).encode()
