"""The spatial statements compute the distance inline (``geo.distance_sql``) instead
of calling ``kgmem.haversine_km``: same float8 for every pair, and the same answers as
the old statements on a hand-built graph with ties, across 180 degrees and at the poles."""

import random

from kgmem import BatchWrite, EntityWrite, Memory
from kgmem.model import GeoPoint
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.indexes import geo
from kgmem.storage.sql import table
from tests.retrieval.graphs import CITIES, add_cities

SPECIAL = [
    (90.0, 0.0),
    (-90.0, 0.0),
    (89.9999, 179.9999),
    (0.0, 180.0),
    (0.0, -180.0),
    (-18.1416, 178.4419),
    (-13.8333, -171.7667),
    (0.0, 0.0),
    (51.5074, -0.1278),
]


def pairs() -> list[tuple[float, float, float, float]]:
    rng = random.Random(7)
    out = [(*a, *b) for a in SPECIAL for b in SPECIAL]  # antipodes and coincident too
    for _ in range(2000):
        out.append(
            (
                rng.uniform(-90, 90),
                rng.uniform(-180, 180),
                rng.uniform(-90, 90),
                rng.uniform(-180, 180),
            )
        )
    return out


async def test_inline_distance_is_the_function_bit_for_bit(memory: Memory) -> None:
    ps = pairs()
    expr = geo.distance_sql("p.a", "p.b", "p.c", "p.d")
    async with memory.database.acquire() as conn:
        rows = await conn.fetch(
            f"SELECT kgmem.haversine_km(p.a, p.b, p.c, p.d) AS f, {expr} AS i "
            "FROM unnest($1::float8[], $2::float8[], $3::float8[], $4::float8[]) "
            "WITH ORDINALITY AS p(a, b, c, d, n) ORDER BY p.n",
            *[list(col) for col in zip(*ps, strict=True)],
        )
    assert len(rows) == len(ps)
    for (a, b, c, d), row in zip(ps, rows, strict=True):
        assert row["i"] == row["f"], (a, b, c, d)
        # The client's formula too: the filter stage reuses the statement's distances.
        assert geo.haversine_km(a, b, c, d) == row["f"], (a, b, c, d)


def ring(lat: float, lon: float) -> list[tuple[str, float, float]]:
    """Points at equal distances from (lat, lon): mirror images, so ties on distance."""
    out = []
    for k, (dlat, dlon) in enumerate([(0.5, 0.0), (-0.5, 0.0), (0.0, 0.7), (0.0, -0.7)]):
        la, lo = lat + dlat, lon + dlon
        lo = lo - 360 if lo > 180 else lo + 360 if lo < -180 else lo
        out.append((f"ring_{lat}_{lon}_{k}", la, lo))
    return out


async def old_radius(
    conn: Connection, ns: NamespaceRef, lat: float, lon: float, radius_km: float, limit: int
) -> list[tuple[int, float]]:
    """The statement before the inline distance: the SQL function over every row."""
    return [
        (r["id"], float(r["d"]))
        for r in await conn.fetch(
            f"SELECT id, d FROM (SELECT v.id, kgmem.haversine_km($1, $2, v.lat, v.lon) AS d "
            f"FROM {table(ns.name, '_kg_vertex')} v WHERE v.lat IS NOT NULL) s "
            "WHERE d <= $3 ORDER BY d, id LIMIT $4",
            lat,
            lon,
            radius_km,
            limit,
        )
    ]


async def test_radius_box_and_nearest_answer_as_the_function_did(
    memory: Memory, namespace: str
) -> None:
    await add_cities(memory, namespace)
    centres = [(0.0, 0.0), (0.0, 179.8), (-18.0, -179.9), (89.5, 10.0), (-89.5, -120.0)]
    points = [p for c in centres for p in ring(*c)]
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite(name, "Place", {"name": name}, location=GeoPoint(la, lo))
                for name, la, lo in points
            ]
        ),
    )
    async with memory.database.acquire() as conn:
        ns = await memory.database.namespaces.resolve(conn, namespace)
        queries = [(*c, r) for c in centres for r in (10.0, 60.0, 80.0, 2000.0)]
        queries += [(*p, r) for p in CITIES.values() for r in (400.0, 1300.0, 20000.0)]
        for lat, lon, radius in queries:
            for limit in (2, 3, 50):
                got = await geo.within_radius(conn, ns, lat, lon, radius, limit=limit)
                want = await old_radius(conn, ns, lat, lon, radius, limit)
                assert got == want, (lat, lon, radius, limit)
        ties = await geo.within_radius(conn, ns, 0.0, 179.8, 80.0, limit=50)
        assert len({d for _, d in ties}) < len(ties)  # the ring's mirror images tie
        for box, centre in [
            ((-1.0, 179.0, 1.0, -179.0), (0.0, 179.8)),  # crosses 180
            ((-1.0, 179.0, 1.0, -179.0), None),
            ((88.0, -180.0, 90.0, 180.0), (89.5, 10.0)),
        ]:
            got_box = await geo.within_box(conn, ns, box, centre=centre, limit=50)
            assert got_box == await old_box(conn, ns, box, centre), (box, centre)
            assert got_box
        near = await geo.nearest(conn, ns, 0.0, 179.8, k=3)
        assert near == (await old_radius(conn, ns, 0.0, 179.8, 1e6, 10_000))[:3]


async def old_box(
    conn: Connection, ns: NamespaceRef, box: geo.Box, centre: tuple[float, float] | None
) -> list[tuple[int, float | None]]:
    """The box statement before the inline distance."""
    clauses: list[str] = []
    args: list[float] = []
    for i, (south, west, north, east) in enumerate(geo.split(box)):
        n = 3 + 4 * i
        clauses.append(
            f"point(v.lon, v.lat) <@ box(point(${n + 1}, ${n}), point(${n + 3}, ${n + 2}))"
        )
        args.extend([south, west, north, east])
    lat, lon = centre if centre else (None, None)
    records = await conn.fetch(
        f"SELECT v.id, kgmem.haversine_km($1, $2, v.lat, v.lon) AS d "
        f"FROM {table(ns.name, '_kg_vertex')} v "
        f"WHERE v.lat IS NOT NULL AND ({' OR '.join(clauses)}) "
        "ORDER BY d NULLS LAST, v.id LIMIT 50",
        lat,
        lon,
        *args,
    )
    return [(r["id"], None if r["d"] is None else float(r["d"])) for r in records]


def test_the_circle_boxes_precheck_rejects_only_points_inside_would_reject() -> None:
    """``spatial.inside`` with the area's prefilter boxes against the same call without
    them, for points near the circle's edge, across 180 degrees and at the poles."""
    from kgmem.model import PlaceQuery
    from kgmem.retrieval import spatial

    rng = random.Random(11)
    centres = [*SPECIAL, (-18.0, -179.9), (89.5, 10.0), (-89.5, -120.0), (0.0, 179.99)]
    checked = kept = 0
    for lat, lon in centres:
        for radius, nearest in [
            (0.0, None),
            (50.0, None),
            (200.0, None),
            (3000.0, None),
            (None, 5),
        ]:
            place = PlaceQuery(near=GeoPoint(lat, lon), radius_km=radius, nearest=nearest)
            scale = radius if radius else 200.0
            reach = (radius if radius is not None else scale) * (1 + 1e-6) + 1e-3
            boxed = spatial.Area({}, scale, tuple(geo.circle_boxes(lat, lon, reach)))
            plain = spatial.Area({}, scale)
            points = [(lat, lon), (lat, -lon), (-lat, lon)]
            for _ in range(400):
                d = scale * rng.uniform(0.9, 1.1) / geo.KM_PER_DEGREE
                la = max(-90.0, min(90.0, lat + rng.uniform(-d, d)))
                lo = (lon + rng.uniform(-3 * d, 3 * d) + 180.0) % 360.0 - 180.0
                points.append((la, lo))
            for la, lo in points:
                want = spatial.inside(place, plain, la, lo)
                assert spatial.inside(place, boxed, la, lo) == want, (lat, lon, radius, la, lo)
                checked += 1
                kept += want is not None
    assert 0 < kept < checked
