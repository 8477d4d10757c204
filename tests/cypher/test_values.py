"""AGE's agtype text as typed JSON: vertices, edges, paths, numerics, non-finite floats."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem.cypher.values import MAX_DEPTH, decode
from kgmem.errors import LimitExceeded

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


def nested(depth: int, kind: str) -> str:
    """A value ``depth`` lists (or maps) deep, with brackets inside its innermost string."""
    if kind == "list":
        return "[" * depth + '"]][[{"' + "]" * depth
    return '{"k":' * depth + '"}}{{["' + "}" * depth


@settings(max_examples=60)
@given(st.integers(1, 3 * MAX_DEPTH), st.sampled_from(["list", "map"]), st.booleans())
def test_nesting_is_refused_past_the_limit_and_decoded_up_to_it(
    depth: int, kind: str, in_a_vertex: bool
) -> None:
    text = nested(depth, kind)
    if in_a_vertex:  # the vertex and its properties are two more levels
        text = f'{{"id": 1, "label": "L", "properties": {{"v": {text}}}}}::vertex'
    levels = depth + (2 if in_a_vertex else 0)
    if levels > MAX_DEPTH:
        with pytest.raises(LimitExceeded):
            decode(text)
    else:
        value = decode(text)
        if in_a_vertex:
            value = value["properties"]["v"]
        for _ in range(depth):
            value = value[0] if kind == "list" else value["k"]
        assert value in ("]][[{", "}}{{[")


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = '["' + "[" * (2 * MAX_DEPTH) + '", "\\"' + "{" * MAX_DEPTH + '"]'
    assert decode(text) == ["[" * (2 * MAX_DEPTH), '"' + "{" * MAX_DEPTH]
