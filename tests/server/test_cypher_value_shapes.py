"""Any value in any place: a variable bound to null, the empty list, nested lists, maps,
scalars, temporal values, points, nodes, relationships, paths or a relationship list
of length zero, used by a function, an operator, an index or a slice, a map update or a
write. The answer is 200 or a 4xx, never a 5xx, and PostgreSQL keeps running (AGE
crashed it on several such shapes: ``tests/server/test_cypher_write_crashes.py``)."""

import asyncpg
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.server_alive import answered, graph, started

_LITERALS = [
    "null", "[]", "[[]]", "[null]", "{}", "{k: []}", "''", "0", "-1", "1.5", "true", "'x'",
    "[1, 'a']", "point({x: 1, y: 2})", "date('2020-01-01')", "duration('P1D')", "[{}]",
]  # fmt: skip
_BINDINGS = [f"WITH {literal} AS v" for literal in _LITERALS] + [
    "MATCH (v:A)",
    "MATCH ()-[v]->()",
    "MATCH v = ()-->()",
    "OPTIONAL MATCH (v:Missing)",
    "MATCH (n:Nothing) WITH collect(n) AS v",
    "MATCH ()-[v*0..1]->()",
    "UNWIND [[], null, 1] AS v",
]
_EXPRESSIONS = [
    "size(v)", "head(v)", "tail(v)", "keys(v)", "labels(v)", "properties(v)", "nodes(v)",
    "startNode(v)", "toString(v)", "toBoolean(v)", "reverse(v)", "abs(v)", "valueType(v)",
    "collect(v)", "max(v)", "v[0]", "v[1..2]", "v[v..v]", "v[v]", "v.k", "v['k']", "v IN v",
    "v < v", "v + v", "-v", "NOT v", "v =~ 'a'", "v {.k}", "[x IN v | x]", "any(x IN v WHERE x)",
    "reduce(a = v, x IN v | a + x)", "[1, 2][v..]", "[1, 2][..v]", "{k: 1}[v]", "v[0][0]",
    "v IS :: INTEGER", "v || v", "range(0, v)", "substring('abc', v)", "toStringOrNull(v)",
]  # fmt: skip
_READS = [
    "RETURN {e} AS r",
    "WITH {e} AS r RETURN r",
    "UNWIND {e} AS x RETURN x",
    "RETURN v ORDER BY {e}",
]
_WRITES = [
    "MATCH (w:A) SET w += {e}",
    "MATCH (w:A) SET w = {e}",
    "MATCH (w:A) SET w.x = {e}",
    "CREATE (:W {{x: {e}}})",
    "WITH {e} AS y SET y.x = 1",
    "WITH {e} AS y DELETE y",
    "FOREACH (y IN [{e}] | CREATE (:W {{y: y}}))",
]


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(_BINDINGS),
    st.sampled_from(_EXPRESSIONS),
    st.one_of(st.sampled_from(_READS), st.sampled_from(_WRITES)),
)
async def test_no_value_in_any_place_takes_the_server_down(
    client: httpx.AsyncClient,
    namespace: str,
    raw_conn: asyncpg.Connection,
    binding: str,
    expression: str,
    tail: str,
) -> None:
    since = await started(raw_conn)
    await graph(client, namespace, "MERGE (a:A {k: 1})-[:T {k: 2}]->(b:A {k: []})")
    body = {"query": f"{binding} {tail.format(e=expression)}", "mode": "write"}
    await answered(client, namespace, raw_conn, since, body)
    assert await raw_conn.fetchval("SELECT 1") == 1
