"""The values AGE has no type for, as kgmem stores them: byte arrays and points.

AGE 1.7 stores JSON-like values only, so kgmem keeps these two as maps of a fixed
shape, readable on every door:

- bytes: ``{"__kgmem_bytes": "<base64>"}`` (standard base64 with padding). The
  ``__kgmem_`` prefix is reserved (the guard refuses it in query text), so only a
  parameter holding bytes (Bolt) or this very map (REST, MCP) makes one;
- points: ``{"srid": s, "x": x, "y": y}`` or, in 3D, with ``"z"``: ``s`` is 7203
  (Cartesian), 9157 (Cartesian 3D), 4326 (WGS-84, ``x`` the longitude and ``y`` the
  latitude) or 4979 (WGS-84 3D, ``z`` the height), the coordinates numbers.

Bolt sends both back as what they are (PackStream bytes, Point2D / Point3D); REST and
MCP answer the maps themselves. Two equal values are equal maps, so ``=`` and
``IN`` compare them as Neo4j does. A point a query makes with ``point()`` is a map of
the keys ``kgmem.cypher.neo4j_functions`` gives it (``crs``, ``srid``, ``x``, ``y`` ...):
it is read as a point too.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from kgmem.cypher import neo4j_functions

BYTES_KEY = "__kgmem_bytes"
DIMENSIONS = {7203: 2, 4326: 2, 9157: 3, 4979: 3}
"""The coordinate reference systems Neo4j knows, by SRID, and their dimensions."""
_PLANE = frozenset({"srid", "x", "y"})
_SPACE = _PLANE | {"z"}


@dataclass(frozen=True, slots=True)
class Point:
    """A point: its SRID and coordinates (``z`` None in 2D)."""

    srid: int
    x: float
    y: float
    z: float | None = None


def encode_bytes(data: bytes) -> dict[str, str]:
    """The stored form of ``data``."""
    return {BYTES_KEY: base64.b64encode(data).decode("ascii")}


def encode_point(point: Point) -> dict[str, Any]:
    """The stored form of ``point``."""
    stored: dict[str, Any] = {"srid": point.srid, "x": point.x, "y": point.y}
    return stored if point.z is None else {**stored, "z": point.z}


def decode(value: dict[str, Any]) -> bytes | Point | None:
    """The bytes or point ``value`` stands for, or None when it is an ordinary map."""
    if len(value) == 1 and isinstance(value.get(BYTES_KEY), str):
        try:
            return base64.b64decode(value[BYTES_KEY], validate=True)
        except (binascii.Error, ValueError):
            return None
    return _point(value)


def _point(value: dict[str, Any]) -> Point | None:
    if neo4j_functions.is_point(value):  # made by point() in a query: its crs named too
        z = value.get("z")
        return Point(value["srid"], value["x"], value["y"], None if z is None else z)
    if set(value) not in (_PLANE, _SPACE):
        return None
    srid = value["srid"]
    if type(srid) is not int or DIMENSIONS.get(srid) != len(value) - 1:
        return None
    coordinates = [value[k] for k in ("x", "y", "z") if k in value]
    if not all(type(c) in (int, float) for c in coordinates):
        return None
    x, y, *z = (float(c) for c in coordinates)
    return Point(srid, x, y, z[0] if z else None)
