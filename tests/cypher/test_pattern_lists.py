"""Pattern comprehensions: the rule as text, then its lists against AGE."""

import pytest

from kgmem import Memory
from kgmem.cypher import pattern_lists, plan
from kgmem.cypher.lexer import tokenize
from kgmem.errors import CypherPermissionDenied, CypherRejected


def _rule(query: str) -> str:
    return pattern_lists.rewrite(query, tokenize(query))


def test_a_pattern_comprehension_is_collected_before_its_clause() -> None:
    assert _rule("MATCH (n) RETURN n.name AS name, [(n)-->(m) | m.name] AS names") == (
        "MATCH (n) OPTIONAL MATCH __kgmem_q1 = (n)-->(m) "
        "WITH n, collect(CASE WHEN __kgmem_q1 IS NULL THEN null ELSE [m.name] END) "
        "AS __kgmem_c1 RETURN n.name AS name, [__kgmem_e1 IN __kgmem_c1 | __kgmem_e1[0]] AS names"
    )
    planned = plan("MATCH (n) RETURN n.name AS name, [(n)-->(m) | m.name] AS names")
    assert planned.columns == ["name", "names"]
    assert "pattern_lists" in planned.rewrites


def test_each_comprehension_carries_the_ones_before_it_and_keeps_its_where() -> None:
    rewritten = _rule(
        "MATCH (n)-->(b) WITH [p = (n)-[:T]->(x) WHERE x.v > 1 | p] AS ps, "
        "size([(n)--() | 1]) AS d, count(b) AS c RETURN ps, d, c"
    )
    assert rewritten == (
        "MATCH (n)-->(b) OPTIONAL MATCH p = (n)-[:T]->(x) WHERE x.v > 1 "
        "WITH b, n, collect(CASE WHEN p IS NULL THEN null ELSE [p] END) AS __kgmem_c1 "
        "OPTIONAL MATCH __kgmem_q2 = (n)--() "
        "WITH b, n, __kgmem_c1, collect(CASE WHEN __kgmem_q2 IS NULL THEN null ELSE [1] END) "
        "AS __kgmem_c2 WITH [__kgmem_e1 IN __kgmem_c1 | __kgmem_e1[0]] AS ps, "
        "size([__kgmem_e2 IN __kgmem_c2 | __kgmem_e2[0]]) AS d, count(b) AS c RETURN ps, d, c"
    )


@pytest.mark.parametrize(
    "query",
    [
        "RETURN [1 | 2] AS x",
        "WITH [1, 2] AS l RETURN [x IN l | x] AS r",
        "MATCH p = (n)-->() RETURN [x IN nodes(p) | size([(x)-->() | 1])] AS r",
        "MATCH (n) RETURN {k: [(n)-->(m) | m]} AS r",
    ],
)
def test_lists_that_are_no_pattern_comprehension_of_the_clause_are_left_alone(
    query: str,
) -> None:
    assert "pattern_lists" not in plan(query).rewrites


async def test_pattern_comprehensions_list_each_rows_matches_on_age(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace,
        "CREATE (a:P {n: 'a'}), (b:P {n: 'b'}), (c:P {n: 'c'}), "
        "(a)-[:T {w: 1}]->(b), (a)-[:T {w: 2}]->(c), (b)-[:U]->(c)",
        mode="write",
    )
    listed = await memory.cypher(
        namespace,
        "MATCH (x:P) RETURN x.n AS n, [(x)-[:T]->(y) | y.n] AS ys, "
        "size([(x)--() | 1]) AS degree ORDER BY n",
    )
    rows = [[n, sorted(ys), degree] for n, ys, degree in listed.rows]
    assert rows == [["a", ["b", "c"], 2], ["b", [], 2], ["c", [], 2]]
    filtered = await memory.cypher(
        namespace,
        "MATCH (x:P {n: 'a'}) RETURN [(x)-[r:T|U]->(y:P) WHERE r.w > 1 | y.n] AS ys",
    )
    assert filtered.rows == [[["c"]]]
    kept = await memory.cypher(
        namespace, "MATCH (x:P {n: 'a'}) RETURN [(x)-[r:T]->() | r.missing] AS nulls"
    )
    assert kept.rows == [[[None, None]]]  # a match whose value is null keeps its null
    paths = await memory.cypher(
        namespace,
        "MATCH (x:P) WITH x, [p = (x)-->() | p] AS ps RETURN x.n AS n, size(ps) AS k ORDER BY n",
    )
    assert paths.rows == [["a", 2], ["b", 1], ["c", 0]]
    counted = await memory.cypher(
        namespace, "MATCH (x:P) RETURN count([(x)<--() | 1]) AS c, sum(size([(x)<--() | 1])) AS s"
    )
    assert counted.rows == [[3, 3]]


def test_the_guard_reaches_into_pattern_comprehensions() -> None:
    with pytest.raises(CypherRejected):
        plan("MATCH (n) RETURN [(n)-->(m) | pg_catalog.current_user()] AS a")
    with pytest.raises(CypherRejected):
        plan("MATCH (n) RETURN [(n)-->(m) WHERE kgmem_cypher.unnull(m) | m] AS a")
    with pytest.raises(CypherRejected, match="__kgmem_"):
        plan("MATCH (n) RETURN [(n)-->(__kgmem_c1) | 1] AS a")
    with pytest.raises(CypherPermissionDenied):
        plan("MATCH (n) WITH [(n)-->(m) | m] AS ms UNWIND ms AS m DETACH DELETE m")
