"""Neo4j's functions that AGE 1.7 lacks or answers otherwise, as kgmem's SQL functions
(migration ``0032_cypher_functions``), which AGE calls with agtype arguments::

    RETURN randomUUID() AS id, toIntegerOrNull($x) AS n, point.distance(a.at, $p) AS d
    RETURN kgmem_cypher.random_uuid() AS id, kgmem_cypher.to_integer_or_null($x) AS n,
           kgmem_cypher.distance(a.at, $p) AS d

- ``randomUUID()``: a fresh version 4 UUID per call and row.
- ``toStringOrNull``, ``toIntegerOrNull``, ``toFloatOrNull``, ``toBooleanOrNull``: the
  conversion, or null where it fails or does not apply (never an error).
  ``toStringList``, ``toIntegerList``, ``toFloatList``, ``toBooleanList``: each element
  converted that way (AGE's own forms give null for ``toFloatList([1])`` and
  ``toStringList([true])``).
- ``round`` (ties towards positive infinity; a precision and Neo4j's rounding modes),
  ``isNaN``, ``haversin`` (migration ``0044_cypher_numbers``).
- ``size``, ``toUpper``, ``toLower`` of a string in characters, not the bytes of its
  UTF-8 (``size('héllo')`` is 5, ``toUpper('é')`` is ``'É'``; migration
  ``0045_cypher_strings``).
- ``sqrt``, ``log``, ``log10``, ``asin``, ``acos``: NaN or ``-Infinity`` outside their
  domain, as in Neo4j, where AGE answers null (migration ``0046_cypher_values``).
- ``trim``, ``ltrim``, ``rtrim``: Java's whitespace, tabs and line breaks too (AGE
  removes spaces only; migration ``0050_cypher_trim``).
- ``valueType(x)``: Neo4j 5's type text (``'INTEGER NOT NULL'``, ``'LIST<STRING NOT
  NULL | INTEGER NOT NULL> NOT NULL'``; migration ``0054_cypher_value_type``).
- ``point(map)``, ``point.distance(a, b)``, ``point.withinBBox(p, lowerLeft,
  upperRight)``.

**Points are stored as maps** (AGE has no spatial type), with float coordinates and
exactly these keys, so ``p.x``, ``p.latitude``, ``p.crs`` and ``p.srid`` read them
directly, and equal points are equal maps:

=====================  =====  ================================================
crs                    srid   keys
=====================  =====  ================================================
``'cartesian'``        7203   crs, srid, x, y
``'cartesian-3d'``     9157   crs, srid, x, y, z
``'wgs-84'``           4326   crs, srid, x, y, longitude, latitude (x = longitude)
``'wgs-84-3d'``        4979   crs, srid, x, y, z, longitude, latitude, height
=====================  =====  ================================================

A map with exactly one of those key sets, its ``crs`` and ``srid`` agreeing as in the
table, is a point wherever kgmem reads values back (``is_point``).

The guard lets ``point.distance`` and ``point.withinBBox`` through (``DOTTED``); any
other schema-qualified call stays refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kgmem.cypher import trim_forms
from kgmem.cypher.functions import called, within_dotted
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import closing
from kgmem.cypher.temporal_sql import SCHEMA

_RENAMED = {
    "randomuuid": "random_uuid",
    "tostringornull": "to_string_or_null",
    "tointegerornull": "to_integer_or_null",
    "tofloatornull": "to_float_or_null",
    "tobooleanornull": "to_boolean_or_null",
    "point": "point",
    "round": "round",
    "isnan": "is_nan",
    "haversin": "haversin",
    "size": "size",
    "toupper": "to_upper",
    "trim": "trim",
    "ltrim": "ltrim",
    "rtrim": "rtrim",
    "tolower": "to_lower",
    "sqrt": "sqrt",
    "log": "log",
    "log10": "log10",
    "asin": "asin",
    "acos": "acos",
    "valuetype": "value_type",
    "upper": "to_upper",
    "lower": "to_lower",
    "btrim": "trim",
    "char_length": "char_length",
    "character_length": "char_length",
    "split": "split",
}
_FORMS = frozenset({"trim", "normalize"})  # calls of their own form: kgmem.cypher.trim_forms
_LISTS = {
    "tostringlist": "string",
    "tointegerlist": "integer",
    "tofloatlist": "float",
    "tobooleanlist": "boolean",
}
DOTTED = {("point", "distance"): "distance", ("point", "withinbbox"): "within_bbox"}
"""Neo4j's dotted function names (lower case) and kgmem's SQL function for each."""

NAMES = frozenset({*_RENAMED, *_LISTS, *_FORMS})
"""The functions this module answers (lower case), for the guard's allow-list; a text
holding none of them (the dotted names start with ``point``) has nothing to rewrite."""

_CRS = {
    "cartesian": (7203, ("crs", "srid", "x", "y")),
    "cartesian-3d": (9157, ("crs", "srid", "x", "y", "z")),
    "wgs-84": (4326, ("crs", "srid", "x", "y", "longitude", "latitude")),
    "wgs-84-3d": (4979, ("crs", "srid", "x", "y", "z", "longitude", "latitude", "height")),
}


def is_point(value: Mapping[str, Any]) -> bool:
    """Whether a map read back from the graph is a point in kgmem's stored form."""
    crs = value.get("crs")
    known = _CRS.get(crs) if isinstance(crs, str) else None
    if known is None or value.get("srid") != known[0] or set(value) != set(known[1]):
        return False
    return all(isinstance(value[k], float) for k in known[1][2:])


def dotted_at(tokens: Sequence[Token], index: int) -> int:
    """How many tokens the dotted name starting at ``index`` spans (0: none), up to
    but not including its ``(``."""
    if index + 3 >= len(tokens) or tokens[index + 3].text != "(":
        return 0
    first, dot, second = tokens[index : index + 3]
    if first.kind is not Kind.NAME or second.kind is not Kind.NAME or dot.text != ".":
        return 0
    if index > 0 and tokens[index - 1].text in (".", ":"):
        return 0
    return 3 if (first.text.lower(), second.text.lower()) in DOTTED else 0


def inside_dotted(tokens: Sequence[Token], index: int) -> bool:
    """Whether ``tokens[index]`` is part of a dotted name ``dotted_at`` recognises."""
    return within_dotted(tokens, index, dotted_at, 3)


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits naming kgmem's SQL function in each call."""
    lowered = text.lower()
    if not any(name in lowered for name in NAMES):
        return []
    edits = []
    pairs = closing(code)
    for index, token in enumerate(code):
        if dotted_at(code, index):
            name = DOTTED[(token.text.lower(), code[index + 2].text.lower())]
            edits.append((token.start, code[index + 2].end, f"{SCHEMA}.{name}"))
            continue
        function = (called(code, index) or "").lower()
        formed = trim_forms.edits(code, index, pairs[index + 1]) if function in _FORMS else None
        if formed is not None:
            edits += formed
        elif function in _RENAMED:
            edits.append((token.start, token.end, f"{SCHEMA}.{_RENAMED[function]}"))
        elif function in _LISTS:
            call = f"{SCHEMA}.to_list_or_null('{_LISTS[function]}', "
            edits.append((token.start, code[index + 1].end, call))
    return edits
