"""Turtle, TriG, RDF/XML and JSON-LD read as a stream of statements (pyoxigraph).

pyoxigraph parses as it reads, so memory stays flat whatever the file's size, keeps
every literal's lexical form as written (``"01"^^xsd:integer`` stays ``01``; an RDF/XML
``parseType="Literal"`` value is put in canonical form, which is its lexical form by the
RDF/XML grammar: ``canonical_xml``), refuses
what the RDF 1.1 grammars refuse, and names the line and column of a syntax error.
JSON-LD remote contexts are not fetched: a document that needs one is refused.

Blank nodes are renamed ``b1``, ``b2``, ... in the order the parser first produces
them, so that two reads of one file name them alike (pyoxigraph names an anonymous
``[]`` at random on every parse). Statements carry their ordinal number in the file,
not a line: the parser reports positions only for errors.

A syntax error ends the reading in either ``--on-error`` mode: in these syntaxes a
statement can span lines, nest and set prefixes for what follows, so nothing after
the error can be read with certainty. Statements before it are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from kgmem.io.graph_header import GraphHeader
from kgmem.io.ntriples import Lit, Quad, Term, statement
from kgmem.io.rejects import Reject, bad_code_point

SYNTAXES = {
    "turtle": "TURTLE",
    "trig": "TRIG",
    "rdfxml": "RDF_XML",
    "jsonld": "JSON_LD",
    "ntriples": "N_TRIPLES",  # the importer reads these two line by line (bench: parsers)
    "nquads": "N_QUADS",
}
NAMES = {
    "turtle": "Turtle",
    "trig": "TriG",
    "rdfxml": "RDF/XML",
    "jsonld": "JSON-LD",
    "ntriples": "N-Triples",
    "nquads": "N-Quads",
}


def read_statements(
    stream: IO[bytes], fmt: str, base: str | None
) -> Iterator[Quad | Reject | GraphHeader]:
    """Every statement of ``stream`` in syntax ``fmt`` (a key of ``SYNTAXES``), then a
    ``Reject`` at the first syntax error if there is one; at the end of a file that
    declared prefixes, a ``GraphHeader`` with them."""
    import pyoxigraph as ox

    parsed = ox.parse(stream, format=getattr(ox.RdfFormat, SYNTAXES[fmt]), base_iri=base)
    parser = iter(parsed)
    blanks: dict[str, str] = {}
    number = 0
    while True:
        try:
            quad = next(parser)
        except StopIteration:
            if prefixes := dict(getattr(parsed, "prefixes", None) or {}):
                yield GraphHeader(prefixes=prefixes)
            return
        except SyntaxError as exc:
            yield _syntax_reject(exc, NAMES[fmt])
            return
        number += 1
        found = _quad(quad, blanks, number)
        if fmt == "rdfxml" and isinstance(found.o, Lit) and found.o.datatype == XML_LITERAL:
            found = found._replace(o=found.o._replace(lex=canonical_xml(found.o.lex)))
        yield _checked(found)


XML_LITERAL = "http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral"
_WRAP = "kgmem-xml-literal"


def canonical_xml(fragment: str) -> str:
    """An ``rdf:parseType="Literal"`` value in canonical form, as RDF/XML (section 7.2.17)
    defines its lexical form: each namespace declared only where it is used (pyoxigraph
    repeats every namespace in scope on each top-level element), empty elements written
    as start and end tags, attributes sorted. C14N 2.0 (the standard library's) renders
    these alike. A fragment that is not well-formed is kept as it is."""
    import xml.etree.ElementTree as ET

    try:
        wrapped = ET.canonicalize(f"<{_WRAP}>{fragment}</{_WRAP}>", strip_text=False)
    except ET.ParseError:
        return fragment
    return wrapped[len(_WRAP) + 2 : -(len(_WRAP) + 3)]


def _syntax_reject(exc: SyntaxError, name: str) -> Reject:
    message = str(exc.args[0]) if exc.args else str(exc)
    line, column = exc.lineno or 0, exc.offset or 0
    where = "" if line else " (the parser gives no position for this error)"
    return Reject(
        line,
        f"{name} syntax error: {message}{where}",
        "",
        column,
        ends_reading=True,
    )


def _checked(quad: Quad) -> Quad | Reject:
    """The statement, or a reject if a value cannot be stored (see ``bad_code_point``)."""
    for text in (quad.s, quad.p, quad.o.lex if isinstance(quad.o, Lit) else quad.o, quad.g):
        problem = bad_code_point(text or "")
        if problem:
            return Reject(0, f"statement {quad.line}: {problem}", _raw(quad))
    return quad


def _raw(quad: Quad) -> str:
    text = statement(quad.s, quad.p, quad.o, quad.g).rstrip("\n")
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _quad(quad: Any, blanks: dict[str, str], number: int) -> Quad:
    graph = quad.graph_name
    g = None if graph.__class__.__name__ == "DefaultGraph" else _node(graph, blanks)
    return Quad(
        _node(quad.subject, blanks), quad.predicate.value, _term(quad.object, blanks), g, number
    )


def _node(term: Any, blanks: dict[str, str]) -> str:
    if term.__class__.__name__ == "BlankNode":
        name = blanks.get(term.value)
        if name is None:
            name = blanks[term.value] = f"_:b{len(blanks) + 1}"
        return name
    return str(term.value)


def _term(term: Any, blanks: dict[str, str]) -> Term:
    kind = term.__class__.__name__
    if kind == "Literal":
        if term.language:
            return Lit(term.value, term.language, None)
        datatype = term.datatype.value
        return Lit(term.value, None, None if datatype == _XSD_STRING else datatype)
    return _node(term, blanks)


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
