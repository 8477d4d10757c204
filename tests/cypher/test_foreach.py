"""``FOREACH (x IN list | updates)``, nested too, run as a unit subquery."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher.subquery_split import foreach
from kgmem.errors import CypherSemanticError


async def _rows(memory: Memory, namespace: str, query: str, **params: Any) -> list[list[Any]]:
    return (await memory.cypher(namespace, query, params, mode="write")).rows


def test_foreach_is_written_as_a_subquery() -> None:
    assert foreach("MATCH (n) FOREACH (x IN [1, 2] | SET n.x = x)") == (
        "MATCH (n) CALL (*) { UNWIND [1, 2] AS x SET n.x = x }"
    )
    nested = foreach("FOREACH (x IN $a | FOREACH (y IN x | CREATE (:N {v: y})))")
    assert nested == "CALL (*) { UNWIND $a AS x CALL (*) { UNWIND x AS y CREATE (:N {v: y}) } }"


async def test_create_set_merge_delete(memory: Memory, namespace: str) -> None:
    await _rows(memory, namespace, "FOREACH (x IN [1, 2, 3] | CREATE (:F {x: x}))")
    query = "MATCH (f:F) FOREACH (i IN [1] | SET f.seen = true) RETURN count(f)"
    assert await _rows(memory, namespace, query) == [[3]]
    assert await _rows(memory, namespace, "MATCH (f:F {seen: true}) RETURN count(f)") == [[3]]
    await _rows(memory, namespace, "MATCH (f:F) FOREACH (x IN [] | DELETE f) RETURN 1")
    merged = "FOREACH (x IN [1, 2] | FOREACH (y IN [1, 2, 2] | MERGE (:G {x: x, y: y})))"
    await _rows(memory, namespace, merged)
    assert await _rows(memory, namespace, "MATCH (g:G) RETURN count(g)") == [[4]]
    deleted = "MATCH (f:F) FOREACH (x IN CASE WHEN f.x > 1 THEN [1] ELSE [] END | DETACH DELETE f)"
    await _rows(memory, namespace, deleted)
    assert await _rows(memory, namespace, "MATCH (f:F) RETURN f.x") == [[1]]
    listed = "MATCH (f:F) WITH collect(f) AS fs FOREACH (f IN fs | DETACH DELETE f)"
    await _rows(memory, namespace, listed)
    assert await _rows(memory, namespace, "MATCH (f:F) RETURN count(f)") == [[0]]


async def test_foreach_over_lists_of_nodes_and_relationships(
    memory: Memory, namespace: str
) -> None:
    await _rows(
        memory, namespace, "CREATE (:N {k: 1})-[:T {w: 1}]->(:N {k: 2})-[:T {w: 2}]->(:N {k: 3})"
    )
    nodes = (
        "MATCH (n:N) WITH collect(n) AS ns FOREACH (n IN ns | SET n.seen = n.k * 10) "
        "RETURN size(ns)"
    )
    assert await _rows(memory, namespace, nodes) == [[3]]
    assert await _rows(memory, namespace, "MATCH (n:N) RETURN n.seen ORDER BY n.seen") == [
        [10],
        [20],
        [30],
    ]
    rels = "MATCH ()-[t:T]->() WITH collect(t) AS ts FOREACH (t IN ts | SET t.w = -t.w)"
    await _rows(memory, namespace, rels)
    assert await _rows(memory, namespace, "MATCH ()-[t:T]->() RETURN t.w ORDER BY t.w") == [
        [-2],
        [-1],
    ]
    mixed = "MATCH (a:N)-[t:T]->() WITH [a, t] AS both FOREACH (x IN both | SET x.m = 1)"
    with pytest.raises(CypherSemanticError, match="mixing nodes, relationships"):
        await _rows(memory, namespace, mixed)


async def test_foreach_over_a_path_of_rows(memory: Memory, namespace: str) -> None:
    query = (
        "UNWIND $pairs AS p MERGE (a:V {k: p[0]}) "
        "FOREACH (k IN p[1..] | MERGE (b:V {k: k}) MERGE (a)-[:TO]->(b))"
    )
    await _rows(memory, namespace, query, pairs=[[1, 2, 3], [2, 3]])
    edges = "MATCH (a:V)-[:TO]->(b:V) RETURN a.k, b.k ORDER BY a.k, b.k"
    assert await _rows(memory, namespace, edges) == [[1, 2], [1, 3], [2, 3]]


@settings(max_examples=5, deadline=None)
@given(st.lists(st.integers(-5, 5), max_size=4))
def test_the_list_is_kept_as_written(values: list[int]) -> None:
    listed = repr(values)
    assert foreach(f"FOREACH (x IN {listed} | CREATE (:N))") == (
        f"CALL (*) {{ UNWIND {listed} AS x CREATE (:N) }}"
    )
