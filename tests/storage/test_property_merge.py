"""Joining imported statements into stored properties: however the statements are cut
into batches, every statement keeps every graph it was in, and a flattened property
shows the preferred value of all its values."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem.storage.graph.property_merge import (
    DEFAULT_GRAPH,
    GRAPHS_PROPERTY,
    LITERALS_PROPERTY,
    membership,
    merge_edge_properties,
    merge_properties,
    statements,
    value_key,
)

VALUES = st.one_of(
    st.sampled_from(["a", "b", "1"]),
    st.sampled_from([1, True, 1.5]),
    st.builds(
        lambda v, lang: {"@value": v, "@language": lang},
        st.sampled_from(["a", "x"]),
        st.sampled_from(["en", "de", "en-GB"]),
    ),
)
STATEMENT = st.tuples(
    st.sampled_from(["name", "age", "rdf_type"]),
    VALUES,
    st.sampled_from([DEFAULT_GRAPH, "http://g/1", "_:g2"]),
)


def one(key: str, value: Any, graph: str) -> dict[str, Any]:
    """The properties one statement adds, as the RDF mapper builds them."""
    props: dict[str, Any] = {key: value}
    if isinstance(value, dict):
        props[LITERALS_PROPERTY] = {key: [value]}
    if graph != DEFAULT_GRAPH:
        props[GRAPHS_PROPERTY] = {graph: {key: [value]}}
    return props


def graphs_of(props: dict[str, Any]) -> dict[tuple[str, bytes], set[str]]:
    found = membership(props)
    return {
        (key, value_key(v)): found.get((key, value_key(v)), {DEFAULT_GRAPH})
        for key, values in statements(props).items()
        for v in values
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(STATEMENT, min_size=1, max_size=12), st.lists(st.integers(1, 4), max_size=6))
def test_every_statement_keeps_every_graph_whatever_the_batches(
    stmts: list[tuple[str, Any, str]], cuts: list[int]
) -> None:
    want: dict[tuple[str, bytes], set[str]] = {}
    for key, value, graph in stmts:
        want.setdefault((key, value_key(value)), set()).add(graph)
    # Cut the statements into batches; each batch is merged alone, then into the store.
    stored: dict[str, Any] = {}
    start = 0
    for size in [*cuts, len(stmts)]:
        batch: dict[str, Any] = {}
        for key, value, graph in stmts[start : start + size]:
            batch = merge_properties(batch, one(key, value, graph))
        stored = merge_properties(stored, batch)
        start += size
        if start >= len(stmts):
            break
    assert graphs_of(stored) == want
    for key, values in statements(stored).items():
        if key in stored.get(LITERALS_PROPERTY, {}):
            assert not isinstance(stored[key], list | dict)  # flattened: one plain value
            assert stored[key] in [v["@value"] if isinstance(v, dict) else v for v in values]


def test_english_is_preferred_over_earlier_tags() -> None:
    props = merge_properties({}, one("name", {"@value": "Alicia", "@language": "es"}, "default"))
    props = merge_properties(
        props, one("name", {"@value": "Alice", "@language": "en-GB"}, "default")
    )
    assert props["name"] == "Alice"
    props = merge_properties(props, one("name", "Al", "default"))
    assert props["name"] == "Al"  # a value without a tag comes first
    assert len(props[LITERALS_PROPERTY]["name"]) == 3


def test_edge_graphs_union_and_default_stays_implicit() -> None:
    assert merge_edge_properties({"iri": "p"}, {"iri": "p"}) == {"iri": "p"}
    named = merge_edge_properties({"iri": "p"}, {GRAPHS_PROPERTY: ["http://g"]})
    assert named[GRAPHS_PROPERTY] == [DEFAULT_GRAPH, "http://g"]
    only = merge_edge_properties({GRAPHS_PROPERTY: ["http://g"]}, {GRAPHS_PROPERTY: ["_:h"]})
    assert only[GRAPHS_PROPERTY] == ["_:h", "http://g"]
