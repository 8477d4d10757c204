"""Spatial axis: exact great-circle distances, radius, box and nearest-k, across the
antimeridian and near the poles; checked against an independent formula."""

import math

import pytest

from kgmem import Memory
from kgmem.errors import InvalidInput
from kgmem.model import GeoPoint, PlaceQuery, SearchQuery
from kgmem.storage.indexes import geo
from tests.retrieval.graphs import CITIES, add_cities, uids


def law_of_cosines_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Spherical law of cosines: a different formula for the same sphere."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1])
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return geo.EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, c)))


def within(centre: tuple[float, float], radius: float) -> set[str]:
    return {n for n, p in CITIES.items() if law_of_cosines_km(centre, p) <= radius}


@pytest.mark.parametrize(
    ("a", "b", "km", "tolerance"),
    [
        ("london", "paris", 344, 2),
        ("london", "new_york", 5570, 15),
        ("berlin", "paris", 878, 5),
    ],
)
def test_known_city_distances(a: str, b: str, km: float, tolerance: float) -> None:
    assert geo.haversine_km(*CITIES[a], *CITIES[b]) == pytest.approx(km, abs=tolerance)


def test_haversine_is_exact_for_antipodes_and_across_180() -> None:
    assert geo.haversine_km(0, 0, 0, 180) == pytest.approx(geo.HALF_CIRCUMFERENCE_KM)
    assert geo.haversine_km(0, 179.5, 0, -179.5) == pytest.approx(geo.KM_PER_DEGREE, rel=1e-9)


def test_circle_boxes_split_at_180_and_open_at_the_poles() -> None:
    boxes = geo.circle_boxes(-18.0, 179.0, 500)
    assert len(boxes) == 2
    assert {b[3] for b in boxes} >= {180.0} and {b[1] for b in boxes} >= {-180.0}
    assert geo.circle_boxes(89.0, 10.0, 300) == [
        (89.0 - 300 / geo.KM_PER_DEGREE, -180.0, 90.0, 180.0)
    ]


async def test_sql_distance_matches_python(memory: Memory, namespace: str) -> None:
    async with memory.database.acquire() as conn:
        got = await conn.fetchval(
            "SELECT kgmem.haversine_km($1, $2, $3, $4)", *CITIES["suva"], *CITIES["apia"]
        )
    assert got == pytest.approx(geo.haversine_km(*CITIES["suva"], *CITIES["apia"]), rel=1e-12)


async def place_search(memory: Memory, namespace: str, place: PlaceQuery, k: int = 20) -> list[str]:
    result = await memory.search(namespace, SearchQuery(place=place, k=k))
    return uids(result.hits)


async def test_radius_returns_exactly_the_cities_within_it_nearest_first(
    memory: Memory, namespace: str
) -> None:
    await add_cities(memory, namespace)
    got = await place_search(
        memory, namespace, PlaceQuery(near=GeoPoint(*CITIES["london"]), radius_km=400)
    )
    assert got == ["london", "paris"]


async def test_radius_across_the_antimeridian(memory: Memory, namespace: str) -> None:
    await add_cities(memory, namespace)
    centre = CITIES["suva"]
    got = await place_search(memory, namespace, PlaceQuery(near=GeoPoint(*centre), radius_km=1300))
    assert set(got) == within(centre, 1300) == {"suva", "apia", "nuku_alofa"}
    assert got[0] == "suva"


@pytest.mark.parametrize(
    ("centre", "radius"),
    [((-90.0, 0.0), 1500), ((90.0, 0.0), 1400), ((86.0, 120.0), 1400)],
)
async def test_radius_around_and_near_the_poles(
    memory: Memory, namespace: str, centre: tuple[float, float], radius: float
) -> None:
    await add_cities(memory, namespace)
    got = await place_search(
        memory, namespace, PlaceQuery(near=GeoPoint(*centre), radius_km=radius)
    )
    assert set(got) == within(centre, radius)
    assert got  # each case reaches at least one station


async def test_box_crossing_180_degrees(memory: Memory, namespace: str) -> None:
    await add_cities(memory, namespace)
    got = await place_search(memory, namespace, PlaceQuery(box=(-25.0, 175.0, -10.0, -170.0)))
    assert sorted(got) == ["apia", "nuku_alofa", "suva"]
    plain = await place_search(memory, namespace, PlaceQuery(box=(45.0, -5.0, 55.0, 15.0)))
    assert sorted(plain) == ["berlin", "london", "paris"]


async def test_nearest_k_by_exact_distance(memory: Memory, namespace: str) -> None:
    await add_cities(memory, namespace)
    centre = (-15.0, -179.0)
    expected = sorted(CITIES, key=lambda n: law_of_cosines_km(centre, CITIES[n]))[:3]
    got = await place_search(memory, namespace, PlaceQuery(near=GeoPoint(*centre), nearest=3))
    assert got == expected


async def test_empty_area_gives_no_hits(memory: Memory, namespace: str) -> None:
    await add_cities(memory, namespace)
    assert await place_search(memory, namespace, PlaceQuery(box=(0.0, 0.0, 1.0, 1.0))) == []


async def test_hits_carry_distance_scores_and_reasons(memory: Memory, namespace: str) -> None:
    await add_cities(memory, namespace)
    result = await memory.search(
        namespace, SearchQuery(place=PlaceQuery(near=GeoPoint(*CITIES["london"]), radius_km=1000))
    )
    by_uid = {h.uid: h for h in result.hits}
    assert by_uid["london"].scores["spatial"] == pytest.approx(1.0)
    assert by_uid["paris"].scores["spatial"] == pytest.approx(1 - 343.9 / 1000, abs=0.01)
    assert "km away" in by_uid["paris"].reasons["spatial"]


@pytest.mark.parametrize(
    "place",
    [
        PlaceQuery(near=GeoPoint(0, 0), radius_km=-1),
        PlaceQuery(near=GeoPoint(91, 0), radius_km=10),
        PlaceQuery(near=GeoPoint(0, 181), radius_km=10),
        PlaceQuery(box=(10.0, 0.0, 5.0, 1.0)),
        PlaceQuery(radius_km=10),
        PlaceQuery(near=GeoPoint(float("nan"), 0), radius_km=10),
    ],
)
async def test_bad_places_are_refused(memory: Memory, namespace: str, place: PlaceQuery) -> None:
    with pytest.raises(InvalidInput):
        await memory.search(namespace, SearchQuery(place=place))
