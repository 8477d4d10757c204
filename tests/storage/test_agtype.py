import math

from kgmem.storage import agtype


def test_plain_json_round_trips() -> None:
    value = {"name": 'Al "the" ☃', "n": 1, "f": 2.5, "l": [None, True, {"k": "v"}]}
    assert agtype.decode(agtype.encode(value)) == value


def test_encoding_is_compact_json_with_unicode_kept() -> None:
    assert agtype.encode({"a": [1, 2.5, None], "b": "é"}) == '{"a":[1,2.5,null],"b":"é"}'


def test_vertex_and_edge_annotations_are_stripped() -> None:
    text = '{"id": 1, "label": "P", "properties": {"s": "a::vertex in text"}}::vertex'
    assert agtype.decode(text) == {"id": 1, "label": "P", "properties": {"s": "a::vertex in text"}}


def test_path_with_nested_annotations() -> None:
    text = (
        '[{"id": 1, "label": "A", "properties": {}}::vertex, '
        '{"id": 2, "label": "R", "end_id": 3, "start_id": 1, "properties": {}}::edge, '
        '{"id": 3, "label": "B", "properties": {}}::vertex]::path'
    )
    decoded = agtype.decode(text)
    assert [e["id"] for e in decoded] == [1, 2, 3]


def test_numeric_and_special_floats() -> None:
    assert agtype.decode("1.5::numeric") == 1.5
    assert math.isnan(agtype.decode("NaN"))
    assert agtype.decode("[Infinity, -Infinity]") == [math.inf, -math.inf]


def test_escaped_quotes_inside_strings_do_not_confuse_the_scanner() -> None:
    text = '{"a": "x\\"::edge\\" y"}::vertex'
    assert agtype.decode(text) == {"a": 'x"::edge" y'}


def test_none_decodes_to_none() -> None:
    assert agtype.decode(None) is None
