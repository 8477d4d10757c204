"""Queries AGE crashed its server process on (and PostgreSQL restarted every connection
of every tenant): a SET, REMOVE or DELETE of the empty list, a CREATE from a null or
empty-list end node, an aggregate in SET, ``SET n += null``, a list slice with a list
or map bound. Each now answers or gets a clear 4xx, and the server that answers next is
the same one: its start time does not change."""

import asyncpg
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherSyntaxError, CypherTypeError
from tests.server.server_alive import answered, graph, started

# Each crashed the backend before (the first ones on an empty graph; they run here
# beside one relationship, which a zero-length match still reaches as the empty list).
CRASHERS = [
    "MATCH (a) SET a.x = count(*)",
    "WITH null AS a CREATE (a)-[:T]->(b)",
    "WITH null AS a CREATE (b)-[:T]->(a)",
    "OPTIONAL MATCH (a:Missing) CREATE (a)-[:T]->(:B)",
    "MATCH (a) WITH max(a) AS m CREATE (m)-[:T]->(:C)",
    "MATCH (a) WITH collect(a) AS l SET l.x = 1",
    "WITH [] AS l SET l.x = 1",
    "WITH [] AS l SET l += {x: 1}",
    "WITH [] AS l SET l = {x: 1}",
    "WITH [] AS l SET l.x = 1, l.y = 2",
    "WITH [] AS l REMOVE l.x",
    "WITH [] AS l DELETE l",
    "WITH [] AS l DETACH DELETE l",
    "WITH [] AS l CREATE (l)-[:T]->(b)",
    "WITH [] AS l CREATE (a)-[:T]->(l)",
    "UNWIND [[]] AS l DELETE l",
    "WITH [[]] AS l DELETE l[0]",  # a value's item is bound before DELETE (deleted_values)
    "WITH {k: []} AS m DETACH DELETE m.k",
    "UNWIND [[]] AS l CREATE (l)-[:T]->(:B)",
    "WITH [] AS l MERGE (a:A {k: 1}) ON CREATE SET l.x = 1",
    "WITH [] AS l CALL { WITH l SET l.x = 1 }",
    "MATCH p = (a)-[*0..1]->(b) WITH collect(p) AS ps DELETE ps",
    "FOREACH (x IN [null] | CREATE (x)-[:T]->(:B))",
    "MATCH ()-[r*0..1]->() DELETE r",
    "MATCH (w:A) SET w += null",
    "MATCH (w:A) SET w = null",
    "MATCH (w:A) SET w = toBoolean('x')",
    "WITH null AS m MATCH (w:A) SET w += m",
    "RETURN [1, 2][[1]..2] AS r",
    "RETURN [1, 2][{}..1] AS r",
    "WITH [] AS v RETURN v[v..v] AS r",
]


async def test_writes_to_nothing_never_take_the_server_down(
    client: httpx.AsyncClient, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    since = await started(raw_conn)
    await graph(client, namespace, "CREATE (:A)-[:T]->(:B)")
    for query in CRASHERS:
        await answered(client, namespace, raw_conn, since, {"query": query, "mode": "write"})
    assert await raw_conn.fetchval("SELECT 1") == 1


_TARGETS = [
    "SET v.x = 1",
    "SET v += {x: 1}",
    "SET v = {x: 1}",
    "SET v:L",
    "REMOVE v.x",
    "REMOVE v:L",
    "DELETE v",
    "DETACH DELETE v",
    "CREATE (v)-[:T]->(:B)",
    "CREATE (:B)-[:T]->(v)",
    "MERGE (m:M {k: 1}) ON CREATE SET v.x = 1 ON MATCH SET v.y = 1",
    "FOREACH (x IN [v] | SET x.y = 1)",
    "FOREACH (x IN [v] | CREATE (x)-[:T]->(:B))",
    "CALL { WITH v SET v.x = 1 }",
]
_BINDINGS = [
    "WITH $v AS v",
    "UNWIND [$v] AS v",
    "OPTIONAL MATCH (v:Missing)",
    "MATCH (n:Nothing) WITH collect(n) AS v",
    "MATCH (n:A) WITH collect(n) AS v",
    "MATCH (n:A) WITH max(n) AS v",
    "MATCH (v:A)",
    "MATCH ()-[v:T*0..1]->()",
]
_VALUES = [None, [], [[]], [None], 1, "x", {"k": 1}, {}]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(_BINDINGS), st.sampled_from(_TARGETS), st.sampled_from(_VALUES))
async def test_no_write_of_any_value_takes_the_server_down(
    client: httpx.AsyncClient,
    namespace: str,
    raw_conn: asyncpg.Connection,
    binding: str,
    target: str,
    value: object,
) -> None:
    """Whatever a writing clause is given (null, lists, scalars, maps, nodes, a
    relationship list of length zero), the answer is 200 or a 4xx and PostgreSQL keeps
    running."""
    since = await started(raw_conn)
    await graph(client, namespace, "MERGE (a:A)-[:T]->(b:A)")
    body = {"query": f"{binding} {target}", "parameters": {"v": value}, "mode": "write"}
    await answered(client, namespace, raw_conn, since, body)


@pytest.mark.parametrize(
    ("query", "error", "words"),
    [
        ("MATCH (a) SET a.x = count(*)", CypherSyntaxError, "InvalidAggregation"),
        ("MATCH (a) SET a += {c: collect(a.x)}", CypherSyntaxError, "InvalidAggregation"),
        ("UNWIND [count(*)] AS x RETURN x", CypherSyntaxError, "InvalidAggregation"),
        (
            "OPTIONAL MATCH (a:Missing) CREATE (a)-[:T]->(:B)",
            CypherTypeError,
            "node `a` is missing",
        ),
        ("WITH [] AS l SET l.x = 1", CypherTypeError, "`l` but was an empty list"),
        ("MATCH ()-[r:T*0..1]->() DELETE r", CypherTypeError, "`r` but was an empty list"),
        ("MATCH (a:A) SET a = null", CypherTypeError, "expected a map but was null"),
        ("RETURN [1, 2][[1]..2] AS r", CypherTypeError, "slices must resolve to an integer"),
    ],
)
async def test_each_gets_neo4js_error(
    memory: Memory, namespace: str, query: str, error: type[Exception], words: str
) -> None:
    await memory.cypher(namespace, "CREATE (:A)-[:T]->(:B)", mode="write")
    with pytest.raises(error, match=words):
        await memory.cypher(namespace, query, mode="write")


async def test_the_writes_that_were_fine_stay_so(memory: Memory, namespace: str) -> None:
    """Null targets are skipped as in Neo4j, and ``SET n += null`` adds nothing;
    non-empty lists delete; aggregates in a subquery of a SET and in the projections
    around writes are fine."""
    await memory.cypher(namespace, "CREATE (:A {k: 1})-[:T]->(:A {k: 2})", mode="write")
    for query in (
        "OPTIONAL MATCH (a:Missing) SET a.x = 1",
        "MATCH (a:A) SET a += null",
        "MATCH (a:A) SET a += toBoolean('neither')",
        "OPTIONAL MATCH (a:Missing) DELETE a",
        "MATCH (a:A) WITH a, count(*) AS c SET a.c = c",
        "MATCH (a:A) SET a.n = COUNT { MATCH (a)-[:T]->() }",
        "MATCH (a:A) WITH max(a.k) AS top MATCH (b:A {k: top}) SET b.top = true",
    ):
        await memory.cypher(namespace, query, mode="write")
    result = await memory.cypher(
        namespace, "MATCH (a:A) RETURN a.k AS k, a.c AS c, a.n AS n, a.top AS t ORDER BY k"
    )
    assert result.rows == [[1, 1, 1, None], [2, 1, 0, True]]
    deleted = "MATCH (a:A) WITH collect(a) AS l DETACH DELETE l RETURN size(l) AS s"
    assert (await memory.cypher(namespace, deleted, mode="write")).rows == [[2]]


def test_targets_bound_by_a_pattern_are_not_checked() -> None:
    """A MATCH, CREATE or MERGE binds a node or relationship: the imports of the Neo4j
    libraries (UNWIND then MERGE then SET) run as they did."""
    for query in (
        "UNWIND $rows AS row MERGE (n:L {id: row.id}) SET n += row.props",
        "MATCH (n:L {id: $id}) SET n = $props",
        "MATCH (a {id: $a}), (b {id: $b}) CREATE (a)-[:T]->(b)",
        "MATCH (a)-[r:T]->(b) DELETE r",
    ):
        planned = plan(query, {"rows": [], "id": 1, "props": {}, "a": 1, "b": 2}, mode="write")
        assert "write_targets" not in planned.rewrites, query
        assert "WITH * WHERE" not in planned.text, query


async def test_an_undone_transaction_leaves_no_broken_statement_behind(
    client: httpx.AsyncClient, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    """AGE keeps state of a variable-length match in the prepared statement a connection
    caches; a transaction undone after one ran freed it, and the next run of the same
    statement crashed the server (two reads). A Cypher transaction that is undone now
    closes its connection, so the next request prepares its statements afresh."""
    since = await started(raw_conn)
    await graph(client, namespace, "CREATE (:A {k: 1})-[:T {k: 2}]->(:A {k: []})")
    pairs = [
        "MATCH ()-[v*0..1]->() RETURN COLLECT { UNWIND [[x IN v WHERE x | x]] AS z RETURN z }",
        "MATCH ()-[v*0..1]->() RETURN COLLECT { UNWIND [last(v)] AS z RETURN z } AS r",
    ]
    for _ in range(3):
        for query in pairs:
            body = {"query": query, "mode": "read"}
            response = await answered(client, namespace, raw_conn, since, body)
            assert response.status_code == 422, (query, response.text)
    found = {"query": "MATCH ()-[v*0..1]->() RETURN count(*) AS n", "mode": "read"}
    response = await client.post(f"/v1/namespaces/{namespace}/cypher", json=found)
    assert response.json()["rows"] == [[3]]


async def test_an_undone_write_leaves_no_broken_statement_behind(
    client: httpx.AsyncClient, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    """The same in write mode: a write whose variable-length match failed was undone on
    a connection the pool kept, and the third run of the statement crashed the server.
    An undone Cypher write closes its connection too."""
    since = await started(raw_conn)
    await graph(client, namespace, "CREATE (:A {k: 1})-[:T {k: 2}]->(:A {k: []})")
    failing = {"query": "MATCH ()-[v*0..1]->() RETURN [x IN v WHERE x | x]", "mode": "write"}
    for _ in range(4):
        response = await answered(client, namespace, raw_conn, since, failing)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "cypher_type_error"
    written = {"query": "MATCH ()-[v*0..1]->(b) SET b.y = 1 RETURN count(*) AS n", "mode": "write"}
    for _ in range(2):
        response = await answered(client, namespace, raw_conn, since, written)
        assert response.json()["rows"] == [[3]]
