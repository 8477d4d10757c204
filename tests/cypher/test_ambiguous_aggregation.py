"""An item that aggregates over a value that is not a grouping key is refused while
planning (openCypher's AmbiguousAggregationExpression); grouping keys written as bare
variables or as the property accesses projected beside the aggregate still plan and
run as Neo4j answers them."""

import pytest

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherSyntaxError

_PAIRS = "MATCH (me:Person)--(you:Person) "


@pytest.mark.parametrize(
    "query",
    [
        _PAIRS + "RETURN me.age + count(you.age) AS x",
        _PAIRS + "RETURN me.age + you.age, me.age + you.age + count(*) AS x",
        _PAIRS + "WITH me.age + you.age AS s, count(*) + you.age AS c RETURN s, c",
        _PAIRS + "RETURN me.name AS n, toString(me.age) + count(*) AS x",
        _PAIRS + "RETURN me.age AS a, CASE WHEN count(*) > 1 THEN you.age END AS x",
        "UNWIND [1, 2] AS x WITH x, 3 AS y RETURN x, y * count(*) AS z",
    ],
)
def test_an_aggregate_beside_an_implicit_grouping_key_is_refused(query: str) -> None:
    with pytest.raises(CypherSyntaxError, match="AmbiguousAggregationExpression"):
        plan(query, mode="read")


@pytest.mark.parametrize(
    "query",
    [
        _PAIRS + "RETURN me.age, me.age + count(you.age) AS x",
        _PAIRS + "RETURN me, me.age + count(*) AS x",
        _PAIRS + "WITH me.age AS age, you RETURN age, age + count(you.age) AS x",
        _PAIRS + "RETURN me.age AS a, CASE WHEN count(*) > 0 THEN me.age END AS x",
        _PAIRS + "RETURN me.age AS a, any(x IN collect(you.age) WHERE x > 1) AS x",
        _PAIRS + "RETURN me.age AS a, [x IN collect(you.age) | x + 1] AS l",
        "MATCH (n) RETURN count(*) AS c, 2 AS p, 1 + count(*) AS d, sum(n.x) / count(*) AS m",
        "MATCH (n) RETURN n.`a b` AS k, n.`a b` + count(*) AS x ORDER BY k",
    ],
)
def test_grouping_keys_and_values_bound_inside_the_item_still_plan(query: str) -> None:
    assert plan(query, mode="read").text


async def test_a_projected_property_beside_an_aggregate_answers_per_group(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:Person {age: 30})-[:KNOWS]->(:Person {age: 40}), "
        "(:Person {age: 30})-[:KNOWS]->(:Person {age: 50})",
        mode="write",
    )
    result = await memory.cypher(
        namespace, _PAIRS + "RETURN me.age AS age, me.age + count(you.age) AS x ORDER BY age"
    )
    assert result.rows == [[30, 32], [40, 41], [50, 51]]
    with pytest.raises(CypherSyntaxError, match="AmbiguousAggregationExpression"):
        await memory.cypher(namespace, _PAIRS + "RETURN me.age + count(you.age) AS x")
