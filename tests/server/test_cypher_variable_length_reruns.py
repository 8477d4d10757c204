"""A variable-length relationship between two anonymous nodes (``()-[*0..1]->()``) left
state in the prepared statement the driver caches, which AGE freed when the transaction
ended: the second run of the same read on the same connection crashed PostgreSQL, and
every connection of every tenant with it. Such statements are now prepared afresh for
each run: any key may send them as often as it likes, and the server stays up."""

import asyncpg
import httpx
import pytest

from kgmem.storage.graph.cypher import variable_length
from tests.server.server_alive import answered, graph, started

RERUN = [
    ("MATCH ()-[v*0..1]->() RETURN size(v) AS n ORDER BY n", [[0], [0], [1]]),
    ("MATCH ()-[v*0..1]-() RETURN count(*) AS n", [[4]]),
    ("MATCH p = ()-[*1..2]->() RETURN length(p) AS n", [[1]]),
    ("MATCH (n:A {k: 1}) RETURN size([p = ()-[*0..1]->() | p]) AS n", [[3]]),
    ("RETURN EXISTS { MATCH ()-[*0..1]->() } AS n", [[True]]),
]


async def test_a_variable_length_read_runs_again_without_taking_the_server_down(
    client: httpx.AsyncClient, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    since = await started(raw_conn)
    await graph(client, namespace, "CREATE (:A {k: 1})-[:T {k: 2}]->(:A {k: 2})")
    for query, rows in RERUN:
        for mode in ("read", "read", "read", "write", "write"):
            body = {"query": query, "mode": mode}
            response = await answered(client, namespace, raw_conn, since, body)
            assert response.status_code == 200, (query, response.text)
            assert response.json()["rows"] == rows, query


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("MATCH ()-[v*0..1]->() RETURN v", True),
        ("MATCH (a)-[r:T*1..2 {k: [1]}]->(b) RETURN r", True),
        ("MATCH ()-[:T {k: ['a']}*1..2]->() RETURN 1", True),  # a list before the star
        ("MATCH ()-[:T {k: [[1], [2]]} *]->() RETURN 1", True),
        ("MATCH p = shortestPath((a)-[*]-(b)) RETURN p", True),
        ("MATCH (a)-[r]->(b) RETURN 2 * 3", False),
        ("RETURN '[*]', `[*`", False),
        ("MATCH (n) RETURN count(*), [x IN n.l | x]", False),
        ("MATCH (n) WHERE n.k = '[' RETURN n.k * 2", False),
    ],
)
def test_statements_that_may_hold_a_variable_length_relationship_are_told_apart(
    text: str, found: bool
) -> None:
    assert variable_length(text) is found
