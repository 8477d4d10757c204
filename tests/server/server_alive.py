"""What the crash tests share: PostgreSQL's start time, which changes when a crashed
backend makes the postmaster restart every connection of every tenant, and a Cypher
request through REST that must answer 200 or a 4xx without that happening."""

from typing import Any

import asyncpg
import httpx


async def started(raw_conn: asyncpg.Connection) -> object:
    """When the PostgreSQL server that answers started."""
    return await raw_conn.fetchval("SELECT pg_postmaster_start_time()")


async def answered(
    client: httpx.AsyncClient,
    namespace: str,
    raw_conn: asyncpg.Connection,
    since: object,
    body: dict[str, Any],
) -> httpx.Response:
    """The REST answer to the Cypher request ``body``, after checking that it is 200 or
    a 4xx and that the server that started at ``since`` still answers."""
    response = await client.post(f"/v1/namespaces/{namespace}/cypher", json=body)
    query = body["query"]
    assert response.status_code == 200 or 400 <= response.status_code < 500, (query, response.text)
    assert await started(raw_conn) == since, query
    return response


async def graph(client: httpx.AsyncClient, namespace: str, query: str) -> None:
    """Write the test's graph with the Cypher ``query``."""
    body = {"query": query, "mode": "write"}
    assert (await client.post(f"/v1/namespaces/{namespace}/cypher", json=body)).is_success
