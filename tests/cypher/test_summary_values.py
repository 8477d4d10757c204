"""The pure pieces behind result summaries and Bolt's value types: write items per
query, counters summed, bytes and points in their stored maps, temporal text."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgmem.cypher import stored_values, temporal_text
from kgmem.cypher.write_items import WriteItems, count
from kgmem.model.cypher_summary import CypherCounters, total


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("CREATE (n:A {x: 1})", WriteItems(0, 0)),
        ("MATCH (a) SET a.z = 3, a.w = 4", WriteItems(1, 2)),
        ("MATCH (a) SET a += {m: 1, n: [1, 2]} SET a:B", WriteItems(1, 2)),
        ("MATCH (a) SET a = $p", WriteItems(1, 3)),
        ("UNWIND $rows AS row MATCH (a) SET a += row.props", WriteItems(1, 1)),
        ("MATCH (n) REMOVE n.x, n:L", WriteItems(1, 1)),
        ("MERGE (n {k: 1}) ON CREATE SET n.a = 1 ON MATCH SET n.b = 2, n.c = 3", WriteItems(2, 3)),
        ("MATCH (n) WHERE n.settings = 1 RETURN n.remove", WriteItems(0, 0)),
    ],
)
def test_write_items_count_property_writes_per_clause(query: str, expected: WriteItems) -> None:
    assert count(query, {"p": {"a": 1, "b": 2, "c": 3}}) == expected


def test_rows_updated_share_the_items_of_their_clauses() -> None:
    assert WriteItems(1, 2).properties_set(3) == 6
    assert WriteItems(2, 4).properties_set(6) == 12
    assert WriteItems(0, 0).properties_set(5) == 0


def test_counters_sum_and_say_whether_anything_changed() -> None:
    summed = total([CypherCounters(nodes_created=1), CypherCounters(labels_added=2)])
    assert summed == CypherCounters(nodes_created=1, labels_added=2)
    assert summed.contains_updates and not CypherCounters().contains_updates


@given(st.binary(max_size=64))
def test_bytes_round_trip_through_their_stored_map(data: bytes) -> None:
    assert stored_values.decode(stored_values.encode_bytes(data)) == data


@given(
    st.sampled_from(sorted(stored_values.DIMENSIONS)),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=3, max_size=3),
)
def test_points_round_trip_through_their_stored_map(srid: int, xyz: list[float]) -> None:
    z = xyz[2] if stored_values.DIMENSIONS[srid] == 3 else None
    point = stored_values.Point(srid, xyz[0], xyz[1], z)
    assert stored_values.decode(stored_values.encode_point(point)) == point


@pytest.mark.parametrize(
    "value",
    [{"srid": 1, "x": 1.0, "y": 2.0}, {"srid": 7203, "x": 1.0},
     {"srid": 4326, "x": 1, "y": 2, "z": 3}, {"srid": 7203, "x": "1", "y": 2.0},
     {stored_values.BYTES_KEY: "not base64!"}, {"x": 1, "y": 2}],
)  # fmt: skip
def test_other_maps_stay_maps(value: dict[str, object]) -> None:
    assert stored_values.decode(value) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [("2024-01-31", "Date"), ("2024-01-31T10:00", "LocalDateTime"), ("P1D", "Duration"),
     ("2024-01-31T10:00Z", "DateTime"), ("10:00:01.500+01:00", "Time"), ("12:30", None),
     ("2024-01-31T10:00:00Z", None), ("hello", None), ("2024-13-01", None), ("P", None)],
)  # fmt: skip
def test_only_canonical_temporal_text_reads_as_temporal(text: str, kind: str | None) -> None:
    read = temporal_text.read(text)
    assert (type(read).__name__ if read is not None else None) == kind
