"""Random write scripts: each statement's counters equal the change the graph shows
(nodes, relationships, labels), alone and inside one transaction."""

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.graph.cypher import CypherRequest
from kgmem.model.cypher_summary import CypherCounters

STATEMENTS = [
    "UNWIND range(1, $n) AS i CREATE (:A {k: i})",
    "UNWIND range(1, $n) AS i CREATE (:A:B {k: i, j: 2})",
    "UNWIND range(1, $n) AS i CREATE (:B)",
    "UNWIND range(1, $n) AS i CREATE ()",
    "UNWIND range(1, $n) AS i CREATE (n:A {k: i}) SET n:C",
    "MATCH (a:A), (b:B) WITH a, b LIMIT $n CREATE (a)-[:R {w: 1}]->(b)",
    "MATCH (n:A) WITH n LIMIT $n SET n:C",
    "MATCH (n:C) WITH n LIMIT $n REMOVE n:C",
    "MATCH (n:B) WITH n LIMIT $n SET n.x = 1, n.y = 2",
    "MATCH ()-[r:R]->() WITH r LIMIT $n DELETE r",
    "MATCH (n) WITH n LIMIT $n DETACH DELETE n",
    "MERGE (m:M {k: $n}) ON CREATE SET m.c = 1",
]
SHAPE = """
OPTIONAL MATCH (n)
WITH count(n) AS nodes, coalesce(sum(size(labels(n))), 0) AS labels,
     coalesce(sum(CASE WHEN n:B THEN 1 ELSE 0 END), 0) AS bs
OPTIONAL MATCH ()-[r]->() RETURN nodes, labels, count(r) AS rels, bs
"""
script = st.lists(st.tuples(st.sampled_from(STATEMENTS), st.integers(1, 3)), max_size=8)


async def shape(memory: Memory, namespace: str) -> list[Any]:
    return (await memory.cypher(namespace, SHAPE)).rows[0]


def check(
    before: list[Any], after: list[Any], counted: CypherCounters, step: tuple[str, int]
) -> None:
    """The counters of ``step`` against the shapes of the graph before and after it."""
    query, n = step
    nodes, labels, rels, _ = (a - b for a, b in zip(after, before, strict=True))
    assert nodes == counted.nodes_created - counted.nodes_deleted, query
    assert rels == counted.relationships_created - counted.relationships_deleted, query
    if not counted.nodes_deleted:  # a deleted node's labels go with it, uncounted
        assert labels == counted.labels_added - counted.labels_removed, query
    if query.startswith("MATCH (n:B)"):
        assert counted.properties_set == 2 * min(n, before[3]), query


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=script)
async def test_each_statement_counts_what_it_changed(
    memory: Memory, namespace: str, steps: list[tuple[str, int]]
) -> None:
    for query, n in steps:
        before = await shape(memory, namespace)
        result = await memory.cypher(namespace, query, {"n": n}, mode="write")
        check(before, await shape(memory, namespace), result.counters, (query, n))
        assert result.counters.contains_updates == (result.counters != CypherCounters())
        assert result.query_type == "w"


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=script)
async def test_statements_of_one_transaction_count_their_own_changes(
    memory: Memory, namespace: str, steps: list[tuple[str, int]]
) -> None:
    async with memory.cypher_transaction(namespace, "write") as run:
        for query, n in steps:
            before = (await run(CypherRequest(SHAPE, {}, "write"))).rows[0]
            result = await run(CypherRequest(query, {"n": n}, "write"))
            after = (await run(CypherRequest(SHAPE, {}, "write"))).rows[0]
            check(before, after, result.counters, (query, n))
