"""APOC's functions the libraries call: apoc.map.clean / merge, apoc.any.property /
properties, apoc.coll.toSet / flatten, with APOC's answers, in any expression; other
dotted names stay refused."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.errors import CypherRejected, CypherTypeError


async def _value(memory: Memory, namespace: str, query: str, **params: Any) -> Any:
    return (await memory.cypher(namespace, query, params)).rows[0][0]


async def test_map_clean_drops_keys_nulls_and_listed_values(memory: Memory, namespace: str) -> None:
    cleaned = await _value(memory, namespace,
                           "RETURN apoc.map.clean({name: 'CR', club: '', dob: 'x', n: null, "
                           "k: 1}, ['dob'], ['']) AS m")  # fmt: skip
    assert cleaned == {"name": "CR", "k": 1}
    # a value goes when its text is listed, as in APOC
    assert await _value(memory, namespace, "RETURN apoc.map.clean({a: 1, b: 2}, [], ['1'])") == {
        "b": 2}  # fmt: skip
    assert await _value(memory, namespace, "RETURN apoc.map.clean(null, [], [])") is None


async def test_map_clean_from_a_parameter_in_set(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:E {id: 1, keep: 0, drop: 0})", mode="write")
    await memory.cypher(
        namespace, "MATCH (e:E) SET e += apoc.map.clean($p, [], [])",
        {"p": {"keep": 5, "drop": None, "new": [1.5]}}, mode="write",
    )  # fmt: skip
    props = await _value(memory, namespace, "MATCH (e:E) RETURN properties(e)")
    assert props == {"id": 1, "keep": 5, "drop": 0, "new": [1.5]}


async def test_map_merge(memory: Memory, namespace: str) -> None:
    assert await _value(memory, namespace, "RETURN apoc.map.merge({a: 1, b: 2}, {b: 3, c: 4})") == {
        "a": 1, "b": 3, "c": 4}  # fmt: skip
    assert await _value(memory, namespace, "RETURN apoc.map.merge(null, {b: 3})") == {"b": 3}
    with pytest.raises(CypherTypeError, match=r"apoc.map.merge: expected a map"):
        await _value(memory, namespace, "RETURN apoc.map.merge([1], {})")


async def test_any_property_of_nodes_relationships_and_maps(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:P {name: 'A', age: 3})-[:R {w: 0.5}]->(:P)",
                        mode="write")  # fmt: skip
    result = await memory.cypher(
        namespace,
        "MATCH (a {name: 'A'})-[r]->() RETURN apoc.any.property(a, 'name'), "
        "apoc.any.property(r, 'w'), apoc.any.properties(a), apoc.any.properties(a, ['age']), "
        "apoc.any.property({x: 1}, 'x'), apoc.any.property(a, 'missing'), "
        "apoc.any.property(null, 'x')",
    )
    assert result.rows == [["A", 0.5, {"name": "A", "age": 3}, {"age": 3}, 1, None, None]]


async def test_coll_to_set_and_flatten(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "RETURN apoc.coll.toSet([3, 1, 3, 'a', 'a', [1], [1]]), apoc.coll.flatten([1, [2, [3]]]), "
        "apoc.coll.flatten([1, [2, [3]]], true), apoc.coll.toSet(null)",
    )
    assert result.rows == [[[3, 1, "a", [1]], [1, 2, [3]], [1, 2, 3], None]]


async def test_names_are_case_insensitive_and_others_refused(
    memory: Memory, namespace: str
) -> None:
    assert await _value(memory, namespace, "RETURN APOC.COLL.TOSET([1, 1])") == [1]
    with pytest.raises(CypherRejected):
        await memory.cypher(namespace, "RETURN apoc.util.sleep(10)")
    with pytest.raises(CypherRejected):
        await memory.cypher(namespace, "RETURN pg_catalog.pg_sleep(10)")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(st.integers(-5, 5), st.sampled_from(["a", "b", ""])), max_size=8))
async def test_to_set_keeps_first_seen_order(
    memory: Memory, namespace: str, values: list[Any]
) -> None:
    expected = list(dict.fromkeys(values))
    assert await _value(memory, namespace, "RETURN apoc.coll.toSet($v)", v=values) == expected
