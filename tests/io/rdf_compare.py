"""Comparing RDF datasets in tests: rdflib parses (a parser independent of the
importer's; Turtle and TriG exports go through pyoxigraph's N-Quads first, see
``_via_nquads``), and a dataset compares as one graph in which each named-graph statement
is a node with its subject, predicate, object and graph, so that rdflib's graph
isomorphism (blank nodes included, shared between graphs or naming one) decides."""

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import rdflib
from rdflib.compare import isomorphic

_Q = "urn:test:quad#"
DATASET_SYNTAXES = {"nquads": "nquads", "trig": "trig", "jsonld": "json-ld"}
GRAPH_SYNTAXES = {"ntriples": "nt", "turtle": "turtle", "rdfxml": "xml"}


@contextlib.contextmanager
def _exact() -> Iterator[None]:
    """rdflib keeping every lexical form as written (it rewrites ``01`` to ``1``)."""
    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = saved


def dataset(data: str | bytes, fmt: str, base: str | None = None) -> rdflib.Graph:
    """The dataset in ``data`` (a kgmem format name) as one comparable graph, every
    literal's lexical form as written."""
    with _exact():
        return _dataset(data.decode() if isinstance(data, bytes) else data, fmt, base)


def _dataset(text: str, fmt: str, base: str | None) -> rdflib.Graph:
    if fmt in ("turtle", "trig"):  # see ``_via_nquads``
        text, fmt = _via_nquads(text, fmt, base), "nquads"
    if fmt in GRAPH_SYNTAXES:
        graph = rdflib.Graph().parse(data=text, format=GRAPH_SYNTAXES[fmt], publicID=base)
        return flatten((s, p, o, None) for s, p, o in graph)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's own Dataset calls
        ds = rdflib.Dataset()
        ds.parse(data=text, format=DATASET_SYNTAXES[fmt], publicID=base)
        return flatten(list(ds.quads()))


def _via_nquads(text: str, fmt: str, base: str | None) -> str:
    """Turtle or TriG as N-Quads, read by pyoxigraph: rdflib reads Turtle's bare numbers
    through Python numbers (``01`` and ``+123`` come back as ``1`` and ``123``) whatever
    its literal normalisation, so it cannot check that lexical forms are kept."""
    import pyoxigraph as ox

    syntax = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.TRIG
    quads = ox.parse(text.encode(), format=syntax, base_iri=base)
    return (ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").decode()


def _term(term: Any) -> Any:
    """RDF 1.1 term equality: a simple literal is an ``xsd:string``, and a language tag
    may be written in any case (Concepts, 3.3: its value space is lower case)."""
    if not isinstance(term, rdflib.Literal):
        return term
    if term.language:
        return rdflib.Literal(str(term), lang=term.language.lower())
    if term.datatype == rdflib.XSD.string:
        return rdflib.Literal(str(term))
    if term.datatype:
        return rdflib.Literal(str(term), datatype=term.datatype, normalize=False)
    return term


def flatten(quads: Any) -> rdflib.Graph:
    """Quads (s, p, o, graph or None) as one graph (see the module docstring)."""
    out = rdflib.Graph()
    default = rdflib.graph.DATASET_DEFAULT_GRAPH_ID
    keys = [rdflib.URIRef(_Q + k) for k in "spog"]
    for s, p, o_, g in quads:
        o = _term(o_)
        name = g.identifier if isinstance(g, rdflib.Graph) else g
        if name is None or name == default:
            out.add((s, p, o))
            continue
        node = rdflib.BNode()
        for key, value in zip(keys, (s, p, o, name), strict=True):
            out.add((node, key, value))
    return out


def same(got: rdflib.Graph, want: rdflib.Graph) -> bool:
    """Whether two comparable graphs are isomorphic."""
    return isomorphic(got, want)
