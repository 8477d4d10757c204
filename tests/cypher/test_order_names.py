"""ORDER BY after a DISTINCT or aggregating projection reads the projected values by
name: the rewrite as text, then the order on AGE."""

import pytest

from kgmem import Memory
from tests.cypher.rules import applied, left_alone


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("MATCH (me)--(you) RETURN me.age AS age, count(you.age) AS cnt "
         "ORDER BY age, age + count(you.age)",
         "ORDER BY kgmem_cypher.sort_key(age), age + cnt"),
        ("MATCH (a) RETURN DISTINCT a.name AS n ORDER BY a.name DESC",
         "ORDER BY kgmem_cypher.sort_key(n) DESC"),
        ("MATCH (a) WITH a.k AS k, collect(a.v) AS vs ORDER BY size(collect(a.v)) RETURN k",
         "ORDER BY kgmem_cypher.size(vs)"),
    ],
)  # fmt: skip
def test_projected_expressions_are_read_by_name(query: str, order: str) -> None:
    assert order in applied("order_names", query).text


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (a) RETURN a.name AS n ORDER BY a.name",  # AGE reads it before projecting
        "MATCH (a) RETURN DISTINCT a.name AS n ORDER BY n",
        "MATCH (a) RETURN count(*) AS c ORDER BY c",
        "MATCH (a) RETURN DISTINCT a.name AS n ORDER BY a.namex",  # not the item whole
    ],
)
def test_other_sorts_keep_their_keys(query: str) -> None:
    assert left_alone("order_names", query)


async def test_a_sort_over_an_alias_and_an_aggregate_runs(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (a:P {age: 30})-[:K]->(:P {age: 2}), (a)-[:K]->(:P {age: 5}), "
        "(b:P {age: 40})-[:K]->(:P {age: 1})",
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "MATCH (me:P)-->(you:P) RETURN me.age AS age, count(you.age) AS cnt "
        "ORDER BY age + count(you.age) DESC",
    )
    assert result.rows == [[40, 1], [30, 2]]
