"""A filter after a write: the fence as text, and on AGE every write happens and the
filter sees what was written."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from tests.cypher.rules import applied


def test_a_filter_after_a_create_reads_past_a_fence() -> None:
    planned = applied(
        "write_fences",
        "UNWIND [1, 2] AS x CREATE (n {num: x}) WITH n WHERE n.num > 1 RETURN n.num",
        mode="write",
    )
    assert planned.text == (
        "UNWIND [1, 2] AS x CREATE (n {num: x}) WITH * SKIP 0 WITH n "
        "WHERE (n.num > 1 AND n.num < 'NaN'::float) RETURN n.num"
    )


def test_one_fence_follows_each_run_of_writes() -> None:
    text = plan(
        "MATCH (a) SET a.x = 1 REMOVE a.y MATCH (b) DELETE b WITH a MATCH (a)-->(c) "
        "RETURN count(*) AS n",
        mode="write",
    ).text
    # each MATCH after the fence is optional with its misses dropped (written_matches)
    assert text == (
        "MATCH (a) SET a.x = 1 REMOVE a.y WITH * SKIP 0 OPTIONAL MATCH (b) "
        "WITH * WHERE kgmem_cypher.found(b) DELETE b WITH * SKIP 0 WITH a "
        "OPTIONAL MATCH (a)-->(c) WITH * WHERE kgmem_cypher.found(c) RETURN count(*) AS n"
    )


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (n {num: 1}) RETURN n",
        "MATCH (n) WHERE n.num > 1 SET n.k = 1",
        "UNWIND [1, 2] AS x CREATE (n {num: x}) WITH n UNWIND [n] AS m RETURN m",
        "MATCH (n) RETURN n",
    ],
)
def test_writes_no_filter_follows_are_left_alone(query: str) -> None:
    assert "SKIP 0" not in plan(query, mode="write").text


async def _count(memory: Memory, namespace: str, label: str) -> int:
    result = await memory.cypher(namespace, f"MATCH (n:{label}) RETURN count(n) AS c")
    return int(result.rows[0][0])


_FILTERED_WRITES = [
    (  # a filter after CREATE: every node is created
        "CREATE (:N)",
        "UNWIND [1, 2, 3, 4, 5] AS x CREATE (n:N {num: x}) WITH n WHERE n.num % 2 = 0 "
        "RETURN n.num AS num",
        [[2], [4]],
        ("N", 6),
    ),
    (  # a filter after DELETE: every matched node is deleted
        "UNWIND range(1, 5) AS x CREATE (:D {num: x})",
        "MATCH (n:D) WITH n, n.num AS num DELETE n WITH num WHERE num % 2 = 0 RETURN num",
        [[2], [4]],
        ("D", 0),
    ),
    (  # a MATCH after CREATE reads the created nodes
        "CREATE (:M)",
        "UNWIND [1, 2, 3] AS x CREATE (n:M {num: x}) WITH n MATCH (n) WHERE n.num > 1 "
        "RETURN n.num AS num",
        [[2], [3]],
        ("M", 4),
    ),
]


@pytest.mark.parametrize(("setup", "query", "rows", "count"), _FILTERED_WRITES)
async def test_a_filter_after_a_write_keeps_every_write(
    memory: Memory,
    namespace: str,
    setup: str,
    query: str,
    rows: list[list[int]],
    count: tuple[str, int],
) -> None:
    await memory.cypher(namespace, setup, mode="write")
    kept = await memory.cypher(namespace, query, mode="write")
    assert sorted(kept.rows) == rows
    assert await _count(memory, namespace, count[0]) == count[1]


async def test_a_filter_after_set_keeps_every_update(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "UNWIND range(1, 3) AS x CREATE (:S {num: x})", mode="write")
    kept = await memory.cypher(
        namespace,
        "MATCH (n:S) SET n.k = n.num * 10 WITH n WHERE n.k > 10 RETURN n.k AS k",
        mode="write",
    )
    assert sorted(kept.rows) == [[20], [30]]
    values = await memory.cypher(namespace, "MATCH (n:S) RETURN n.k AS k ORDER BY k")
    assert values.rows == [[10], [20], [30]]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    numbers=st.lists(st.integers(min_value=-50, max_value=50), max_size=8),
    threshold=st.integers(min_value=-50, max_value=50),
)
async def test_every_write_happens_whatever_the_filter_keeps(
    memory: Memory, namespace: str, numbers: list[int], threshold: int
) -> None:
    await memory.cypher(namespace, "MATCH (n:P) DETACH DELETE n", mode="write")
    await memory.cypher(namespace, "CREATE (:P)", mode="write")
    kept = await memory.cypher(
        namespace,
        "UNWIND $xs AS x CREATE (n:P {num: x}) WITH n WHERE n.num > $t RETURN n.num AS num",
        {"xs": numbers, "t": threshold},
        mode="write",
    )
    assert sorted(r[0] for r in kept.rows) == sorted(x for x in numbers if x > threshold)
    assert await _count(memory, namespace, "P") == len(numbers) + 1
