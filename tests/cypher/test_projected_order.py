"""Sorting by what a projection made: the rewrite as text, then the order on AGE."""

import pytest

from kgmem import Memory
from kgmem.cypher import plan
from tests.cypher.rules import applied, left_alone


def test_distinct_rows_are_projected_before_they_are_sorted() -> None:
    planned = applied(
        "projected_order",
        "MATCH (a)-->(b) RETURN DISTINCT a, b.x AS x ORDER BY a.name DESC, x LIMIT 3",
    )
    assert planned.text == (
        "MATCH (a)-->(b) WITH DISTINCT a, b.x AS x RETURN a, x "
        "ORDER BY kgmem_cypher.sort_key(a.name) DESC, kgmem_cypher.sort_key(x) LIMIT 3"
    )
    assert planned.columns == ["a", "x"]


def test_a_with_keeps_its_where_after_the_sort() -> None:
    assert plan("MATCH (a) WITH DISTINCT a ORDER BY a.name WHERE a.id > 1 RETURN a").text == (
        "MATCH (a) WITH DISTINCT a WITH a ORDER BY kgmem_cypher.sort_key(a.name) "
        "WHERE (a.id > 1 AND a.id < 'NaN'::float) RETURN a"
    )


def test_a_sort_key_reading_an_alias_sorts_after_the_projection() -> None:
    planned = plan("MATCH (a)-[r]->(b) RETURN r AS rel, a.x AS k ORDER BY rel.id, k * -1")
    assert planned.text == (
        "MATCH (a)-[r]->(b) WITH r AS rel, a.x AS k RETURN rel, k "
        "ORDER BY kgmem_cypher.sort_key(rel.id), k * -1"
    )


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (a) RETURN a AS n ORDER BY a.x",  # reads what the projection hides
        "MATCH (a) RETURN a.x AS k, count(*) AS c ORDER BY k + count(a.y)",
        "MATCH (a) RETURN DISTINCT a.name ORDER BY a.id",  # an unnamed item
        "MATCH (a)-->(b) RETURN DISTINCT a ORDER BY b.name",  # b is not projected
        "MATCH (a) RETURN a ORDER BY a.name",
    ],
)
def test_other_sorts_are_left_alone(query: str) -> None:
    assert left_alone("projected_order", query)


@pytest.mark.parametrize(
    ("query", "sent"),
    [
        ("MATCH (a) RETURN a.x AS k ORDER BY k",
         "MATCH (a) WITH a.x AS k RETURN k ORDER BY kgmem_cypher.sort_key(k)"),
        ("MATCH (a) RETURN DISTINCT a.name AS n ORDER BY n",
         "MATCH (a) WITH DISTINCT a.name AS n RETURN n ORDER BY kgmem_cypher.sort_key(n)"),
    ],
)  # fmt: skip
def test_an_alias_sorted_by_its_instant_is_projected_first(query: str, sent: str) -> None:
    """``kgmem.cypher.temporal_order`` puts the alias inside a call, where AGE cannot
    read it before the projection."""
    assert applied("projected_order", query).text == sent


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
    renamed = await memory.cypher(namespace, "MATCH (a:T) RETURN a AS t ORDER BY t.name DESC")
    assert [row[0]["properties"]["name"] for row in renamed.rows] == ["C", "B", "A"]


def test_an_alias_beside_a_star_is_sorted_in_a_with_of_its_own() -> None:
    planned = applied("projected_order", "UNWIND [3, 1] AS y WITH *, -y AS z ORDER BY z RETURN z")
    assert planned.text.startswith("UNWIND [3, 1] AS y WITH *, -y AS z WITH * ORDER BY ")
    for query in (
        "UNWIND [3, 1] AS y WITH *, -y AS z ORDER BY y RETURN z",  # no alias in the sort
        "UNWIND [3, 1] AS y WITH * ORDER BY y RETURN y",
    ):
        assert left_alone("projected_order", query)


async def test_an_alias_beside_a_star_sorts_skips_limits_and_filters(
    memory: Memory, namespace: str
) -> None:
    query = (
        "UNWIND [3, 1, 2, 4] AS y WITH *, -y AS z ORDER BY z SKIP 1 LIMIT 2 WHERE z < -1 "
        "RETURN y, z"
    )
    assert (await memory.cypher(namespace, query)).rows == [[3, -3], [2, -2]]
