"""N-Triples and N-Quads, one line at a time, in both directions.

A line parses with one regular expression, so a file of any size streams in constant
memory at several hundred thousand lines a second. Terms are plain Python values:
an IRI is its string, a blank node is ``_:label``, a literal is a ``Lit``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from kgmem.io.language_tags import language_refusal

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF + "type"
RDF_LANGSTRING = RDF + "langString"


class Lit(NamedTuple):
    """A literal: lexical form, language tag or None, datatype IRI or None (a plain
    string; an explicit ``xsd:string`` is kept, as rdflib tells the two apart)."""

    lex: str
    lang: str | None = None
    datatype: str | None = None


Term = str | Lit


class Quad(NamedTuple):
    """One statement with the line it came from; ``g`` None is the default graph."""

    s: str
    p: str
    o: Term
    g: str | None
    line: int


class SyntaxProblem(ValueError):
    """A line that is not N-Triples / N-Quads; ``column`` (1-based, 0 if not known) is
    where, ``fragment`` the text at fault if the column is still to be found."""

    def __init__(self, message: str, column: int = 0, fragment: str = "") -> None:
        super().__init__(message)
        self.column = column
        self.fragment = fragment


_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_IRI = r"<((?:[^\x00-\x20<>\"{}|^`\\]|" + _UCHAR + r")*)>"
_PN = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_BN_FIRST = f"[{_PN}_0-9]"
_BN_REST = f"[{_PN}_0-9\\-\u00b7\u0300-\u036f\u203f-\u2040.]"
_BN_LAST = f"[{_PN}_0-9\\-\u00b7\u0300-\u036f\u203f-\u2040]"
_BNODE = f"_:({_BN_FIRST}(?:{_BN_REST}*{_BN_LAST})?)"
_STRING = r'"((?:[^"\\\n\r]|\\[tbnrf"\'\\]|' + _UCHAR + r')*)"'
_LANG = r"@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)"
_WS = r"[ \t]*"


def _node(name: str) -> str:
    return f"(?:{_IRI.replace('(', f'(?P<{name}i>', 1)}|{_BNODE.replace('(', f'(?P<{name}b>', 1)})"


_LINE = re.compile(
    "^"
    + _WS
    + _node("s")
    + _WS
    + _IRI.replace("(", "(?P<p>", 1)
    + _WS
    + "(?:"
    + _node("o")
    + "|"
    + _STRING.replace("(", "(?P<lit>", 1)
    + "(?:"
    + _LANG.replace("(", "(?P<lang>", 1)
    + r"|\^\^"
    + _IRI.replace("(", "(?P<dt>", 1)
    + ")?)"
    + "(?:"
    + _WS
    + _node("g")
    + ")?"
    + _WS
    + r"\."
    + _WS
    + "(?:#.*)?$"
)
# The common line (single spaces, no escapes, ASCII blank node labels) in a simpler
# expression that matches about three times faster; anything else takes _LINE.
_F_IRI = r"<([^\x00-\x20<>\"{}|^`\\]*)>"
_F_BN = r"_:([A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)"
_FAST = re.compile(
    f"(?:{_F_IRI}|{_F_BN}) {_F_IRI} (?:{_F_IRI}|{_F_BN}|"
    + r'"([^"\\\n\r]*)"(?:@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)|\^\^'
    + _F_IRI
    + ")?)"
    + f"(?: (?:{_F_IRI}|{_F_BN}))? \\.[ \t]*$"
)
_BLANK = re.compile(r"^[ \t]*(?:#.*)?$")
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2)
        if code:
            return _code_point(int(code, 16), m.group())
        return _ECHAR[m.group(3)]

    return _ESCAPE.sub(one, text)


def _code_point(value: int, escape: str) -> str:
    if value == 0:
        raise SyntaxProblem(
            f"the escape {escape} is U+0000, which PostgreSQL text cannot store", fragment=escape
        )
    if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
        raise SyntaxProblem(
            f"the escape {escape} encodes U+{value:04X}, which is not a Unicode character",
            fragment=escape,
        )
    return chr(value)


def _iri(text: str) -> str:
    iri = _unescape(text)
    if not _SCHEME.match(iri):
        raise SyntaxProblem(
            f"relative IRI <{iri}> (N-Triples needs absolute IRIs)", fragment="<" + text + ">"
        )
    return iri


def parse_line(line: str, number: int, *, quads: bool) -> Quad | None:
    """The statement on ``line``, None for a blank or comment line; ``SyntaxProblem``
    says what is wrong otherwise, and at which column."""
    try:
        f = _FAST.match(line)
        if f is not None:
            return _fast(f, number, quads=quads)
        m = _LINE.match(line)
        if m is None:
            if _BLANK.match(line):
                return None
            raise _explained(line, quads=quads)
        return _slow(m, number, quads=quads)
    except SyntaxProblem as exc:
        if not exc.column and exc.fragment:
            exc.column = line.find(exc.fragment) + 1
        raise


def _explained(line: str, *, quads: bool) -> SyntaxProblem:
    """What a strict parser (pyoxigraph) says is wrong with ``line``, and where."""
    import pyoxigraph as ox

    fmt = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
    name = "N-Quads" if quads else "N-Triples"
    try:
        list(ox.parse(line.encode("utf-8", "surrogatepass"), format=fmt))
    except SyntaxError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        message = message.split(": ", 1)[-1] if message.startswith("Parser error") else message
        return SyntaxProblem(f"not a valid {name} statement: {message}", exc.offset or 0)
    return SyntaxProblem(f"not a valid {name} statement")


def _slow(m: re.Match[str], number: int, *, quads: bool) -> Quad:
    d = m.groupdict()
    s = _iri(d["si"]) if d["si"] is not None else "_:" + d["sb"]
    p = _iri(d["p"])
    o: Term
    if d["lit"] is not None:
        lang = _language(d["lang"])
        dt = _iri(d["dt"]) if d["dt"] is not None else None
        o = Lit(_unescape(d["lit"]), lang, dt)
    elif d["oi"] is not None:
        o = _iri(d["oi"])
    else:
        o = "_:" + d["ob"]
    g = None
    if d["gi"] is not None or d["gb"] is not None:
        if not quads:
            graph = d["gi"] or d["gb"]
            raise SyntaxProblem("a graph name is not allowed in N-Triples", fragment=graph)
        g = _iri(d["gi"]) if d["gi"] is not None else "_:" + d["gb"]
    return Quad(s, p, o, g, number)


def _fast(m: re.Match[str], number: int, *, quads: bool) -> Quad:
    si, sb, p, oi, ob, lit, lang, dt, gi, gb = m.groups()
    if lang is not None:
        _language(lang)
    o: Term = Lit(lit, lang, dt) if lit is not None else (oi if oi is not None else "_:" + ob)
    g = gi if gi is not None else ("_:" + gb if gb is not None else None)
    if g is not None and not quads:
        raise SyntaxProblem("a graph name is not allowed in N-Triples", fragment=g)
    # A scheme ends in ':'; the full check runs on lines that take the slow path.
    if (
        ":" not in p
        or (si is not None and ":" not in si)
        or (oi is not None and ":" not in oi)
        or (dt is not None and ":" not in dt)
        or (gi is not None and ":" not in gi)
    ):
        iri = next(i for i in (si, p, oi, dt, gi) if i is not None and ":" not in i)
        raise SyntaxProblem(
            f"relative IRI <{iri}> (N-Triples needs absolute IRIs)", fragment=f"<{iri}>"
        )
    return Quad(si if si is not None else "_:" + sb, p, o, g, number)


def _language(tag: str | None) -> str | None:
    """``tag`` unless an RDF writer could not hold it (``kgmem.io.language_tags``)."""
    refusal = language_refusal(tag) if tag is not None else None
    if refusal is not None:
        raise SyntaxProblem(refusal, fragment="@" + str(tag))
    return tag


# -- writing -------------------------------------------------------------------------

_IRI_ESCAPE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_STR_ESCAPE = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def iri_term(iri: str) -> str:
    """``<iri>`` with the characters N-Triples forbids in IRIs escaped."""
    return "<" + _IRI_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04X}", iri) + ">"


def node_term(node: str) -> str:
    """An IRI or ``_:label`` blank node in N-Triples form."""
    return node if node.startswith("_:") else iri_term(node)


def literal_term(lit: Lit) -> str:
    """A literal in N-Triples form."""
    text = '"' + lit.lex.translate(_STR_ESCAPE) + '"'
    if lit.lang:
        return text + "@" + lit.lang
    if lit.datatype:
        return text + "^^" + iri_term(lit.datatype)
    return text


def statement(s: str, p: str, o: Term, g: str | None = None) -> str:
    """One N-Triples (or, with ``g``, N-Quads) line, newline included."""
    obj = literal_term(o) if isinstance(o, Lit) else node_term(o)
    graph = f" {node_term(g)}" if g else ""
    return f"{node_term(s)} {iri_term(p)} {obj}{graph} .\n"
