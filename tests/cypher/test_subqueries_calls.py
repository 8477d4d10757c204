"""CALL subqueries anywhere in a query, answered as Neo4j 5 answers them
(``kgmem.cypher.subquery_split`` + ``kgmem.memory.subquery_steps``)."""

from typing import Any

import pytest

from kgmem import Memory
from kgmem.cypher.subquery_split import find
from kgmem.errors import CypherError, CypherPermissionDenied

GRAPH = (
    "CREATE (a:P {x: 1})-[:R {w: 5}]->(:Q {x: 10}), (a)-[:R {w: 6}]->(:Q {x: 20}), "
    "(:P {x: 2}), (:P {x: 3})-[:R {w: 7}]->(:Q {x: 30})"
)


async def _rows(memory: Memory, namespace: str, query: str, **params: Any) -> list[list[Any]]:
    return (await memory.cypher(namespace, query, params, mode="write")).rows


@pytest.fixture
async def graph(memory: Memory, namespace: str) -> str:
    await memory.cypher(namespace, GRAPH, mode="write")
    return namespace


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (a:P) CALL (a) { MATCH (a)-[:R]->(b) RETURN b.x AS bx } RETURN a.x, bx ORDER BY bx",
        "MATCH (a:P) CALL { WITH a MATCH (a)-[:R]->(b) RETURN b.x AS bx } "
        "RETURN a.x, bx ORDER BY bx",
        "MATCH (a:P) CALL (*) { MATCH (a)-[:R]->(b) RETURN b.x AS bx } RETURN a.x, bx ORDER BY bx",
    ],
)
async def test_the_import_forms_answer_alike(memory: Memory, graph: str, query: str) -> None:
    # a plain CALL drops an input row the subquery answers nothing for (a.x = 2)
    assert await _rows(memory, graph, query) == [[1, 10], [1, 20], [3, 30]]


async def test_aggregation_inside_is_per_input_row(memory: Memory, graph: str) -> None:
    query = (
        "MATCH (a:P) CALL (a) { MATCH (a)-[r:R]->() RETURN count(r) AS n, sum(r.w) AS w, "
        "collect(r.w) AS ws } RETURN a.x, n, w, ws ORDER BY a.x"
    )
    # a pure aggregation answers for a row that found nothing too, as Neo4j does
    assert await _rows(memory, graph, query) == [
        [1, 2, 11, [5, 6]], [2, 0, 0, []], [3, 1, 7, [7]]
    ]  # fmt: skip


async def test_optional_call_keeps_rows_with_nulls(memory: Memory, graph: str) -> None:
    query = (
        "MATCH (a:P) OPTIONAL CALL (a) { MATCH (a)-[:R]->(b) RETURN b.x AS bx } "
        "RETURN a.x, bx ORDER BY a.x, bx"
    )
    assert await _rows(memory, graph, query) == [[1, 10], [1, 20], [2, None], [3, 30]]


async def test_an_uncorrelated_subquery_in_the_middle(memory: Memory, graph: str) -> None:
    query = (
        "MATCH (a:P) CALL () { MATCH (q:Q) RETURN max(q.x) AS top } RETURN a.x, top ORDER BY a.x"
    )
    assert await _rows(memory, graph, query) == [[1, 30], [2, 30], [3, 30]]


async def test_union_inside_removes_duplicates_per_input_row(memory: Memory, graph: str) -> None:
    query = (
        "UNWIND [1, 2] AS i CALL (i) { RETURN i * 10 AS v UNION RETURN i * 10 AS v "
        "UNION RETURN 7 AS v } RETURN i, v ORDER BY i, v"
    )
    assert await _rows(memory, graph, query) == [[1, 7], [1, 10], [2, 7], [2, 20]]
    every = "UNWIND [1] AS i CALL (i) { RETURN i AS v UNION ALL RETURN i AS v } RETURN count(*)"
    assert await _rows(memory, graph, every) == [[2]]


async def test_limit_inside_is_per_input_row(memory: Memory, graph: str) -> None:
    query = (
        "UNWIND [1, 2, 3] AS i CALL (i) { UNWIND range(1, i) AS j RETURN j ORDER BY j DESC "
        "LIMIT 2 } RETURN i, j"
    )
    assert await _rows(memory, graph, query) == [[1, 1], [2, 2], [2, 1], [3, 3], [3, 2]]


async def test_nested_subqueries(memory: Memory, graph: str) -> None:
    query = (
        "UNWIND [1, 2] AS i CALL (i) { CALL (i) { RETURN i + 1 AS k } RETURN k * 2 AS m } "
        "RETURN i, m"
    )
    assert await _rows(memory, graph, query) == [[1, 4], [2, 6]]


async def test_nodes_cross_the_subquery_as_themselves(memory: Memory, graph: str) -> None:
    query = (
        "MATCH (a:P {x: 1}) CALL (a) { MATCH (a)-[r:R]->(b) RETURN r, b } "
        "RETURN a.x, r.w, b.x, labels(b), type(r) ORDER BY r.w"
    )
    assert await _rows(memory, graph, query) == [[1, 5, 10, ["Q"], "R"], [1, 6, 20, ["Q"], "R"]]


async def test_a_unit_subquery_in_the_middle_writes_and_keeps_rows(
    memory: Memory, graph: str
) -> None:
    query = "MATCH (a:P) CALL (a) { SET a.seen = a.x * 2 } RETURN a.x, a.seen ORDER BY a.x"
    assert await _rows(memory, graph, query) == [[1, 2], [2, 4], [3, 6]]
    created = "UNWIND [1, 2] AS i CALL (i) { CREATE (:Made {i: i}) } RETURN count(*) AS n"
    assert await _rows(memory, graph, created) == [[2]]
    assert await _rows(memory, graph, "MATCH (m:Made) RETURN count(m)") == [[2]]


async def test_the_steps_share_one_transaction(memory: Memory, graph: str) -> None:
    query = "CREATE (:Kept) WITH 1 AS one CALL () { CREATE (:Kept) } RETURN 1 / 0"
    with pytest.raises(CypherError):
        await memory.cypher(graph, query, mode="write")
    assert await _rows(memory, graph, "MATCH (k:Kept) RETURN count(k)") == [[0]]


async def test_a_write_subquery_in_read_mode_is_refused(memory: Memory, graph: str) -> None:
    with pytest.raises(CypherPermissionDenied):
        await memory.cypher(graph, "MATCH (a:P) CALL (a) { SET a.y = 1 } RETURN a", mode="read")
    assert await _rows(memory, graph, "MATCH (a:P) WHERE a.y IS NOT NULL RETURN count(a)") == [[0]]


async def test_subquery_expressions(memory: Memory, graph: str) -> None:
    collected = (
        "MATCH (a:P) RETURN a.x, COLLECT { MATCH (a)-[:R]->(b) RETURN b.x ORDER BY b.x } AS xs "
        "ORDER BY a.x"
    )
    assert await _rows(memory, graph, collected) == [[1, [10, 20]], [2, []], [3, [30]]]
    filtered = "MATCH (a:P) WHERE size(COLLECT { MATCH (a)-[:R]->(b) RETURN b.x }) > 1 RETURN a.x"
    assert await _rows(memory, graph, filtered) == [[1]]
    exists = "MATCH (a:P) WHERE EXISTS { MATCH (a)-[:R]->(b) WHERE b.x > 25 } RETURN a.x"
    assert await _rows(memory, graph, exists) == [[3]]
    counted = "MATCH (a:P) RETURN a.x, COUNT { MATCH (a)-[:R]->(b) RETURN b } AS n ORDER BY a.x"
    assert await _rows(memory, graph, counted) == [[1, 2], [2, 0], [3, 1]]


async def test_a_collect_subquery_keeps_nulls_the_collect_function_drops(
    memory: Memory, graph: str
) -> None:
    # Neo4j's manual: "COLLECT will not remove null values automatically"
    await _rows(
        memory, graph, "MATCH (q:Q) SET q.nick = CASE q.x WHEN 10 THEN 'a' WHEN 20 THEN 'b' END"
    )
    nicknames = "RETURN COLLECT { MATCH (q:Q) RETURN q.nick ORDER BY q.nick } AS names"
    assert await _rows(memory, graph, nicknames) == [[["a", "b", None]]]
    described = "RETURN COLLECT { MATCH (q:Q) RETURN q.nick ORDER BY q.nick DESC } AS names"
    assert await _rows(memory, graph, described) == [[[None, "b", "a"]]]
    distinct = "RETURN COLLECT { UNWIND [1, null, 1, null] AS v RETURN DISTINCT v } AS vs"
    assert sorted(map(str, (await _rows(memory, graph, distinct))[0][0])) == ["1", "None"]
    per_row = (
        "MATCH (a:P) RETURN a.x, COLLECT { MATCH (a)-[:R]->(b) RETURN b.nick ORDER BY b.nick } "
        "AS nicks ORDER BY a.x"
    )
    assert await _rows(memory, graph, per_row) == [[1, ["a", "b"]], [2, []], [3, [None]]]
    function = "MATCH (q:Q) RETURN collect(q.nick) AS names"
    assert sorted((await _rows(memory, graph, function))[0][0]) == ["a", "b"]


async def test_a_collect_subquery_keeps_the_order_of_distinct_and_aliased_rows(
    memory: Memory, graph: str
) -> None:
    asked = {
        "RETURN COLLECT { UNWIND [3, 1, null, 2, 1] AS v RETURN DISTINCT v ORDER BY v } AS c": [
            1,
            2,
            3,
            None,
        ],
        "RETURN COLLECT { UNWIND [3, 1, 2] AS v RETURN v AS w ORDER BY w DESC } AS c": [3, 2, 1],
        "RETURN COLLECT { UNWIND [3, 1, 3] AS v RETURN DISTINCT v * 2 AS w ORDER BY w } AS c": [
            2,
            6,
        ],
        "RETURN COLLECT { UNWIND [3, 1, 2] AS v RETURN -v AS w ORDER BY v LIMIT 2 } AS c": [-1, -2],
        "RETURN COLLECT { UNWIND [3, 1, 2, 2] AS v RETURN DISTINCT v ORDER BY v SKIP 1 } AS c": [
            2,
            3,
        ],
    }
    for query, want in asked.items():
        assert await _rows(memory, graph, query) == [[want]], query


async def test_lists_of_nodes_go_into_and_out_of_a_subquery_in_their_order(
    memory: Memory, graph: str
) -> None:
    given = (
        "MATCH (one:P {x: 1}), (two:P {x: 2}) WITH [two, null, one, one] AS l "
        "CALL (l) { RETURN [n IN l | n.x] AS xs } RETURN xs"
    )
    assert await _rows(memory, graph, given) == [[[2, None, 1, 1]]]
    per_row = (
        "MATCH (a:P) OPTIONAL MATCH (a)-[:R]->(b) WITH a, collect(b) AS bs "
        "CALL (bs) { UNWIND bs AS b RETURN sum(b.x) AS total } RETURN a.x, total ORDER BY a.x"
    )
    assert await _rows(memory, graph, per_row) == [[1, 30], [2, 0], [3, 30]]
    back = (
        "MATCH (a:P {x: 1}) CALL (a) { MATCH (a)-[r:R]->(b) WITH r ORDER BY r.w DESC "
        "RETURN collect(r) AS rs } RETURN [r IN rs | r.w] AS ws, [r IN rs | endNode(r).x] AS xs"
    )
    assert await _rows(memory, graph, back) == [[[6, 5], [20, 10]]]


async def test_a_leading_subquery_returning_a_list_of_nodes_is_refused(
    memory: Memory, graph: str
) -> None:
    query = "CALL () { MATCH (p:P) RETURN collect(p) AS ps } RETURN [p IN ps | p.x] AS xs"
    with pytest.raises(CypherError, match="cannot return a list of nodes"):
        await _rows(memory, graph, query)
    rows = "CALL () { MATCH (p:P) RETURN p } RETURN collect(p.x) AS xs"
    assert sorted((await _rows(memory, graph, rows))[0][0]) == [1, 2, 3]


def test_simple_queries_are_not_split() -> None:
    for query in ("MATCH (n) RETURN n", "CREATE (n {a: 1})", "CALL db.labels() YIELD label"):
        assert find(query) is None


async def test_ending_with_a_returning_call_is_refused_as_neo4j_does(
    memory: Memory, graph: str
) -> None:
    with pytest.raises(CypherError, match="cannot conclude with CALL"):
        await memory.cypher(graph, "MATCH (a:P) CALL (a) { RETURN a.x AS y }", mode="write")


async def test_importing_an_unknown_variable_is_refused(memory: Memory, graph: str) -> None:
    with pytest.raises(CypherError, match="in scope"):
        await memory.cypher(graph, "MATCH (a:P) CALL (zz) { RETURN 1 AS y } RETURN y")


async def test_a_body_that_moves_a_node_hands_on_the_moved_node(memory: Memory, graph: str) -> None:
    # a node whose labels change moves under a new graph id; the tail reads it there
    query = (
        "MATCH (a:P) CALL (a) { SET a:Moved } WITH a MATCH (a)-[:R]->(b) "
        "RETURN a.x, labels(a), b.x ORDER BY b.x"
    )
    assert await _rows(memory, graph, query) == [
        [1, ["Moved", "P"], 10], [1, ["Moved", "P"], 20], [3, ["Moved", "P"], 30]
    ]  # fmt: skip
