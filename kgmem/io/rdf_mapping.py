"""How RDF maps onto kgmem's property graph, and back.

- Subject and object IRIs become vertex uids; a blank node ``_:b`` of a load becomes
  ``_:<load>_b`` (stable for the same file, distinct between files); an export writes
  a label valid in every syntax (``blank_label``).
- ``rdf:type`` gives the vertex its label: the type's local name, sanitised
  (``foaf:Person`` -> ``Person``; a clash with another IRI gets ``Person_2``), and the
  type IRIs are kept in the ``rdf_type`` property. A vertex with several types keeps
  the first as its label. Untyped vertices are ``Entity``.
- A literal becomes a property named after the predicate's local name (a name-like
  predicate: the property ``kgmem.io.rdf_names`` gives it, and the entity's ``name`` is
  chosen from them by that module's fixed precedence). Plain strings,
  canonical ``xsd:integer``, ``xsd:boolean`` and round-tripping ``xsd:double`` values
  are stored natively; any other literal keeps its exact lexical form with its
  datatype as a JSON-LD value object ``{"@value", "@type"}``. Several values of one
  predicate make a list. A language-tagged value is flattened to a plain string, and a
  typed number, date or date-time to the value it compares as (a number, ISO 8601
  text), every value kept exactly in ``rdf_literals`` (``kgmem.storage.graph.property_merge``).
- A statement with an IRI or blank node object becomes an edge labelled by the
  predicate's local name, with the predicate IRI in its ``iri`` property; its uid is
  a hash of the statement, so a re-import finds it.
- A named graph is kept per statement in ``rdf_graphs`` (``kgmem.storage.graph.property_merge``),
  or, with ``graph_names="sources"``, becomes the ``Source`` vertex that asserted the
  edge (a claim).
- The chosen names and their IRIs are stored per namespace (``kgmem.rdf_term``), so an
  export rebuilds the original IRIs.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from kgmem.io.ntriples import RDF_TYPE, XSD, Lit, Quad, Term
from kgmem.io.rdf_names import NAME, NAME_PROPERTIES, guessed_property, repeated, reserved
from kgmem.schema import label_names
from kgmem.schema.identifiers import CYPHER_KEYWORDS, LABEL_KEYWORDS
from kgmem.storage.bulk import DEFAULT_LABEL, EdgeOp, VertexOp
from kgmem.storage.graph.property_merge import (
    ANNOTATIONS,
    DEFAULT_GRAPH,
    GRAPHS_PROPERTY,
    LITERALS_PROPERTY,
    annotated,
    contains,
    flattened,
    membership,
    merge_edge_properties,
    merge_properties,
    statements,
    value_key,
)

TYPE_PROPERTY = "rdf_type"
IRI_PROPERTY = "iri"
VOCAB = "urn:kgmem:vocab:"
UID_PREFIX = "urn:kgmem:uid:"
FACT_PREFIX = "urn:kgmem:fact:"
RDF_JSON = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"
RESERVED_PROPERTIES = frozenset({"uid", TYPE_PROPERTY, GRAPHS_PROPERTY, LITERALS_PROPERTY})
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NOT_IDENT = re.compile(r"[^A-Za-z0-9_]+")


def local_name(iri: str) -> str:
    """The part of ``iri`` after its last ``#``, ``/`` or ``:``."""
    for sep in ("#", "/", ":"):
        _, found, tail = iri.rpartition(sep)
        if found and tail:
            return tail
    return iri


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def short_name(uid: str) -> str:
    """How a fact's text names a vertex that has no name: an IRI by its local name
    (``http://dbpedia.org/resource/Ulm`` -> ``Ulm``), any other uid (a blank node
    ``_:...``, a uid of the API or of a CSV file) as it is. The full IRI would add a
    dozen keyword tokens per endpoint (scheme, host, path parts) shared by every fact
    of the file, which the fact texts' keyword index stores and which match nothing a
    search means; the vertex keeps its full uid."""
    short = _SHORT.get(uid)
    if short is None:
        if uid.startswith("_:") or not _SCHEME.match(uid):
            short = uid
        else:
            tail = local_name(uid)  # "//host/" for "http://host/": keep the IRI
            short = tail if tail and "/" not in tail else uid
        if len(_SHORT) >= _SHORT_MAX:
            _SHORT.clear()
        _SHORT[uid] = short
    return short


_SHORT: dict[str, str] = {}  # a vertex is named by many facts: computed once per uid
_SHORT_MAX = 1 << 16


def _label_name(iri: str, fallback: str) -> str:
    own = own_label(iri)
    if own is not None:
        return own
    name = _NOT_IDENT.sub("_", local_name(iri)).strip("_")
    name = name.lstrip("0123456789_") or fallback
    name = name[:60]
    return name + "_" if name.lower() in LABEL_KEYWORDS else name


def _literal_property(iri: str) -> str:
    """The property a literal of ``iri`` is named by, before clashes: a name-like
    predicate's (``kgmem.io.rdf_names``), else its sanitised local name."""
    fixed = NAME_PROPERTIES.get(iri)
    if fixed is not None:
        return fixed
    name = _property_name(iri)
    return guessed_property(iri, local_name(iri)) if name == NAME else name


def _property_name(iri: str) -> str:
    name = _NOT_IDENT.sub("_", local_name(iri)).strip("_") or "value"
    if name[0].isdigit():
        name = "p_" + name
    name = name[:120]
    return name + "_" if name.lower() in CYPHER_KEYWORDS else name


@dataclass
class TermRegistry:
    """The names chosen for IRIs in one namespace; ``fresh`` holds those chosen since
    the last ``take_fresh``. Vertex and edge labels share AGE's label namespace."""

    names: dict[tuple[str, str], str] = field(default_factory=dict)
    iris: dict[tuple[str, str], str] = field(default_factory=dict)
    label_kinds: dict[str, str] = field(default_factory=dict)
    fresh: list[tuple[str, str, str]] = field(default_factory=list)

    @classmethod
    def of(
        cls, rows: Iterable[tuple[str, str, str]], label_kinds: Mapping[str, str]
    ) -> TermRegistry:
        """A registry from stored (kind, name, iri) rows and the namespace's labels."""
        reg = cls(label_kinds=dict(label_kinds))
        for kind, name, iri in rows:
            reg._keep(kind, name, iri)
        return reg

    def _keep(self, kind: str, name: str, iri: str) -> None:
        self.names[(kind, iri)] = name
        self.iris[(kind, name)] = iri
        if kind != "property":
            self.label_kinds.setdefault(name, "vertex" if kind == "vertex_label" else "edge")

    def name(self, kind: str, iri: str) -> str:
        """The name for ``iri`` as a ``vertex_label``, ``edge_label`` or ``property``."""
        found = self.names.get((kind, iri))
        if found is not None:
            return found
        base = (
            _literal_property(iri)
            if kind == "property"
            else _label_name(iri, "Thing" if kind == "vertex_label" else "related")
        )
        candidate, n = base, 1
        while not self._free(kind, candidate) or (kind == "property" and reserved(candidate, iri)):
            n += 1
            candidate = f"{base}_{n}"
        self._keep(kind, candidate, iri)
        self.fresh.append((kind, candidate, iri))
        return candidate

    def _free(self, kind: str, name: str) -> bool:
        if (kind, name) in self.iris:
            return False
        if kind == "property":
            return name not in RESERVED_PROPERTIES
        wanted = "vertex" if kind == "vertex_label" else "edge"
        if name in (DEFAULT_LABEL, "Source") and kind == "vertex_label":
            return False
        return self.label_kinds.get(name, wanted) == wanted

    def iri(self, kind: str, name: str) -> str | None:
        """The IRI a name was chosen for, if any."""
        return self.iris.get((kind, name))

    def take_fresh(self) -> list[tuple[str, str, str]]:
        """Terms chosen since the last call (to be stored with the batch)."""
        fresh, self.fresh = self.fresh, []
        return fresh


def vocab_iri(name: str) -> str:
    """The IRI of kgmem's own vocabulary for a label, type or property ``name``: the
    name after ``urn:kgmem:vocab:``, each character an IRI cannot hold as it is
    percent-encoded (``Big Co`` is ``urn:kgmem:vocab:Big%20Co``; ``Person`` and ``größe``
    are unchanged). ``own_label`` reads it back."""
    return VOCAB + "".join(ch if ch.isalnum() or ch in "-._" else quote(ch, safe="") for ch in name)


def own_label(type_iri: str) -> str | None:
    """The label or type an IRI of kgmem's own vocabulary names (``vocab_iri``:
    ``urn:kgmem:vocab:Big%20Co`` is ``Big Co``), or None for any other IRI and for a
    name no door takes as a label (``kgmem.schema.label_names.refusal``)."""
    if not type_iri.startswith(VOCAB):
        return None
    name = unquote(type_iri[len(VOCAB) :])
    return name if label_names.refusal(name) is None else None


# -- literals ------------------------------------------------------------------------


def literal_value(lit: Lit) -> Any:
    """The stored form of a literal (see the module docstring)."""
    lex, lang, dt = lit
    if lang:
        return {"@value": lex, "@language": lang}
    if dt is None:
        return lex
    native = _native(lex, dt)
    return native if native is not None else {"@value": lex, "@type": dt}


def _native(lex: str, dt: str) -> int | bool | float | None:
    """The Python value of a literal whose lexical form it gives back exactly, or None."""
    if dt == XSD + "integer" and _INTEGER.fullmatch(lex) and -(2**63) <= int(lex) < 2**63:
        return int(lex)
    if dt == XSD + "boolean" and lex in ("true", "false"):
        return lex == "true"
    if dt == XSD + "double":
        try:
            number = float(lex)
        except ValueError:
            return None
        return number if math.isfinite(number) and repr(number) == lex else None
    return None


def _scalar_literal(value: bool | int | float | str) -> Lit:
    if isinstance(value, bool):
        return Lit("true" if value else "false", None, XSD + "boolean")
    if isinstance(value, int):
        return Lit(str(value), None, XSD + "integer")
    if isinstance(value, float):
        return Lit(repr(value), None, XSD + "double")
    return Lit(value)


def value_literals(value: Any) -> list[Lit]:
    """The literals of a stored property value (a list gives one per item)."""
    if isinstance(value, list):
        return [lit for item in value for lit in value_literals(item)]
    if isinstance(value, bool | int | float | str):
        return [_scalar_literal(value)]
    if isinstance(value, dict) and isinstance(value.get("@value"), str):
        if "@language" in value:
            return [Lit(value["@value"], str(value["@language"]), None)]
        return [Lit(value["@value"], None, str(value.get("@type") or XSD + "string"))]
    return [json_literal(value)]


def json_literal(value: Any) -> Lit:
    """A value as an ``rdf:JSON`` literal."""
    import orjson

    return Lit(orjson.dumps(value).decode(), None, RDF_JSON)


def property_literals(predicate: str, value: Any) -> list[Lit]:
    """The literals of a property value under ``predicate``: a list under kgmem's own
    vocabulary is one ``rdf:JSON`` literal (``kgmem.io.rdf_vocab``), any other value
    as ``value_literals`` writes it."""
    if isinstance(value, list) and predicate.startswith(VOCAB):
        return [json_literal(value)]
    return value_literals(value)


def text_view(props: Mapping[str, Any]) -> dict[str, Any]:
    """Properties with value objects and lists flattened to text, for the side row's
    name and indexed text."""
    view: dict[str, Any] = {}
    for key, value in props.items():
        if key in ANNOTATIONS:
            continue
        items = value if isinstance(value, list) else [value]
        texts = [v.get("@value") if isinstance(v, dict) else v for v in items]
        strings = [t for t in texts if isinstance(t, str)]
        view[key] = " ".join(strings) if strings else value
    return view


# -- statements to operations --------------------------------------------------------


def statement_uid(s: str, p: str, o: Term) -> str:
    """A stable edge uid for a statement."""
    key = f"{s}\x00{p}\x00{o.lex if type(o) is Lit else o}"
    return "rdf:" + _blake2b(key.encode(), digest_size=16).hexdigest()


_blake2b = hashlib.blake2b


@dataclass
class RdfMapper:
    """Turns a batch of statements into vertex and edge operations. ``graph_names``
    says what a named graph is: "membership" (the default) records each statement's
    graphs (``kgmem.storage.graph.property_merge``); "sources" makes the graph the
    ``Source`` vertex that asserted the edges in it (a claim), and reads the literals
    and types in it as the default graph's."""

    terms: TermRegistry
    blank_prefix: str
    graph_names: str = "membership"

    def label(self, type_iri: str) -> str:
        """The vertex label of the type ``type_iri``."""
        return own_label(type_iri) or self.terms.name("vertex_label", type_iri)

    def node(self, term: str) -> str:
        """The vertex uid of an IRI or blank node."""
        return "_:" + self.blank_prefix + term[2:] if term.startswith("_:") else term

    def map(
        self, quads: Iterable[Quad], vertices: dict[str, VertexOp], edges: dict[str, EdgeOp]
    ) -> None:
        """Add the operations of ``quads`` to ``vertices`` and ``edges`` (by uid).

        The common statement (default graph, no language tag, a subject without
        annotations) is mapped inline, without method calls or intermediate objects:
        mapping runs once per statement of a load and was about half the importer's
        CPU time."""
        blank = "_:" + self.blank_prefix
        name = self.terms.name
        vertex_op, edge_op = VertexOp, EdgeOp
        labels: dict[str, str] = {}
        members = self.graph_names == "membership"
        for s, p, o, g, line in quads:
            uid = blank + s[2:] if s[:2] == "_:" else s
            subject = vertices.get(uid)
            if subject is None:
                subject = vertices[uid] = vertex_op(uid, None, {}, True, line)
            props = subject.properties
            plain = (
                (g is None or not members)
                and GRAPHS_PROPERTY not in props
                and LITERALS_PROPERTY not in props
            )
            if not isinstance(o, str):
                key, value = name("property", p), literal_value(o)
                if plain and o.lang is None and not flattened(value):
                    _add(props, key, value)
                else:
                    subject.properties = _joined(props, key, value, g and self.node(g), members)
            elif p == RDF_TYPE and o[:2] != "_:":
                self._typed(subject, o, g if members else None)
            elif g is None and o[:2] != "_:":
                if o not in vertices:
                    vertices[o] = vertex_op(o, None, {}, True, line)
                key = statement_uid(uid, p, o)
                edge = edges.get(key)
                if edge is None:
                    label = labels.get(p) or labels.setdefault(p, name("edge_label", p))
                    edges[key] = edge_op(key, label, uid, o, {IRI_PROPERTY: p}, True, line)
                elif GRAPHS_PROPERTY in edge.properties:
                    edge.properties = merge_edge_properties(edge.properties, {})
            else:
                self._edge(vertices, edges, uid, Quad(s, p, self.node(o), g, line))

    def _typed(self, subject: VertexOp, type_iri: str, graph: str | None) -> None:
        """Give ``subject`` the type ``type_iri`` (its label if it has none yet), in
        ``graph`` (None: the default graph, or no membership to keep)."""
        own = own_label(type_iri)
        if own is not None:  # kgmem's own label: no rdf_type to keep
            subject.label = subject.label or own
            return
        props = subject.properties
        if graph is None and not annotated(props):
            _add(props, TYPE_PROPERTY, type_iri)
        else:
            members = self.graph_names == "membership"
            where = self.node(graph) if graph is not None else None
            subject.properties = _joined(props, TYPE_PROPERTY, type_iri, where, members)
        if subject.label is None:
            subject.label = self.terms.name("vertex_label", type_iri)

    def _edge(
        self, vertices: dict[str, VertexOp], edges: dict[str, EdgeOp], s: str, quad: Quad
    ) -> None:
        """An edge from vertex ``s`` for ``quad``, whose object is already a vertex uid."""
        p, o, g, line = quad.p, str(quad.o), quad.g, quad.line
        self._vertex(vertices, o, line)
        uid = statement_uid(s, p, o)
        edge = edges.get(uid)
        graph = self.node(g) if g is not None else None
        added: dict[str, Any] = {GRAPHS_PROPERTY: [graph]} if graph is not None else {}
        if edge is None:
            label = self.terms.name("edge_label", p)
            props = {IRI_PROPERTY: p}
            if self.graph_names == "membership":
                props.update(added)
            edge = edges[uid] = EdgeOp(uid, label, s, o, props, True, line)
        elif self.graph_names == "membership":
            edge.properties = merge_edge_properties(edge.properties, added)
        if graph is not None and self.graph_names == "sources":
            source = self._vertex(vertices, graph, line)
            source.label = "Source"
            _add(source.properties, "name", source.uid)
            if source.uid not in edge.sources:
                edge.sources.append(source.uid)

    @staticmethod
    def _vertex(vertices: dict[str, VertexOp], uid: str, line: int) -> VertexOp:
        op = vertices.get(uid)
        if op is None:
            op = vertices[uid] = VertexOp(uid, None, {}, True, line)
        return op


def _joined(
    props: dict[str, Any], key: str, value: Any, graph: str | None, members: bool
) -> dict[str, Any]:
    """``props`` with one statement joined in: its value, its exact literal if it has
    a language tag, and its named graph (if membership is kept)."""
    added: dict[str, Any] = {key: value}
    if flattened(value):
        added[LITERALS_PROPERTY] = {key: [value]}
    if graph is not None and members:
        added[GRAPHS_PROPERTY] = {graph: {key: [value]}}
    return merge_properties(props, added)


def _add(props: dict[str, Any], key: str, value: Any) -> None:
    if key not in props:
        props[key] = value
        return
    values = props[key] if isinstance(props[key], list) else [props[key]]
    if not contains(values, value):
        props[key] = [*values, value]


# -- back to statements ----------------------------------------------------------------


def vertex_statements(
    uid: str, label: str, props: Mapping[str, Any], terms: TermRegistry
) -> Iterable[tuple[str, str, Term, str | None]]:
    """The statements that describe a stored vertex, each with its graph (None: the
    default graph) and once per graph it is in."""
    found = statements(props)
    graphs = membership(props)
    types = found.pop(TYPE_PROPERTY, [])
    if not types and label not in (DEFAULT_LABEL,):
        types = [terms.iri("vertex_label", label) or vocab_iri(label)]
    for t in types:
        for g in _graphs_of(graphs, TYPE_PROPERTY, t):
            yield uid, RDF_TYPE, str(t), g
    for key, values in found.items():
        if key in RESERVED_PROPERTIES or (key == NAME and repeated(props)):
            continue
        predicate = terms.iri("property", key) or VOCAB + key
        if predicate.startswith(VOCAB) and isinstance(props[key], list) and not annotated(props):
            yield uid, predicate, json_literal(props[key]), None
            continue
        for value in values:
            where = _graphs_of(graphs, key, value)
            for lit in value_literals(value):
                for g in where:
                    yield uid, predicate, lit, g


def _graphs_of(
    graphs: Mapping[tuple[str, bytes], set[str]], key: str, value: Any
) -> list[str | None]:
    found = graphs.get((key, value_key(value)))
    if not found:
        return [None]
    return [None if g == DEFAULT_GRAPH else g for g in sorted(found)]


_BLANK_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def blank_label(uid: str) -> str:
    """A blank node uid as ``_:label`` with a label valid in N-Triples, Turtle, TriG,
    JSON-LD and as an RDF/XML ``rdf:nodeID`` (an XML name): kept when it is a letter
    then letters, digits and underscores, else ``u`` and a hash of it."""
    label = uid[2:]
    if _BLANK_LABEL.fullmatch(label):
        return uid
    return "_:u" + _blake2b(label.encode(), digest_size=12).hexdigest()


def node_iri(uid: str) -> str:
    """A uid as an RDF node: IRIs as they are, blank nodes with a label valid in every
    syntax (``blank_label``), other keys as URNs."""
    if uid.startswith("_:"):
        return blank_label(uid)
    if re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", uid):
        return uid
    from urllib.parse import quote

    return UID_PREFIX + quote(uid, safe="")
