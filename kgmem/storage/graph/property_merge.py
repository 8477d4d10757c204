"""How an import joins new values into a stored vertex's or edge's properties.

Each value of a property is one statement (an RDF literal or ``rdf:type``). Two
reserved properties annotate them when the plain map alone would lose something:

- ``rdf_graphs`` (vertices): the named graphs of the statements that are not only in
  the default graph, as ``{graph: {property: [values]}}``; ``"default"`` stands for
  the default graph where a statement is in it and in a named graph. A statement not
  listed is in the default graph only. On an edge, ``rdf_graphs`` is the list of the
  graphs of its statement, absent when that is the default graph only.
- ``rdf_literals`` (vertices): for a property with a language-tagged value, every
  value exactly as imported (``{"@value", "@language"}`` objects and plain strings);
  the property itself then holds one plain string, the preferred value: the first
  value without a language tag, else the first in English (``en`` or ``en-*``), else
  the first one. So ``p.name = 'Alice'`` works in Cypher whatever the tags. A
  property with a typed number, date or date-time that its stored form would not
  write back exactly (``"1.70"^^xsd:decimal``, ``"1999-05-01"^^xsd:date``) is kept
  there the same way, the property holding the comparable value (``comparable``):
  numbers as numbers, dates and date-times as their ISO 8601 text, so that
  ``n.height > 1.6`` and ``n.born < '1995-01-01'`` compare as they read.

Membership only grows: joining a statement in a named graph into a stored one that
was in the default graph keeps both, as a second import of the same dataset must.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import orjson

GRAPHS_PROPERTY = "rdf_graphs"
LITERALS_PROPERTY = "rdf_literals"
DEFAULT_GRAPH = "default"
ANNOTATIONS = frozenset({GRAPHS_PROPERTY, LITERALS_PROPERTY})

Statements = dict[str, list[Any]]
Membership = dict[tuple[str, bytes], set[str]]


def merge_properties(stored: Mapping[str, Any], added: Mapping[str, Any]) -> dict[str, Any]:
    """``stored`` with each value of ``added`` joined in: a key with several distinct
    values holds a list of them in first-seen order; graph membership and exact
    literals are joined as the module docstring says."""
    if not annotated(stored) and not annotated(added):
        return _merge_plain(stored, added)
    merged: Statements = {}
    seen: dict[str, set[bytes]] = {}
    members: Membership = {}
    for props in (stored, added):
        found = membership(props)
        for key, values in statements(props).items():
            bucket, keys = merged.setdefault(key, []), seen.setdefault(key, set())
            for value in values:
                vkey = value_key(value)
                if vkey not in keys:
                    keys.add(vkey)
                    bucket.append(value)
                members.setdefault((key, vkey), set()).update(
                    found.get((key, vkey), {DEFAULT_GRAPH})
                )
    return _encode(merged, members)


def annotated(props: Mapping[str, Any]) -> bool:
    """Whether ``props`` has graph membership or exact literals (two key look-ups: this
    runs once per imported statement)."""
    return GRAPHS_PROPERTY in props or LITERALS_PROPERTY in props


def merge_edge_properties(stored: Mapping[str, Any], added: Mapping[str, Any]) -> dict[str, Any]:
    """An edge's properties joined as ``merge_properties`` joins plain values, and its
    graphs (``rdf_graphs``, absent: the default graph only) as the union of both."""
    old, new = stored.get(GRAPHS_PROPERTY), added.get(GRAPHS_PROPERTY)
    merged = _merge_plain(
        {k: v for k, v in stored.items() if k != GRAPHS_PROPERTY},
        {k: v for k, v in added.items() if k != GRAPHS_PROPERTY},
    )
    if old is None and new is None:
        return merged
    graphs = set(_as_list(old) if old is not None else [DEFAULT_GRAPH])
    graphs.update(_as_list(new) if new is not None else [DEFAULT_GRAPH])
    if graphs != {DEFAULT_GRAPH}:
        merged[GRAPHS_PROPERTY] = sorted(graphs)
    return merged


def statements(props: Mapping[str, Any]) -> Statements:
    """Every property's values as imported (exact literals where flattened)."""
    literals = props.get(LITERALS_PROPERTY)
    exact = literals if isinstance(literals, dict) else {}
    return {
        key: list(exact[key]) if key in exact else _as_list(value)
        for key, value in props.items()
        if key not in ANNOTATIONS
    }


def membership(props: Mapping[str, Any]) -> Membership:
    """The graphs of each listed statement, by (property, ``value_key``)."""
    graphs = props.get(GRAPHS_PROPERTY)
    found: Membership = {}
    if not isinstance(graphs, dict):
        return found
    for graph, keys in graphs.items():
        for key, values in keys.items():
            for value in _as_list(values):
                found.setdefault((key, value_key(value)), set()).add(graph)
    return found


def value_key(value: Any) -> bytes:
    """A value's identity (``True`` and ``1`` are different values)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def preferred(values: list[Any]) -> Any:
    """The value a flattened property shows (see the module docstring)."""
    for value in values:
        if not isinstance(value, dict):
            return value
    for value in values:
        lang = str(value.get("@language", "")).lower()
        if lang == "en" or lang.startswith("en-"):
            return value["@value"]
    first = values[0]
    return first.get("@value", first) if isinstance(first, dict) else first


def _tagged(value: Any) -> bool:
    return isinstance(value, dict) and "@language" in value and "@value" in value


_XSD = "http://www.w3.org/2001/XMLSchema#"
_WHOLE = frozenset(
    _XSD + t
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "nonPositiveInteger",
        "negativeInteger", "positiveInteger", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
    )
)  # fmt: skip
_REAL = frozenset(_XSD + t for t in ("decimal", "float", "double"))
_WHOLE_TEXT = re.compile(r"[+-]?[0-9]+")
_REAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def comparable(value: Any) -> Any:
    """The value a typed literal ``{"@value", "@type"}`` compares as: an integer for
    ``xsd:integer`` and its derived types (within 64 bits), a float for
    ``xsd:decimal``, ``xsd:float`` and ``xsd:double`` (finite), the ISO 8601 text for
    a valid ``xsd:date`` or ``xsd:dateTime``; None for anything else."""
    if not isinstance(value, dict) or "@language" in value:
        return None
    lex, dt = value.get("@value"), value.get("@type")
    if not isinstance(lex, str) or not isinstance(dt, str):
        return None
    if dt in _WHOLE and _WHOLE_TEXT.fullmatch(lex) and -(2**63) <= int(lex) < 2**63:
        return int(lex)
    if dt in _REAL and _REAL_TEXT.fullmatch(lex) and math.isfinite(float(lex)):
        return float(lex)
    if dt in (_XSD + "date", _XSD + "dateTime"):
        return lex if _iso(lex, dt) else None
    return None


def _iso(lex: str, dt: str) -> bool:
    try:
        if dt == _XSD + "date":
            date.fromisoformat(lex[:10])
            return len(lex) == 10 or lex[10:] == "Z" or _OFFSET.fullmatch(lex[10:]) is not None
        return "T" in lex and datetime.fromisoformat(lex) is not None
    except ValueError:
        return False


_OFFSET = re.compile(r"[+-][0-9]{2}:[0-9]{2}")


def flattened(value: Any) -> bool:
    """Whether a stored statement value is kept exactly in ``rdf_literals`` and shown
    otherwise in its property: a language-tagged or a comparable typed literal."""
    return _tagged(value) or comparable(value) is not None


def _shown(values: list[Any]) -> Any:
    """What a property with flattened values holds (see the module docstring)."""
    if any(_tagged(v) for v in values):
        return preferred(values)
    shown = [found if (found := comparable(v)) is not None else v for v in values]
    return shown[0] if len(shown) == 1 else shown


def _encode(merged: Statements, members: Membership) -> dict[str, Any]:
    out: dict[str, Any] = {}
    literals: dict[str, list[Any]] = {}
    graphs: dict[str, dict[str, list[Any]]] = {}
    for key, values in merged.items():
        if any(flattened(v) for v in values):
            literals[key] = values
            out[key] = _shown(values)
        else:
            out[key] = values[0] if len(values) == 1 else values
        for value in values:
            where = members.get((key, value_key(value)), {DEFAULT_GRAPH})
            if where != {DEFAULT_GRAPH}:
                for graph in sorted(where):
                    graphs.setdefault(graph, {}).setdefault(key, []).append(value)
    if literals:
        out[LITERALS_PROPERTY] = literals
    if graphs:
        out[GRAPHS_PROPERTY] = graphs
    return out


def _merge_plain(stored: Mapping[str, Any], added: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(stored)
    for key, value in added.items():
        if key not in merged:
            merged[key] = value
            continue
        values = _as_list(merged[key])
        for item in _as_list(value):
            if not contains(values, item):
                values.append(item)
        merged[key] = values[0] if len(values) == 1 else values
    return merged


def contains(values: list[Any], item: Any) -> bool:
    """Whether ``item`` is among ``values``, ``True`` and ``1`` being different values."""
    return any(v == item and type(v) is type(item) for v in values)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]
