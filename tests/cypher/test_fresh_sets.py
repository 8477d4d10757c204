"""A SET on an entity that several rows carry starts, on each row, from what the rows
before it wrote: a counter counts every row, and no row's write is lost to another
row's copy of the entity."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher.plan import plan


async def _hub(memory: Memory, namespace: str, spokes: int) -> None:
    await memory.cypher(
        namespace,
        "CREATE (a:Hub {c: 0}) WITH a UNWIND range(1, $n) AS i CREATE (a)-[:R]->(:Spoke {i: i})",
        {"n": spokes},
        mode="write",
    )


async def test_a_counter_counts_every_row_that_carries_the_node(
    memory: Memory, namespace: str
) -> None:
    await _hub(memory, namespace, 3)
    await memory.cypher(namespace, "MATCH (a:Hub)-[:R]->() SET a.c = a.c + 1", mode="write")
    found = await memory.cypher(namespace, "MATCH (a:Hub) RETURN a.c")
    assert found.rows == [[3]]


async def test_no_row_loses_what_an_earlier_row_wrote(memory: Memory, namespace: str) -> None:
    await _hub(memory, namespace, 1)
    await memory.cypher(
        namespace,
        "UNWIND ['x', 'y', 'z'] AS k MATCH (a:Hub) "
        "SET a.last = k, a.seen = coalesce(a.seen, []) + k REMOVE a.c",
        mode="write",
    )
    await memory.cypher(
        namespace,
        "UNWIND [{k: 'p', v: 1}, {k: 'q', v: 2}] AS row MATCH (a:Hub) SET a += {extra: row.v}"
        " WITH a, row SET a.total = coalesce(a.total, 0) + row.v",
        mode="write",
    )
    found = await memory.cypher(namespace, "MATCH (a:Hub) RETURN properties(a)")
    assert found.rows == [[{"last": "z", "seen": ["x", "y", "z"], "extra": 2, "total": 3}]]


async def test_relationships_and_both_ends_are_read_again(memory: Memory, namespace: str) -> None:
    await _hub(memory, namespace, 2)
    await memory.cypher(
        namespace,
        "MATCH (a:Hub)-[r:R]->(b), (a)-[:R]->(other) "
        "SET r.n = coalesce(r.n, 0) + 1, b.n = coalesce(b.n, 0) + 1",
        mode="write",
    )
    found = await memory.cypher(namespace, "MATCH ()-[r:R]->(b) RETURN r.n, b.n ORDER BY b.i")
    assert found.rows == [[2, 2], [2, 2]]


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spokes=st.integers(1, 6), rounds=st.integers(1, 3))
async def test_the_count_is_the_rows_whatever_their_number(
    memory: Memory, namespace: str, spokes: int, rounds: int
) -> None:
    await memory.cypher(namespace, "MATCH (n) DETACH DELETE n", mode="write")
    await _hub(memory, namespace, spokes)
    for _ in range(rounds):
        await memory.cypher(namespace, "MATCH (a:Hub)-[:R]->(s) SET a.c = a.c + s.i", mode="write")
    found = await memory.cypher(namespace, "MATCH (a:Hub) RETURN a.c")
    assert found.rows == [[rounds * spokes * (spokes + 1) // 2]]


def test_one_node_pattern_and_one_group_per_row_are_left_as_they_are() -> None:
    single = "MATCH (n:L) WHERE n.id = 1 SET n.x = 1"
    assert plan(single, mode="write").text == single
    grouped = plan("MATCH (a)-->(b) WITH a, count(b) AS n SET a.n = n", mode="write")
    assert "kgmem_cypher.stored" not in grouped.text
    assert "fresh_sets" in plan("UNWIND [1] AS x MATCH (n) SET n.x = x", mode="write").rewrites
