"""kgmem's own RDF vocabulary: what an RDF export writes so that an import of it gives
back what the property graph held (``kgmem.io.rdf_readback`` reads it).

- A uid that is not an IRI is the IRI ``urn:kgmem:uid:<percent-encoded uid>``.
- A vertex's label (without an ``rdf_type`` of its own) is its type
  ``urn:kgmem:vocab:<label>``; a property without an IRI of its own is the predicate
  ``urn:kgmem:vocab:<key>``, and a list there is one ``rdf:JSON`` literal (several
  values of one predicate are a set: their order, repeats and a one-item list would be
  lost).
- A vertex's location: ``urn:kgmem:vocab:location``, a GeoSPARQL WKT literal
  ``POINT(<lon> <lat>)``.
- A fact with anything beyond its statement (a uid of its own, user properties, valid
  times, a confidence) is reified as the node ``urn:kgmem:fact:<uid>``: an
  ``rdf:Statement`` with ``rdf:subject``, ``rdf:predicate``, ``rdf:object``, its times
  (``valid_from``, ``valid_to``, ``recorded_at``, ``expired_at``, ``revised_at``) as
  ``xsd:dateTime``, ``closed_by`` as the closing fact's node, its claims in force and
  withdrawn (``claims``, ``withdrawn``) as ``rdf:JSON`` literals in a dump's form, the
  confidence as ``xsd:double`` and the user properties as a vertex's are written.
  Edges an RDF import made (uids ``rdf:...``, nothing but their statement) are not
  reified, so foreign RDF round-trips as it was.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

from kgmem.declarations.fact import DATA_FIELDS, TIMES, UNSET_TIMES
from kgmem.io.ntriples import RDF, XSD, Lit, Term
from kgmem.io.rdf_mapping import (
    FACT_PREFIX,
    IRI_PROPERTY,
    UID_PREFIX,
    VOCAB,
    TermRegistry,
    json_literal,
    property_literals,
)
from kgmem.storage.backups.dump import DumpedEdge
from kgmem.storage.graph.fact_reads import SYSTEM_KEYS
from kgmem.storage.graph.property_merge import GRAPHS_PROPERTY

LOCATION = VOCAB + "location"
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
FACT_TIMES = TIMES
DATA_NAMES = tuple(f.name for f in DATA_FIELDS)
"""The declared data fields a fact's reification carries (``kgmem:<name>`` literals)."""
FACT_RECORDS = ("claims", "withdrawn")
REIFICATION = frozenset({RDF + "type", RDF + "subject", RDF + "predicate", RDF + "object"})
_POINT = re.compile(r"\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*")


def fact_iri(uid: str) -> str:
    """The node that reifies the fact ``uid``."""
    return FACT_PREFIX + quote(uid, safe="")


def uid_of(term: str) -> str:
    """The uid a ``urn:kgmem:uid:`` or ``urn:kgmem:fact:`` IRI names; any other term as
    it is."""
    for prefix in (UID_PREFIX, FACT_PREFIX):
        if term.startswith(prefix):
            return unquote(term[len(prefix) :])
    return term


def location_literal(lat: float, lon: float) -> Lit:
    """A point in degrees as WKT (longitude first, each number as Python writes it,
    which reads back exactly)."""
    return Lit(f"POINT({float(lon)!r} {float(lat)!r})", None, WKT)


def point_of(lit: Lit) -> tuple[float, float] | None:
    """The (lat, lon) of a WKT point literal, or None when it is not one in range."""
    found = _POINT.fullmatch(lit.lex) if lit.datatype == WKT else None
    if found is None:
        return None
    try:
        lon, lat = float(found.group(1)), float(found.group(2))
    except ValueError:
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def reified(e: DumpedEdge, props: dict[str, Any]) -> bool:
    """Whether the edge has something beyond its statement to carry."""
    times = any(isinstance(props.get(k), str) for k in UNSET_TIMES)
    own_uid = not e.uid.startswith("rdf:")
    data = any(e.fact.get(k) is not None for k in DATA_NAMES)
    return bool(_user(props)) or times or props.get("confidence") is not None or own_uid or data


def _user(props: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in props.items()
        if k not in SYSTEM_KEYS and k not in (IRI_PROPERTY, GRAPHS_PROPERTY)
    }


def fact_statements(
    e: DumpedEdge, statement: tuple[str, str, str], terms: TermRegistry
) -> list[tuple[str, str, Term]]:
    """The reification of edge ``e`` (its ``statement`` as exported: subject, predicate
    and object terms), or nothing when it has nothing to carry (see the module
    docstring)."""
    if not reified(e, e.properties):
        return []
    s, p, o = statement
    node = fact_iri(e.uid)
    out: list[tuple[str, str, Term]] = [
        (node, RDF + "type", RDF + "Statement"),
        (node, RDF + "subject", s),
        (node, RDF + "predicate", p),
        (node, RDF + "object", o),
    ]
    out.extend((node, VOCAB + k, lit) for k, lit in _fact_fields(e))
    for key, value in _user(e.properties).items():
        predicate = terms.iri("property", key) or VOCAB + key
        out.extend((node, predicate, lit) for lit in property_literals(predicate, value))
    return out


def _fact_fields(e: DumpedEdge) -> list[tuple[str, Term]]:
    found: list[tuple[str, Term]] = []
    times = {**e.fact, "revised_at": e.revised_at}
    found.extend((k, Lit(times[k], None, XSD + "dateTime")) for k in FACT_TIMES if times.get(k))
    if e.closed_by is not None:
        found.append(("closed_by", fact_iri(e.closed_by)))
    records = zip(FACT_RECORDS, (e.claims, e.withdrawn), strict=True)
    found.extend((k, json_literal(list(v))) for k, v in records if v)
    confidence = e.properties.get("confidence")
    if isinstance(confidence, int | float):
        found.append(("confidence", Lit(repr(float(confidence)), None, XSD + "double")))
    for k in DATA_NAMES:
        if e.fact.get(k) is not None:
            found.extend((k, lit) for lit in property_literals(VOCAB + k, e.fact[k]))
    return found
