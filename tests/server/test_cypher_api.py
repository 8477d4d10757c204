"""POST /v1/namespaces/{ns}/cypher and the named queries over HTTP: columns, typed
values, parameters, limits, modes and scopes, classified errors with positions."""

import math
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.server.app import create_app
from kgmem.settings.config import CypherSettings
from tests.fixtures.app import client_for
from tests.fixtures.database import store_settings
from tests.server.test_auth import bearer
from tests.server.test_entities_api import assert_problem


async def cypher(client: httpx.AsyncClient, ns: str, query: str, **body: object) -> httpx.Response:
    return await client.post(f"/v1/namespaces/{ns}/cypher", json={"query": query, **body})


@pytest.fixture
async def graph(memory: Memory, namespace: str) -> str:
    await memory.upsert_entity(
        namespace, EntityWrite("alice", "Person", {"name": "Alice", "age": 31})
    )
    await memory.upsert_entity(namespace, EntityWrite("acme", "Organization", {"name": "Acme"}))
    await memory.add_fact(namespace, FactWrite("alice", "WORKS_AT", "acme"))
    return namespace


async def test_rows_come_with_inferred_columns_and_typed_values(
    client: httpx.AsyncClient, graph: str
) -> None:
    response = await cypher(
        client,
        graph,
        "MATCH p = (a:Person)-[r:WORKS_AT]->(o) "
        "RETURN a, r, p, a.name, a.age AS age, [1, 2.5, 'x'] AS l, {k: 'v'} AS m, "
        "a.missing AS nothing, true AS yes",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == ["a", "r", "p", "a.name", "age", "l", "m", "nothing", "yes"]
    assert body["truncated"] is False
    assert set(body["timings"]) == {"plan_ms", "database_ms", "decode_ms", "total_ms"}
    [[a, r, p, name, age, lst, mp, nothing, yes]] = body["rows"]
    assert a["kind"] == "node" and a["label"] == "Person" and a["properties"]["name"] == "Alice"
    assert isinstance(a["id"], int)
    assert r["kind"] == "relationship" and r["label"] == "WORKS_AT"
    assert r["start"] == a["id"] and r["end"] != a["id"]
    assert p["kind"] == "path" and [n["label"] for n in p["nodes"]] == ["Person", "Organization"]
    assert p["relationships"][0]["id"] == r["id"]
    assert (name, age, lst, mp, nothing, yes) == (
        "Alice",
        31,
        [1, 2.5, "x"],
        {"k": "v"},
        None,
        True,
    )


async def test_star_distinct_order_by_and_union(client: httpx.AsyncClient, graph: str) -> None:
    star = (await cypher(client, graph, "MATCH (b:Organization)<-[r]-(a) RETURN * ")).json()
    assert star["columns"] == ["a", "b", "r"]
    assert star["rows"][0][0]["label"] == "Person" and star["rows"][0][1]["label"] == "Organization"
    ordered = await cypher(client, graph, "MATCH (n) RETURN DISTINCT label(n) AS l ORDER BY l DESC")
    assert ordered.json()["rows"] == [["Person"], ["Organization"]]
    union = await cypher(
        client, graph, "MATCH (n:Person) RETURN n.name AS x UNION ALL RETURN 'y' AS x"
    )
    assert union.json() | {"timings": None, "counters": None} == {
        "columns": ["x"], "rows": [["Alice"], ["y"]], "truncated": False,
        "timings": None, "rewrites": [], "counters": None, "query_type": "r",
    }  # fmt: skip


async def test_parameters_are_bound_through_the_parameter_map(
    client: httpx.AsyncClient, graph: str
) -> None:
    response = await cypher(
        client,
        graph,
        "MATCH (n) WHERE n.name = $name RETURN n.age + $delta AS age, $list AS list",
        params={"name": "Alice", "delta": 1, "list": [1, {"a": "b"}]},
    )
    assert response.json()["rows"] == [[32, [1, {"a": "b"}]]]
    missing = await cypher(client, graph, "RETURN $nope AS x")
    body = assert_problem(missing, 422, "cypher_semantic_error")
    assert body["missing"] == ["nope"]


async def test_limit_truncates_and_is_capped(client: httpx.AsyncClient, namespace: str) -> None:
    query = "UNWIND range(1, 50) AS x RETURN x"
    response = await cypher(client, namespace, query, limit=10)
    assert response.json()["rows"] == [[i] for i in range(1, 11)]
    assert response.json()["truncated"] is True
    whole = await cypher(client, namespace, query, limit=50)
    assert len(whole.json()["rows"]) == 50 and whole.json()["truncated"] is False
    assert_problem(await cypher(client, namespace, query, limit=10**9), 422, "limit_exceeded")


@pytest.mark.parametrize(
    ("query", "code", "error_class", "position"),
    [
        ("MATCH (n) RETUR n", "cypher_syntax_error", "syntax", 10),
        ("MATCH (n) RETURN m", "cypher_syntax_error", "syntax", 17),
        ("RETURN 1 / 0 AS x", "cypher_arithmetic_error", "arithmetic", None),
        ("RETURN 1 % 0 AS x", "cypher_arithmetic_error", "arithmetic", None),
        ("RETURN 'unterminated", "cypher_syntax_error", "syntax", 7),
        ("CREATE (n) RETURN n", "cypher_access_mode", "permission", 0),
    ],
)
async def test_errors_are_classified_with_the_position(
    client: httpx.AsyncClient,
    namespace: str,
    query: str,
    code: str,
    error_class: str,
    position: int | None,
) -> None:
    response = await cypher(client, namespace, query)
    body = assert_problem(response, 403 if error_class == "permission" else 422, code)
    assert body["error_class"] == error_class
    assert body["position"] == position


async def test_a_duration_past_neo4js_bounds_is_a_problem_and_loses_nothing(
    client: httpx.AsyncClient, namespace: str
) -> None:
    big = 9_223_372_036_854_775_807
    made = await cypher(client, namespace, f"CREATE (:Big {{v: {big}}})", mode="write")
    assert made.status_code == 200, made.text
    for query in (
        f"RETURN duration({{days: {big}}}) AS d",
        "MATCH (n:Big) RETURN duration({days: n.v}) AS d",
        "MATCH (n:Big) CREATE (:Gap {d: duration({seconds: n.v}) + duration('PT1S')})",
    ):
        body = assert_problem(
            await cypher(client, namespace, query, mode="write"), 422, "cypher_semantic_error"
        )
        assert body["detail"].startswith("Invalid value for duration, will cause overflow"), query
    kept = await cypher(client, namespace, "MATCH (n) RETURN labels(n) AS l, n.v AS v")
    assert kept.json()["rows"] == [[["Big"], big]]  # the failed write left nothing behind


async def test_write_mode_writes_and_read_mode_cannot(
    client: httpx.AsyncClient, namespace: str
) -> None:
    created = await cypher(
        client, namespace, "CREATE (n:Note {t: 'x'}) RETURN n.t AS t", mode="write"
    )
    assert created.json()["rows"] == [["x"]]
    count = await cypher(client, namespace, "MATCH (n:Note) RETURN count(n) AS c")
    assert count.json()["rows"] == [[1]]
    no_return = await cypher(client, namespace, "MATCH (n:Note) SET n.t = 'y'", mode="write")
    assert no_return.status_code == 200 and no_return.json()["columns"] == []


async def test_unknown_namespace_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(
        await cypher(client, "t_missing_ns", "RETURN 1 AS a"), 404, "namespace_not_found"
    )


@pytest.fixture
async def slow_store(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> AsyncIterator[tuple[FastAPI, Memory]]:
    settings = store_settings(await fresh_database(), tmp_path)
    settings = settings.model_copy(
        update={"cypher": CypherSettings(statement_timeout_ms=200, max_rows=5)}
    )
    memory = await Memory.open(settings)
    await memory.create_namespace("alpha")
    yield create_app(memory=memory), memory
    await memory.close()


async def test_timeout_and_row_cap_come_from_settings(slow_store) -> None:
    app, memory = slow_store
    async with client_for(app) as c:
        slow = await cypher(
            c, "alpha", "UNWIND range(1, 5000) AS a UNWIND range(1, 5000) AS b RETURN count(*) AS c"
        )
        body = assert_problem(slow, 504, "cypher_timeout")
        assert body["error_class"] == "timeout"
        capped = await cypher(c, "alpha", "UNWIND range(1, 9) AS x RETURN x")
        assert len(capped.json()["rows"]) == 5 and capped.json()["truncated"] is True
        assert_problem(await cypher(c, "alpha", "RETURN 1 AS x", limit=6), 422, "limit_exceeded")
    # the pool is healthy afterwards: no role or timeout leaked into the next user
    result = await memory.cypher("alpha", "RETURN 1 AS x")
    assert result.rows == [[1]]


async def test_write_mode_needs_a_write_scoped_key(slow_store) -> None:
    app, memory = slow_store
    reader = bearer((await memory.create_key("reader", ["read"])).secret)
    writer = bearer((await memory.create_key("writer", ["write"])).secret)
    async with client_for(app) as c:
        query = {"query": "CREATE (n:X) RETURN n", "mode": "write"}
        denied = await c.post("/v1/namespaces/alpha/cypher", json=query, headers=reader)
        assert_problem(denied, 403, "forbidden")
        allowed = await c.post("/v1/namespaces/alpha/cypher", json=query, headers=writer)
        assert allowed.status_code == 200
        read = await c.post(
            "/v1/namespaces/alpha/cypher",
            json={"query": "MATCH (n:X) RETURN count(*) AS c"},
            headers=reader,
        )
        assert read.json()["rows"] == [[1]]
        # a write in read mode: the writer chose the mode, the reader could not do better
        in_read_mode = {"query": "CREATE (n:X) RETURN n"}
        chosen = await c.post("/v1/namespaces/alpha/cypher", json=in_read_mode, headers=writer)
        assert assert_problem(chosen, 403, "cypher_access_mode")["detail"].startswith(
            "Writing in read access mode not allowed: CREATE writes to the graph"
        )
        lacking = await c.post("/v1/namespaces/alpha/cypher", json=in_read_mode, headers=reader)
        assert (
            "lacks the 'write' scope"
            in (assert_problem(lacking, 403, "cypher_permission_denied")["detail"])
        )


async def test_non_finite_floats_are_strings(client: httpx.AsyncClient, namespace: str) -> None:
    response = await cypher(client, namespace, "RETURN 0.0 / 0.0 AS nan, 1.0 / 0.0 AS inf")
    if response.status_code == 200:
        assert response.json()["rows"] == [["NaN", "Infinity"]]
    else:  # AGE refuses float division by zero: still a classified type error
        assert_problem(response, 422, "cypher_type_error")
    assert math.isnan(float("nan"))


async def test_reads_after_writes_and_a_refused_delete_over_rest(
    client: httpx.AsyncClient, namespace: str
) -> None:
    made = await cypher(client, namespace, "CREATE (:Sw {x: 1, y: 2})", mode="write")
    assert made.status_code == 200, made.text
    query = "MATCH (a:Sw), (c:Sw) SET a.x = c.y, c.y = a.x, c.z = 3 RETURN a.z, c.x"
    answered = await cypher(client, namespace, query, mode="write")
    assert answered.json()["rows"] == [[3, 2]]
    body = assert_problem(
        await cypher(client, namespace, "MATCH (a) DELETE 1 + 1", mode="write"),
        422,
        "cypher_syntax_error",
    )
    assert "InvalidArgumentType" in body["detail"]
    kept = await cypher(client, namespace, "MATCH (n:Sw) RETURN properties(n) AS p")
    assert kept.json()["rows"] == [[{"x": 2, "y": 1, "z": 3}]]  # the refusal deleted nothing
