"""Where vertices are: within a radius, within a box, nearest k, by exact great-circle
distance (the formula of ``kgmem.haversine_km``, migration 0400, written inline:
``distance_sql``).

The GiST index on ``point(lon, lat)`` answers boxes in degrees, so a radius becomes
one or two prefilter boxes that contain the circle, then the exact distance decides:

- the latitude span is the radius over the metres per degree of a meridian;
- when it reaches a pole, every longitude is in (the circle contains the pole);
- otherwise the longitude half-span is ``asin(sin(r / R) / cos(lat))``, the widest
  the circle gets (at its tangent meridians), not the span at the centre's latitude;
- a box crossing the antimeridian is split into two at 180 degrees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import asyncpg

from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

EARTH_RADIUS_KM = 6371.0088
HALF_CIRCUMFERENCE_KM = math.pi * EARTH_RADIUS_KM
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180

Box = tuple[float, float, float, float]
"""(south, west, north, east) in degrees; west > east crosses the antimeridian."""


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km: the SQL function's operations in its order, so the
    same float8 (a test checks), and a distance read from a statement and one computed
    here agree to the bit."""
    a = (
        math.sin(math.radians(lat2 - lat1) / 2) ** 2
        + math.cos(math.radians(lat1))
        * math.cos(math.radians(lat2))
        * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_sql(lat1: str, lon1: str, lat2: str, lon2: str) -> str:
    """The body of ``kgmem.haversine_km`` as an expression over the four given SQL
    expressions (float8, none NULL), evaluated inline: PostgreSQL does not inline the
    function (it is STRICT and ``least`` is not), and calling it per row was the bulk
    of a radius search. Same operations in the same order: the same float8."""
    return (
        f"(2 * 6371.0088 * asin(least(1.0, sqrt("
        f"sin(radians({lat2} - {lat1}) / 2) ^ 2 "
        f"+ cos(radians({lat1})) * cos(radians({lat2})) * sin(radians({lon2} - {lon1}) / 2) ^ 2))))"
    )


_D = distance_sql("$1::float8", "$2::float8", "v.lat", "v.lon")


def split(box: Box) -> list[Box]:
    """``box`` as one or two boxes none of which crosses the antimeridian."""
    south, west, north, east = box
    if west <= east:
        return [box]
    return [(south, west, north, 180.0), (south, -180.0, north, east)]


def circle_boxes(lat: float, lon: float, radius_km: float) -> list[Box]:
    """Boxes (not crossing 180 degrees) that together contain the circle."""
    if radius_km >= HALF_CIRCUMFERENCE_KM:
        return [(-90.0, -180.0, 90.0, 180.0)]
    dlat = radius_km / KM_PER_DEGREE
    south, north = lat - dlat, lat + dlat
    if south <= -90.0 or north >= 90.0:
        return [(max(south, -90.0), -180.0, min(north, 90.0), 180.0)]
    ratio = math.sin(radius_km / EARTH_RADIUS_KM) / math.cos(math.radians(lat))
    if ratio >= 1.0:
        return [(south, -180.0, north, 180.0)]
    dlon = math.degrees(math.asin(ratio))
    west, east = lon - dlon, lon + dlon
    if west < -180.0:
        return split((south, west + 360.0, north, east))
    if east > 180.0:
        return split((south, west, north, east - 360.0))
    return [(south, west, north, east)]


def _in_boxes(boxes: Sequence[Box], first_param: int) -> tuple[str, list[float]]:
    clauses, args = [], []
    for i, (south, west, north, east) in enumerate(boxes):
        n = first_param + 4 * i
        clauses.append(
            f"point(v.lon, v.lat) <@ box(point(${n + 1}, ${n}), point(${n + 3}, ${n + 2}))"
        )
        args.extend([south, west, north, east])
    return "(" + " OR ".join(clauses) + ")", args


async def within_radius(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    lat: float,
    lon: float,
    radius_km: float,
    *,
    limit: int,
) -> list[tuple[int, float]]:
    """(graph id, km) of vertices within ``radius_km`` of the point, nearest first."""
    where, args = _in_boxes(circle_boxes(lat, lon, radius_km), 5)
    records = await conn.fetch(
        # OFFSET 0: the distance is computed once a row, not again in a pushed-down filter.
        f"SELECT id, d FROM (SELECT v.id, {_D} AS d "
        f"FROM {table(ns.name, '_kg_vertex')} v WHERE v.lat IS NOT NULL AND {where} OFFSET 0) s "
        "WHERE d <= $3::float8 ORDER BY d, id LIMIT $4",
        lat,
        lon,
        radius_km,
        limit,
        *args,
    )
    return [(id_, float(d)) for id_, d in records]


async def within_box(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    box: Box,
    *,
    centre: tuple[float, float] | None,
    limit: int,
) -> list[tuple[int, float | None]]:
    """(graph id, km from ``centre`` or None) of vertices inside ``box``; nearest the
    centre first when one is given, else by id."""
    if centre is None:
        where, args = _in_boxes(split(box), 1)
        records = await conn.fetch(
            f"SELECT v.id, NULL::float8 AS d FROM {table(ns.name, '_kg_vertex')} v "
            f"WHERE v.lat IS NOT NULL AND {where} ORDER BY v.id LIMIT {int(limit)}",
            *args,
        )
    else:
        where, args = _in_boxes(split(box), 3)
        records = await conn.fetch(
            f"SELECT v.id, {_D} AS d FROM {table(ns.name, '_kg_vertex')} v "
            f"WHERE v.lat IS NOT NULL AND {where} ORDER BY d, v.id LIMIT {int(limit)}",
            *centre,
            *args,
        )
    return [(id_, None if d is None else float(d)) for id_, d in records]


async def nearest(
    conn: asyncpg.Connection, ns: NamespaceRef, lat: float, lon: float, *, k: int
) -> list[tuple[int, float]]:
    """The ``k`` vertices nearest the point, by exact distance: radius searches that
    grow fourfold from 25 km until ``k`` are found (everything outside a radius is
    farther than everything inside it, so the first k found are the true nearest)."""
    radius = 25.0
    while True:
        found = await within_radius(conn, ns, lat, lon, radius, limit=k)
        if len(found) >= k or radius >= HALF_CIRCUMFERENCE_KM:
            return found
        radius = min(radius * 4, HALF_CIRCUMFERENCE_KM)


async def locations(
    conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int]
) -> dict[int, tuple[float, float]]:
    """(lat, lon) of the located vertices among ``ids``."""
    records = await conn.fetch(
        f"SELECT id, lat, lon FROM {table(ns.name, '_kg_vertex')} "
        "WHERE id = ANY($1::graphid[]) AND lat IS NOT NULL",
        list(ids),
    )
    return {id_: (lat, lon) for id_, lat, lon in records}
