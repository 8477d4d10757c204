"""apoc.refactor.mergeNodes on the store: labels, properties by strategy, relationships
moved and merged, self relationships, repeats and missing nodes, counters, read mode
refused; and the two query shapes neo4j-graphrag's entity resolvers send."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.errors import CypherPermissionDenied, KgmemError

GRAPH = (
    "CREATE (tom:Person {name: 'Tom', age: 40, kids: 1}), "
    "(john:Person:Driver {name: 'John', city: 'Oslo', kids: 2}), "
    "(acme:Company {name: 'Acme'}), (car:Car {brand: 'Volvo'}), "
    "(tom)-[:WORKS_FOR {since: 2015}]->(acme), (john)-[:WORKS_FOR {since: 2018}]->(acme), "
    "(tom)-[:DRIVES]->(car), (john)-[:KNOWS]->(tom)"
)
MERGE = (
    "MATCH (a:Person {name: 'Tom'}), (b:Person {name: 'John'}) "
    "CALL apoc.refactor.mergeNodes([a, b], $config) YIELD node "
    "RETURN labels(node), properties(node)"
)

# neo4j-graphrag's SinglePropertyExactMatchResolver and its similarity resolvers.
EXACT_MATCH = (
    "MATCH (entity:__Entity__) WITH entity, entity.name as prop "
    "WITH entity, prop WHERE prop IS NOT NULL UNWIND labels(entity) as lab  "
    "WITH lab, prop, entity WHERE NOT lab IN ['__Entity__', '__KGBuilder__'] "
    "WITH prop, lab, collect(entity) AS entities "
    "CALL apoc.refactor.mergeNodes(entities,{  properties:'discard',  mergeRels:true }) "
    "YIELD node RETURN count(node) as c "
)
BY_IDS = (
    "MATCH (n) WHERE elementId(n) IN $ids WITH collect(n) AS nodes "
    "CALL apoc.refactor.mergeNodes(nodes, {properties: 'discard', mergeRels: true}) "
    "YIELD node RETURN elementId(node)"
)


async def _rows(memory: Memory, namespace: str, query: str, **params: Any) -> list[list[Any]]:
    return (await memory.cypher(namespace, query, params)).rows


async def _merge(memory: Memory, namespace: str, config: dict[str, Any]) -> list[list[Any]]:
    await memory.cypher(namespace, GRAPH, mode="write")
    return (await memory.cypher(namespace, MERGE, {"config": config}, mode="write")).rows


@pytest.mark.parametrize(
    ("config", "properties"),
    [
        ({}, {"name": "John", "age": 40, "kids": 2, "city": "Oslo"}),
        ({"properties": "overwrite"}, {"name": "John", "age": 40, "kids": 2, "city": "Oslo"}),
        ({"properties": "discard"}, {"name": "Tom", "age": 40, "kids": 1, "city": "Oslo"}),
        ({"properties": "combine"},
         {"name": ["Tom", "John"], "age": 40, "kids": [1, 2], "city": "Oslo"}),
        ({"properties": {"name": "discard", "k.*": "combine", ".*": "overwrite"}},
         {"name": "Tom", "age": 40, "kids": [1, 2], "city": "Oslo"}),
    ],
)  # fmt: skip
async def test_properties_merge_by_strategy_and_labels_join(
    memory: Memory, namespace: str, config: dict[str, Any], properties: dict[str, Any]
) -> None:
    rows = await _merge(memory, namespace, config)
    assert rows == [[["Driver", "Person"], properties]]
    assert await _rows(memory, namespace, "MATCH (p:Person) RETURN count(p)") == [[1]]


async def test_relationships_move_to_the_first_node_and_merge_when_asked(
    memory: Memory, namespace: str
) -> None:
    await _merge(memory, namespace, {"mergeRels": True})
    edges = await _rows(
        memory, namespace,
        "MATCH (a)-[r]->(b) RETURN a.name, type(r), properties(r), coalesce(b.name, b.brand) "
        "ORDER BY type(r)",
    )  # fmt: skip
    assert edges == [
        ["John", "DRIVES", {}, "Volvo"],
        ["John", "KNOWS", {}, "John"],  # John KNOWS Tom became a self relationship
        ["John", "WORKS_FOR", {"since": [2015, 2018]}, "Acme"],  # combined by default
    ]


async def test_without_merge_rels_both_relationships_stay(memory: Memory, namespace: str) -> None:
    await _merge(memory, namespace, {"properties": "discard"})
    works = "MATCH (:Person)-[r:WORKS_FOR]->(:Company) RETURN r.since ORDER BY r.since"
    assert await _rows(memory, namespace, works) == [[2015], [2018]]


async def test_produce_self_rel_false_drops_relationships_between_merged_nodes(
    memory: Memory, namespace: str
) -> None:
    await _merge(memory, namespace, {"produceSelfRel": False})
    assert await _rows(memory, namespace, "MATCH ()-[r:KNOWS]->() RETURN count(r)") == [[0]]
    assert await _rows(memory, namespace, "MATCH ()-[r]->() RETURN count(r)") == [[3]]


async def test_counters_say_what_the_merge_changed(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, GRAPH, mode="write")
    result = await memory.cypher(namespace, MERGE, {"config": {"mergeRels": True}}, mode="write")
    counters = result.counters
    assert counters.nodes_deleted == 1
    assert counters.relationships_deleted == 1  # the two WORKS_FOR became one
    assert result.query_type == "rw"


async def test_repeats_missing_and_single_nodes(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, GRAPH, mode="write")
    same = (
        "MATCH (a:Person {name: 'Tom'}) CALL apoc.refactor.mergeNodes([a, a, null]) "
        "YIELD node RETURN node.name"
    )
    assert (await memory.cypher(namespace, same, mode="write")).rows == [["Tom"]]
    empty = "CALL apoc.refactor.mergeNodes([]) YIELD node RETURN node"
    assert (await memory.cypher(namespace, empty, mode="write")).rows == [[None]]
    assert await _rows(memory, namespace, "MATCH (n) RETURN count(n)") == [[4]]


async def test_read_mode_and_bad_arguments_are_refused(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, GRAPH, mode="write")
    with pytest.raises(CypherPermissionDenied):
        await memory.cypher(namespace, MERGE, {"config": {}})
    bad = "MATCH (a:Person) WITH collect(a) AS l CALL apoc.refactor.mergeNodes(l, {properties: 'x'}) YIELD node RETURN node"  # noqa: E501
    with pytest.raises(KgmemError, match="unknown properties strategy"):
        await memory.cypher(namespace, bad, mode="write")
    not_nodes = "CALL apoc.refactor.mergeNodes([1, 2]) YIELD node RETURN node"
    with pytest.raises(KgmemError, match="expected a list of nodes"):
        await memory.cypher(namespace, not_nodes, mode="write")
    assert await _rows(memory, namespace, "MATCH (n) RETURN count(n)") == [[4]]


async def test_graphrag_exact_match_resolution(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (a:__Entity__:__KGBuilder__:Person {name: 'Ann', born: 1980}), "
        "(b:__Entity__:__KGBuilder__:Person {name: 'Ann', city: 'Oslo'}), "
        "(c:__Entity__:__KGBuilder__:Person {name: 'Bo'}), "
        "(d:__Entity__:__KGBuilder__:City {name: 'Oslo'}), "
        "(e:__Entity__:__KGBuilder__:City {name: 'Oslo'}), "
        "(a)-[:LIVES_IN]->(d), (b)-[:LIVES_IN]->(e), (c)-[:KNOWS]->(b)",
        mode="write",
    )
    assert (await memory.cypher(namespace, EXACT_MATCH, mode="write")).rows == [[3]]
    people = "MATCH (p:Person) RETURN p.name, p.born, p.city ORDER BY p.name"
    assert await _rows(memory, namespace, people) == [["Ann", 1980, "Oslo"], ["Bo", None, None]]
    lives = "MATCH (p:Person)-[r:LIVES_IN]->(c:City) RETURN p.name, c.name, count(r)"
    assert await _rows(memory, namespace, lives) == [["Ann", "Oslo", 1]]
    knows = "MATCH (:Person {name: 'Bo'})-[:KNOWS]->(p) RETURN p.name"
    assert await _rows(memory, namespace, knows) == [["Ann"]]


async def test_graphrag_merge_by_element_ids(memory: Memory, namespace: str) -> None:
    made = await memory.cypher(
        namespace,
        "CREATE (a:Thing {name: 'x'}), (b:Thing {name: 'y'}), (c:Thing {name: 'z'}) "
        "RETURN elementId(a), elementId(b)",
        mode="write",
    )
    ids = made.rows[0]
    merged = await memory.cypher(namespace, BY_IDS, {"ids": ids}, mode="write")
    assert len(merged.rows) == 1 and merged.rows[0][0] in ids
    assert await _rows(memory, namespace, "MATCH (n:Thing) RETURN count(n)") == [[2]]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(groups=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=8))
async def test_merging_keeps_one_node_per_name_and_every_relationship(
    memory: Memory, namespace: str, groups: list[int]
) -> None:
    """Invariant: after merging nodes by name, there is one node per name and every
    relationship (mergeRels off) still exists, re-pointed to the survivors."""
    await memory.cypher(namespace, "MATCH (n) DETACH DELETE n", mode="write")
    await memory.cypher(
        namespace,
        "UNWIND range(0, size($g) - 1) AS i CREATE (:N {name: $g[i], i: i})",
        {"g": groups},
        mode="write",
    )
    await memory.cypher(
        namespace,
        "MATCH (a:N), (b:N) WHERE b.i = a.i + 1 CREATE (a)-[:NEXT]->(b)",
        mode="write",
    )
    await memory.cypher(
        namespace,
        "MATCH (n:N) WITH n ORDER BY n.i WITH n.name AS k, collect(n) AS ns "
        "CALL apoc.refactor.mergeNodes(ns) YIELD node RETURN count(node)",
        mode="write",
    )
    names = await _rows(memory, namespace, "MATCH (n:N) RETURN n.name ORDER BY n.name")
    assert names == [[k] for k in sorted(set(groups))]
    edges = await _rows(
        memory,
        namespace,
        "MATCH (a:N)-[:NEXT]->(b:N) RETURN a.name, b.name ORDER BY a.name, b.name",
    )
    expected = sorted([groups[i], groups[i + 1]] for i in range(len(groups) - 1))
    assert edges == expected
