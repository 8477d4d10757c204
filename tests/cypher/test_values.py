"""AGE's agtype text as typed JSON: vertices, edges, paths, numerics, non-finite floats."""

from kgmem.cypher.values import decode

VERTEX = '{"id": 1, "label": "P", "properties": {"name": "a::vertex"}}::vertex'
EDGE = '{"id": 3, "label": "K", "end_id": 2, "start_id": 1, "properties": {}}::edge'


def test_vertex_and_edge_say_what_they_are() -> None:
    assert decode(VERTEX) == {
        "kind": "node", "id": 1, "label": "P", "properties": {"name": "a::vertex"},
    }  # fmt: skip
    assert decode(EDGE) == {
        "kind": "relationship", "id": 3, "label": "K", "properties": {}, "start": 1, "end": 2,
    }  # fmt: skip


def test_path_splits_into_nodes_and_relationships() -> None:
    vertex_b = '{"id": 2, "label": "P", "properties": {}}::vertex'
    path = decode(f"[{VERTEX}, {EDGE}, {vertex_b}]::path")
    assert path["kind"] == "path"
    assert [n["id"] for n in path["nodes"]] == [1, 2]
    assert [r["id"] for r in path["relationships"]] == [3]


def test_nested_and_scalar_values() -> None:
    assert decode(f'{{"a": [{VERTEX}], "n": 1.5::numeric}}')["a"][0]["kind"] == "node"
    assert decode("2.50::numeric") == 2.5
    assert decode('"x::edge"') == "x::edge"
    assert decode("[NaN, Infinity, -Infinity]") == ["NaN", "Infinity", "-Infinity"]
    assert decode(None) is None
    assert decode('{"id": 1, "label": "x", "properties": {}}') == {
        "id": 1, "label": "x", "properties": {},
    }  # fmt: skip
