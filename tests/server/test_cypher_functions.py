"""Only Cypher's own functions reach AGE: every other function AGE's catalog exposes is
refused before anything runs, so no query can read, drop or name another graph, and
the ``graph_stats`` lock hazard cannot be reached."""

import asyncio

import asyncpg
import httpx
import pytest

from kgmem.cypher import neo4j_functions
from kgmem.cypher.functions import ALLOWED
from tests.server.test_cypher_safety import two_namespaces  # noqa: F401  (fixture)
from tests.server.test_entities_api import PROBLEM

# Names AGE's parser handles itself or kgmem rewrites (not ``age_<name>`` functions).
PARSER_FUNCTIONS = {"coalesce", "count", "all", "any", "none", "single", "reduce"}
# Written by kgmem's rewrites as other calls: kgmem.cypher.element_ids, vector_functions,
# shortest_paths.
REWRITTEN = {"elementid", "vector", "shortestpath", "allshortestpaths", *neo4j_functions.NAMES}
"""Names kgmem's rewrites turn into its own SQL functions before AGE sees them."""


async def catalog_functions(conn: asyncpg.Connection) -> set[str]:
    """Every function a Cypher call can reach: AGE resolves ``f()`` to ``age_f``."""
    rows = await conn.fetch(
        "SELECT DISTINCT lower(substr(p.proname, 5)) AS name FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'ag_catalog' AND p.proname LIKE 'age\\_%'"
    )
    return {r["name"] for r in rows}


async def test_the_allow_list_names_only_functions_age_has(
    raw_conn: asyncpg.Connection, namespace: str
) -> None:
    available = await catalog_functions(raw_conn)
    assert available >= ALLOWED - PARSER_FUNCTIONS - REWRITTEN


async def test_every_other_catalog_function_is_refused(
    client: httpx.AsyncClient, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    refused = sorted(await catalog_functions(raw_conn) - ALLOWED)
    assert {"graph_stats", "vertex_stats", "delete_global_graphs", "create_barbell_graph"} <= set(
        refused
    )
    for name in refused:
        for spelling in (name, name.upper(), f"`{name}`"):
            response = await client.post(
                f"/v1/namespaces/{namespace}/cypher",
                json={"query": f"RETURN {spelling}('{namespace}') AS x"},
            )
            assert response.status_code == 422, (spelling, response.text)
            assert response.headers["content-type"].startswith(PROBLEM)
            assert response.json()["code"] == "cypher_rejected"


async def test_allowed_functions_still_answer(client: httpx.AsyncClient, namespace: str) -> None:
    query = (
        "RETURN toUpper('a') AS u, size([1, 2]) AS s, coalesce(null, 3) AS c, "
        "abs(-2) AS a, any(x IN [1, 2] WHERE x > 1) AS q"
    )
    response = await client.post(f"/v1/namespaces/{namespace}/cypher", json={"query": query})
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [["A", 2, 3, 2, True]]


async def test_no_query_learns_about_another_namespace(
    client: httpx.AsyncClient,
    two_namespaces: tuple[str, str],  # noqa: F811
) -> None:
    mine, other = two_namespaces
    for query in (
        f'RETURN graph_stats("{other}") AS s',
        f"RETURN delete_global_graphs('{other}') AS s",
        "RETURN graph_stats('nope_nope') AS s",
    ):
        response = await client.post(f"/v1/namespaces/{mine}/cypher", json={"query": query})
        assert response.status_code == 422, response.text
        assert "num_loaded" not in response.text
    # The other namespace is untouched and answers its own queries.
    response = await client.post(
        f"/v1/namespaces/{other}/cypher", json={"query": "MATCH (n:Person) RETURN n.name AS n"}
    )
    assert response.json()["rows"] == [[other]]


async def test_the_graph_stats_then_path_pair_no_longer_hangs_the_server(
    client: httpx.AsyncClient, namespace: str
) -> None:
    """The pair once wedged one pooled backend per repetition until the pool ran out."""
    url = f"/v1/namespaces/{namespace}/cypher"
    await client.post(url, json={"query": "CREATE (:P {n: 1})-[:R]->(:P {n: 2})", "mode": "write"})
    async with asyncio.timeout(60):
        for _ in range(12):
            stats = await client.post(url, json={"query": 'RETURN graph_stats("nope") AS s'})
            assert stats.status_code == 422
            path = await client.post(
                url, json={"query": "MATCH p=(x)-[*1..2]->(y) RETURN count(p) AS n"}
            )
            assert path.status_code == 200, path.text
            assert path.json()["rows"] == [[1]]
        health = await client.get("/health")
    assert health.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) WHERE exists((n)-->()) AND (n.x IS NULL) RETURN count(n) AS c",
        "MATCH p = (a)-[*1..2]->(b) RETURN length(p) AS l",
        "RETURN CASE WHEN (1 > 0) THEN 1 ELSE 0 END AS c",
        "WITH [1, 2] AS xs RETURN [x IN xs WHERE NOT (x > 1) | (x)] AS ys",
        "MATCH (n) RETURN n.`size` AS s, n.size AS t",
    ],
)
async def test_brackets_after_keywords_are_not_calls(
    client: httpx.AsyncClient, namespace: str, query: str
) -> None:
    response = await client.post(f"/v1/namespaces/{namespace}/cypher", json={"query": query})
    assert response.status_code == 200, response.text
