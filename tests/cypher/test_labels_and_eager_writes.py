"""Label predicates outside patterns, and writes a final SKIP/LIMIT must not cut short:
as text, and run against AGE."""

import pytest

from kgmem import Memory
from kgmem.cypher import plan


def test_label_predicates_become_label_tests_and_patterns_are_left_alone() -> None:
    planned = plan("MATCH (n:A)-[r]->(m) WHERE n:A AND NOT m:`B c` AND (n)-->(:A) RETURN r:T AS t")
    assert planned.text == (
        "MATCH (n:A)-[r]->(m) WHERE kgmem_cypher.has_labels(label(n), ['A']) "
        "AND NOT kgmem_cypher.has_labels(label(m), ['B c']) "
        "AND exists((n)-->(:A)) RETURN kgmem_cypher.has_labels(label(r), ['T']) AS t"
    )
    map_key = plan("RETURN {a: b} AS m").text  # a map's key, not a label test
    assert map_key == "RETURN kgmem_cypher.project({}, false, ['a'], [b]) AS m"


@pytest.mark.parametrize("query", ["MATCH (n) SET n:Admin", "MATCH (n) REMOVE n:Admin"])
def test_setting_or_removing_a_label_moves_the_node(query: str) -> None:
    planned = plan(query, mode="write")
    assert planned.relabels and "kgmem_cypher.relabel(n, " in planned.text


async def test_label_predicates_answer_on_age(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace, "CREATE (:A {n: 1})-[:T]->(:B {n: 2}), (:C {n: 3})", mode="write"
    )
    result = await memory.cypher(
        namespace,
        "MATCH (x) RETURN x.n AS n, x:A AS a, x:A:B AS ab, NOT x:C AS not_c ORDER BY n",
    )
    assert result.rows == [
        [1, True, False, True],
        [2, False, False, True],
        [3, False, False, False],
    ]
    typed = await memory.cypher(namespace, "MATCH ()-[r]->() WHERE r:T RETURN count(r) AS c")
    assert typed.rows == [[1]]


async def test_a_final_limit_keeps_every_write(memory: Memory, namespace: str) -> None:
    created = await memory.cypher(
        namespace,
        "UNWIND range(1, 5) AS x CREATE (n:N {x: x}) RETURN n.x AS x SKIP 1 LIMIT 2",
        mode="write",
    )
    assert len(created.rows) == 2
    nothing = await memory.cypher(
        namespace, "MATCH (n:N) DELETE n RETURN 42 AS gone LIMIT 0", mode="write"
    )
    assert nothing.rows == []
    left = await memory.cypher(namespace, "MATCH (n:N) RETURN count(n) AS c")
    assert left.rows == [[0]]


def test_reads_keep_their_limit_as_it_is() -> None:
    query = "MATCH (n) RETURN n LIMIT 1"
    assert plan(query).text == query
