"""DISTINCT sorted by what it projects: the rewrite as text, then the order on AGE."""

import pytest

from kgmem import Memory
from kgmem.cypher import plan


def test_distinct_rows_are_projected_before_they_are_sorted() -> None:
    planned = plan("MATCH (a)-->(b) RETURN DISTINCT a, b.x AS x ORDER BY a.name DESC, x LIMIT 3")
    assert planned.text == (
        "MATCH (a)-->(b) WITH DISTINCT a, b.x AS x RETURN a, x ORDER BY a.name DESC, x LIMIT 3"
    )
    assert planned.columns == ["a", "x"]
    assert "distinct_order" in planned.rewrites


def test_a_with_keeps_its_where_after_the_sort() -> None:
    assert plan("MATCH (a) WITH DISTINCT a ORDER BY a.name WHERE a.id > 1 RETURN a").text == (
        "MATCH (a) WITH DISTINCT a WITH a ORDER BY a.name WHERE a.id > 1 RETURN a"
    )


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (a) RETURN DISTINCT a.name AS n ORDER BY a.name",  # an item as written
        "MATCH (a) RETURN DISTINCT a.name AS n ORDER BY n",
        "MATCH (a) RETURN DISTINCT a.name ORDER BY a.id",  # an unnamed item
        "MATCH (a)-->(b) RETURN DISTINCT a ORDER BY b.name",  # b is not projected
        "MATCH (a) RETURN a ORDER BY a.name",
    ],
)
def test_other_sorts_are_left_alone(query: str) -> None:
    assert "distinct_order" not in plan(query).rewrites


async def test_distinct_nodes_sort_by_a_property(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:T {name: 'B', id: 1}), (:T {name: 'A', id: 10}), (:T {name: 'C', id: 2})",
        mode="write",
    )
    result = await memory.cypher(
        namespace, "MATCH (a:T), (b:T) RETURN DISTINCT a ORDER BY a.id DESC LIMIT 2"
    )
    assert [row[0]["properties"]["name"] for row in result.rows] == ["A", "C"]
