"""``point()``, ``point.distance()``, ``point.withinBBox()`` and a point's components,
with points stored as maps (``kgmem.cypher.neo4j_functions``)."""

import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher.neo4j_functions import is_point
from kgmem.errors import CypherTypeError


def _haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    a = (
        math.sin(math.radians(lat2 - lat1) / 2) ** 2
        + math.cos(math.radians(lat1))
        * math.cos(math.radians(lat2))
        * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6378140.0 * math.atan2(math.sqrt(a), math.sqrt(1 - a))


_HERE = {"crs": "wgs-84", "srid": 4326, "x": 12.6, "y": 55.7, "longitude": 12.6, "latitude": 55.7}


async def test_points_in_each_coordinate_system(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "RETURN point({x: 3, y: 4}) AS c, point({longitude: 12.5, latitude: 55.6}) AS g, "
        "point({x: 1, y: 2, z: 3}) AS c3, point({latitude: 1, longitude: 2, height: 3}) AS g3, "
        "point({x: 12.5, y: 55.6, crs: 'WGS-84'}) AS by_crs, point({x: 1, y: 2, srid: 7203}) AS s",
    )
    c, g, c3, g3, by_crs, by_srid = result.rows[0]
    assert c == {"crs": "cartesian", "srid": 7203, "x": 3.0, "y": 4.0}
    assert g == {"crs": "wgs-84", "srid": 4326, "x": 12.5, "y": 55.6, "longitude": 12.5,
                 "latitude": 55.6}  # fmt: skip
    assert c3 == {"crs": "cartesian-3d", "srid": 9157, "x": 1.0, "y": 2.0, "z": 3.0}
    assert g3 == {"crs": "wgs-84-3d", "srid": 4979, "x": 2.0, "y": 1.0, "z": 3.0,
                  "longitude": 2.0, "latitude": 1.0, "height": 3.0}  # fmt: skip
    assert by_crs == g and by_srid["crs"] == "cartesian"
    assert all(is_point(p) for p in result.rows[0])
    assert not is_point({"crs": "cartesian", "srid": 4326, "x": 1.0, "y": 2.0})


async def test_stored_points_answer_components_distances_and_boxes(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:Station {city: 'Copenhagen', at: point({longitude: 12.564590, latitude: "
        "55.672874})}), (:Station {city: 'Malmo', at: point({longitude: 12.994341, latitude: "
        "55.611784})})",
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "MATCH (a:Station {city: 'Copenhagen'}), (b:Station {city: 'Malmo'}) "
        "RETURN point.distance(a.at, b.at) AS d, a.at.latitude AS lat, a.at.longitude AS lon, "
        "a.at.crs AS crs, a.at.srid AS srid, a.at.x AS x",
    )
    d, lat, lon, crs, srid, x = result.rows[0]
    assert d == pytest.approx(_haversine(12.564590, 55.672874, 12.994341, 55.611784), rel=1e-12)
    assert d == pytest.approx(27842.0, abs=1.0)
    assert (lat, lon, crs, srid, x) == (55.672874, 12.56459, "wgs-84", 4326, 12.56459)
    near = await memory.cypher(
        namespace,
        "MATCH (s:Station) WHERE point.distance(s.at, $here) < 10000 "
        "AND point.withinBBox(s.at, point({longitude: 12, latitude: 55}), "
        "point({longitude: 13, latitude: 56})) RETURN s.city AS city",
        {
            "here": {
                "crs": "wgs-84",
                "srid": 4326,
                "x": 12.6,
                "y": 55.7,
                "longitude": 12.6,
                "latitude": 55.7,
            }
        },
    )
    assert near.rows == [["Copenhagen"]]


async def test_distances_boxes_and_their_edges(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "WITH point({x: 0, y: 0}) AS o RETURN point.distance(o, point({x: 3, y: 4})) AS d, "
        "point.distance(o, point({latitude: 0, longitude: 0})) AS mixed, "
        "point.distance(point({x: 0, y: 0, z: 0}), point({x: 2, y: 3, z: 6})) AS d3, "
        "point.distance(o, null) AS n, "
        "point.withinBBox(point({x: 1, y: 1}), o, point({x: 2, y: 2})) AS inside, "
        "point.withinBBox(point({x: 3, y: 1}), o, point({x: 2, y: 2})) AS outside, "
        "point.withinBBox(point({longitude: 179.5, latitude: 0}), "
        "point({longitude: 179, latitude: -1}), point({longitude: -179, latitude: 1})) AS wraps, "
        "point({x: null, y: 1}) AS none",
    )
    assert result.rows == [[5.0, None, 7.0, None, True, False, True, None]]


@pytest.mark.parametrize(
    "query",
    [
        "RETURN point({x: 'a', y: 1}) AS p",
        "RETURN point({latitude: 100, longitude: 1}) AS p",
        "RETURN point({x: 1, y: 2, crs: 'cartesian-3d'}) AS p",
        "RETURN point({x: 1, y: 2, srid: 1234}) AS p",
        "RETURN point(1) AS p",
        "RETURN point.distance({a: 1}, point({x: 1, y: 2})) AS p",
    ],
)
async def test_what_is_no_point_is_a_type_error(memory: Memory, namespace: str, query: str) -> None:
    with pytest.raises(CypherTypeError):
        await memory.cypher(namespace, query)


_COORD = st.floats(-1e6, 1e6, allow_nan=False)
_LON = st.floats(-180, 180, allow_nan=False)
_LAT = st.floats(-90, 90, allow_nan=False)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(
    st.tuples(st.just("x"), st.just("y"), _COORD, _COORD, _COORD, _COORD),
    st.tuples(st.just("longitude"), st.just("latitude"), _LON, _LAT, _LON, _LAT),
))  # fmt: skip
@example(("longitude", "latitude", 0.0, 0.0, 0.0, 5e-324))  # radians() underflowed
async def test_distance_is_symmetric_and_zero_on_itself(
    memory: Memory, namespace: str, points: tuple[str, str, float, float, float, float]
) -> None:
    kx, ky, x1, y1, x2, y2 = points
    result = await memory.cypher(
        namespace,
        f"WITH point({{{kx}: $x1, {ky}: $y1}}) AS a, point({{{kx}: $x2, {ky}: $y2}}) AS b "
        "RETURN point.distance(a, b) AS ab, point.distance(b, a) AS ba, "
        "point.distance(a, a) AS aa, point.withinBBox(a, a, a) AS self",
        {"x1": x1, "y1": y1, "x2": x2, "y2": y2},
    )
    ab, ba, aa, itself = result.rows[0]
    assert ab == pytest.approx(ba, rel=1e-9, abs=1e-6)
    assert aa == 0.0 and ab >= 0.0 and itself is True
    if kx == "x":
        assert ab == pytest.approx(math.hypot(x1 - x2, y1 - y2), rel=1e-9, abs=1e-6)
