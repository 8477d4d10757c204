"""Reading kgmem's own RDF back (the vocabulary of ``kgmem.io.rdf_vocab``).

A file that mentions ``urn:kgmem:`` anywhere (a byte scan before the load) takes this
path; any other RDF is mapped by ``RdfMapper`` alone, as before. On this path:

- a first pass keeps the fact nodes (``urn:kgmem:fact:<uid>``) and their statements:
  memory grows with the file's facts, not with the rest of it;
- on the load, ``urn:kgmem:uid:<x>`` is the uid ``<x>``; the statements of fact nodes
  and the statements they reify (in any graph) are left out, the location literal sets
  the vertex's point and an ``rdf:JSON`` literal under a kgmem predicate its property
  as the JSON value; the rest goes to the mapper;
- after the last statement, each fact node gives one edge: its uid, label, ends,
  properties, and (as a JSON Lines dump's edge record) its times, closer and claims;
  before them, a vertex for each end, source or episode the file does not describe.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from kgmem.declarations.fact import EDGE_FIELDS
from kgmem.errors import InvalidInput, KgmemError
from kgmem.io.ntriples import RDF, Lit, Quad, Term
from kgmem.io.rdf_mapping import (
    FACT_PREFIX,
    IRI_PROPERTY,
    RDF_JSON,
    VOCAB,
    RdfMapper,
    literal_value,
)
from kgmem.io.rdf_vocab import (
    DATA_NAMES,
    FACT_RECORDS,
    FACT_TIMES,
    LOCATION,
    REIFICATION,
    point_of,
    uid_of,
)
from kgmem.io.readers import Parsed, edge_op, fact_restore, open_binary, read
from kgmem.io.rejects import Reject
from kgmem.storage.bulk import EdgeOp, VertexOp

MARK = b"urn:kgmem:"
_FIELDS = frozenset(
    VOCAB + k for k in (*FACT_TIMES, *EDGE_FIELDS, *FACT_RECORDS, *DATA_NAMES, "confidence")
)


def uses_vocabulary(path: Path) -> bool:
    """Whether the file (decompressed) mentions ``urn:kgmem:`` anywhere."""
    stream, _ = open_binary(path)
    tail = b""
    try:
        while chunk := stream.read(1 << 20):
            if MARK in tail + chunk:
                return True
            tail = chunk[-len(MARK) :]
    finally:
        stream.close()
    return False


@dataclass
class _Fact:
    """A fact node's statements by predicate, and the line of its first one."""

    line: int
    said: dict[str, list[Term]] = field(default_factory=dict)

    def one(self, predicate: str) -> Term | None:
        found = self.said.get(predicate)
        return found[0] if found else None


@dataclass
class Readback:
    """The fact nodes of a file in kgmem's vocabulary, and what the load has seen."""

    facts: dict[str, _Fact]
    reified: set[tuple[str, str, Term]]
    described: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, path: Path, fmt: str, base_iri: str | None) -> Readback | None:
        """The readback of the file, or None when it is not in kgmem's vocabulary."""
        if fmt not in ("ntriples", "nquads", "turtle", "trig", "jsonld", "rdfxml"):
            return None
        if not uses_vocabulary(path):
            return None
        facts: dict[str, _Fact] = {}
        stream, _ = open_binary(path)
        try:
            for item in read(path, fmt, stream, base_iri):
                if isinstance(item, Quad) and item.s.startswith(FACT_PREFIX):
                    fact = facts.setdefault(item.s, _Fact(item.line))
                    fact.said.setdefault(item.p, []).append(item.o)
        finally:
            stream.close()
        return cls(facts, {_statement(f) for f in facts.values()})

    def quads(
        self, quads: list[Quad], vertices: dict[str, VertexOp], mapper: RdfMapper
    ) -> list[Quad]:
        """The statements left to the mapper; locations and JSON properties are set on
        ``vertices`` here."""
        out: list[Quad] = []
        for q in quads:
            if q.s.startswith(FACT_PREFIX) or (q.s, q.p, q.o) in self.reified:
                continue
            s = mapper.node(uid_of(q.s))
            self.described.add(s)
            if isinstance(q.o, Lit) and self._took(q, s, vertices, mapper):
                continue
            o = q.o if isinstance(q.o, Lit) else uid_of(q.o)
            out.append(Quad(uid_of(q.s), q.p, o, q.g and uid_of(q.g), q.line))
        return out

    @staticmethod
    def _took(q: Quad, s: str, vertices: dict[str, VertexOp], mapper: RdfMapper) -> bool:
        """Set a location or a JSON property from ``q``; whether it did."""
        lit = q.o
        assert isinstance(lit, Lit)
        point = point_of(lit) if q.p == LOCATION else None
        json = lit.datatype == RDF_JSON and q.p.startswith(VOCAB) and q.g is None
        if json:
            try:
                value = orjson.loads(lit.lex)
            except orjson.JSONDecodeError:
                return False  # kept as the literal it is
        if point is None and not json:
            return False
        op = vertices.get(s)
        if op is None:
            op = vertices[s] = VertexOp(s, None, {}, True, q.line)
        if point is not None:
            op.location = point
        else:
            op.properties[mapper.terms.name("property", q.p)] = value
        return True

    def records(self, mapper: RdfMapper) -> Iterator[Parsed]:
        """After the statements: the vertices the facts need that the file does not
        describe, then one edge per fact node."""
        facts = sorted(self.facts.items(), key=lambda f: f[1].line)
        edges = [_edge(iri, fact, mapper) for iri, fact in facts]
        needed: dict[str, VertexOp] = {}
        for op in edges:
            for uid, label in _named(op) if isinstance(op, EdgeOp) else ():
                if uid not in self.described and uid not in needed:
                    needed[uid] = VertexOp(uid, label, _props(uid, label), True, op.line)
        yield from needed.values()
        yield from edges


def _statement(fact: _Fact) -> tuple[str, str, Term]:
    s, p, o = (fact.one(RDF + k) for k in ("subject", "predicate", "object"))
    return str(s), str(p), o or ""


def _named(op: EdgeOp) -> Iterator[tuple[str, str | None]]:
    yield op.start, None
    yield op.end, None
    for claim in (op.restore or {}).get("claims", ()):
        if claim.get("source"):
            yield claim["source"], "Source"


def _props(uid: str, label: str | None) -> dict[str, Any]:
    return {"name": uid} if label == "Source" else {}


def _edge(iri: str, fact: _Fact, mapper: RdfMapper) -> EdgeOp | Reject:
    try:
        return _fact_edge(iri, fact, mapper)
    except KgmemError as exc:
        return Reject(fact.line, exc.detail, iri)
    except orjson.JSONDecodeError as exc:
        return Reject(fact.line, f"a JSON literal of the fact does not parse: {exc}", iri)


def _fact_edge(iri: str, fact: _Fact, mapper: RdfMapper) -> EdgeOp:
    s, p, o = (fact.one(RDF + k) for k in ("subject", "predicate", "object"))
    if not isinstance(s, str) or not isinstance(p, str) or not isinstance(o, str):
        raise InvalidInput(f"{iri} does not name its statement's subject, predicate and object")
    label = p[len(VOCAB) :] if p.startswith(VOCAB) else mapper.terms.name("edge_label", p)
    props: dict[str, Any] = {} if p.startswith(VOCAB) else {IRI_PROPERTY: p}
    record: dict[str, Any] = {}
    for predicate, objects in fact.said.items():
        if predicate in _FIELDS:
            record[predicate[len(VOCAB) :]] = _field(objects[0])
        elif predicate not in REIFICATION:
            _property(props, mapper.terms.name("property", predicate), predicate, objects)
    ends = (mapper.node(uid_of(s)), mapper.node(uid_of(o)))
    op = edge_op(uid_of(iri), label, *ends, props, fact.line, label)
    op.restore = fact_restore(record)
    return op


def _field(term: Term) -> Any:
    if isinstance(term, str):
        return uid_of(term)
    return orjson.loads(term.lex) if term.datatype == RDF_JSON else term.lex


def _property(props: dict[str, Any], key: str, predicate: str, objects: list[Term]) -> None:
    values = [_value(predicate, o) for o in objects]
    props[key] = values[0] if len(values) == 1 else values


def _value(predicate: str, term: Term) -> Any:
    if not isinstance(term, Lit):
        return uid_of(term)
    if term.datatype == RDF_JSON and predicate.startswith(VOCAB):
        return orjson.loads(term.lex)
    return literal_value(term)
