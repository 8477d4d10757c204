"""Bytes and points through the real driver: stored, matched and returned as the
driver's own types; over REST as kgmem's documented maps."""

import math

from neo4j.spatial import CartesianPoint, WGS84Point

from kgmem.cypher.stored_values import BYTES_KEY
from tests.fixtures.bolt import Bolt


async def test_bytes_are_stored_matched_and_returned_as_bytes(bolt: Bolt) -> None:
    data = bytes(range(256))
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        await (
            await session.run("CREATE (:F {data: $b, parts: $l})", b=data, l=[b"a", b""])
        ).consume()
        record = await (
            await session.run(
                "MATCH (f:F) WHERE f.data = $b RETURN f.data AS d, f.parts AS p, f", b=data
            )
        ).single()
        echoed = await (await session.run("RETURN $b AS b", b=b"\x00\xff")).single()
    assert record is not None and echoed is not None
    assert record["d"] == data and isinstance(record["d"], bytes)
    assert record["p"] == [b"a", b""]
    assert record["f"]["data"] == data
    assert echoed["b"] == b"\x00\xff"
    rest = await bolt.memory.cypher("alpha", "MATCH (f:F) RETURN f.parts AS p")
    assert rest.rows == [[[{BYTES_KEY: "YQ=="}, {BYTES_KEY: ""}]]]


async def test_points_are_stored_and_returned_as_points(bolt: Bolt) -> None:
    plane, space = CartesianPoint((1.5, -2.0)), CartesianPoint((1.0, 2.0, 3.0))
    place = WGS84Point((12.99, 55.61))
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        await (
            await session.run("CREATE (:P {a: $a, b: $b, c: $c})", a=plane, b=space, c=place)
        ).consume()
        record = await (
            await session.run("MATCH (p:P) WHERE p.c = $c RETURN p.a AS a, p.b AS b, p", c=place)
        ).single()
    assert record is not None
    assert isinstance(record["a"], CartesianPoint) and tuple(record["a"]) == (1.5, -2.0)
    assert isinstance(record["b"], CartesianPoint) and tuple(record["b"]) == (1.0, 2.0, 3.0)
    stored = record["p"]["c"]
    assert isinstance(stored, WGS84Point)
    assert (stored.longitude, stored.latitude, stored.srid) == (12.99, 55.61, 4326)


async def test_points_made_by_point_go_out_as_points(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        await (await session.run("CREATE (:Q {at: point({x: 1.0, y: 2.0})})")).consume()
        record = await (
            await session.run(
                "MATCH (q:Q) RETURN q.at AS at, point({longitude: 12.5, latitude: 55.5}) AS "
                "place, point({x: 1, y: 2, z: 3}) AS space, q"
            )
        ).single()
    assert record is not None
    assert isinstance(record["at"], CartesianPoint) and tuple(record["at"]) == (1.0, 2.0)
    assert isinstance(record["q"]["at"], CartesianPoint)
    place = record["place"]
    assert isinstance(place, WGS84Point) and (place.longitude, place.latitude) == (12.5, 55.5)
    assert isinstance(record["space"], CartesianPoint) and tuple(record["space"]) == (1, 2, 3)


async def test_a_map_that_only_looks_like_a_point_stays_a_map(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        record = await (
            await session.run("RETURN {srid: 1, x: 1.0, y: 2.0} AS m, {x: 1, y: 2} AS n")
        ).single()
    assert record is not None
    assert record["m"] == {"srid": 1, "x": 1.0, "y": 2.0} and record["n"] == {"x": 1, "y": 2}


async def test_non_finite_floats_are_floats_and_the_string_nan_a_string(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        await (await session.run("CREATE (:Z {zero: 0.0, s: 'NaN'})")).consume()
        record = await (
            await session.run(
                "MATCH (z:Z) RETURN z.zero / 0.0 AS nan, 1 / z.zero AS inf, "
                "[-1 / z.zero] AS l, z.s AS s, {v: 0.0 / 0.0} AS m"
            )
        ).single()
    assert record is not None
    assert isinstance(record["nan"], float) and math.isnan(record["nan"])
    assert record["inf"] == math.inf and record["l"] == [-math.inf]
    assert record["s"] == "NaN" and isinstance(record["s"], str)
    assert math.isnan(record["m"]["v"])
    rest = await bolt.memory.cypher("alpha", "MATCH (z:Z) RETURN z.zero / 0.0 AS nan, z.s AS s")
    assert rest.rows == [["NaN", "NaN"]]  # JSON has no NaN: its name
