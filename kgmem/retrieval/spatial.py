"""The spatial axis: vertices within a radius, within a box, or nearest a point, with
exact great-circle distances (``kgmem.storage.indexes.geo``). Facts qualify through their
subject or object, whichever is nearer.

Scores: within a radius, ``1 - d / radius``; nearest-k and box-with-centre,
``1 / (1 + d / scale)`` with ``scale`` the farthest distance the generator found (at
least 1 km); a box without a centre, 1 for everything inside.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kgmem.model import PlaceQuery
from kgmem.retrieval.fusion import Scored
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.indexes import geo


@dataclass(frozen=True, slots=True)
class Area:
    """The answer of the spatial generator: distances (km, or None inside a box without
    a centre) of the vertices found, and the scale scores are measured against."""

    distances: Mapping[int, float | None]
    scale_km: float
    # Boxes containing every point ``inside`` can accept when the place is a circle
    # (a radius, or nearest-k out to ``scale_km``): a point outside them is rejected
    # without its distance. A little wider than the circle, so rounding cannot cut it.
    boxes: tuple[geo.Box, ...] | None = None


async def generate(conn: Connection, ns: NamespaceRef, p: PlaceQuery, *, limit: int) -> Area:
    """The vertices the place asks for."""
    found: list[tuple[int, float | None]]
    if p.box is not None:
        centre = (p.near.lat, p.near.lon) if p.near else None
        found = list(await geo.within_box(conn, ns, p.box, centre=centre, limit=limit))
        if p.near is not None and p.radius_km is not None:
            found = [(i, d) for i, d in found if d is not None and d <= p.radius_km]
    elif p.near is not None and p.radius_km is not None:
        found = list(
            await geo.within_radius(conn, ns, p.near.lat, p.near.lon, p.radius_km, limit=limit)
        )
    else:
        assert p.near is not None
        k = p.nearest or limit
        found = list(await geo.nearest(conn, ns, p.near.lat, p.near.lon, k=k))
    far = max((d for _, d in found if d is not None), default=0.0)
    scale = p.radius_km if p.radius_km else max(far, 1.0)
    boxes = None
    if p.near is not None and p.box is None:
        reach = (p.radius_km if p.radius_km is not None else scale) * (1 + 1e-6) + 1e-3
        boxes = tuple(geo.circle_boxes(p.near.lat, p.near.lon, reach))
    return Area(dict(found), scale, boxes)


def inside(p: PlaceQuery, area: Area, lat: float, lon: float) -> float | None:
    """Distance in km (0 inside a centreless box) if the point meets the place, else
    None. Used for candidates other axes found."""
    if area.boxes is not None and not any(
        s <= lat <= n and w <= lon <= e for s, w, n, e in area.boxes
    ):
        return None  # outside the circle's boxes: farther than the circle reaches
    if p.box is not None and not _in_box(p.box, lat, lon):
        return None
    d = geo.haversine_km(p.near.lat, p.near.lon, lat, lon) if p.near else 0.0
    if p.radius_km is not None and d > p.radius_km * (1 + 1e-9):
        return None
    if p.box is None and p.radius_km is None and d > area.scale_km * (1 + 1e-9):
        return None  # nearest-k: only as far as the k-th nearest
    return d


def band(area: Area) -> tuple[float, float]:
    """The latitudes (south, north) every point ``inside`` accepts lies between."""
    if area.boxes is None:
        return -90.0, 90.0
    return min(b[0] for b in area.boxes), max(b[2] for b in area.boxes)


def score(p: PlaceQuery, area: Area, d: float) -> Scored:
    """The spatial score at distance ``d`` km."""
    if p.near is None:
        return Scored(1.0, "inside the box")
    if p.radius_km is not None:
        value = 1.0 - d / p.radius_km if p.radius_km > 0 else 1.0
        return Scored(max(0.0, value), f"{d:.1f} km away (radius {p.radius_km:g} km)")
    return Scored(1.0 / (1.0 + d / area.scale_km), f"{d:.1f} km away")


def _in_box(box: tuple[float, float, float, float], lat: float, lon: float) -> bool:
    return any(s <= lat <= n and w <= lon <= e for s, w, n, e in geo.split(box))
