"""Analysts' queries cannot take the server's memory: a value past PostgreSQL's 1 GB
allocation limit and an answer past KGMEM_CYPHER_MAX_RESULT_BYTES are clear 4xx, at
most KGMEM_CYPHER_CONCURRENT_QUERIES run at once, and the server keeps serving."""

import asyncio

import httpx

from kgmem import Memory
from tests.server.test_entities_api import PROBLEM


async def test_a_gigabyte_range_is_a_clear_4xx_and_the_server_keeps_serving(
    client: httpx.AsyncClient, namespace: str
) -> None:
    url = f"/v1/namespaces/{namespace}/cypher"
    for query in (
        "UNWIND range(1, 300000000) AS x RETURN count(x) AS n",
        "RETURN size(range(1, 300000000)) AS n",
    ):
        response = await client.post(url, json={"query": query})
        assert 400 <= response.status_code < 500, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
    assert (await client.post(url, json={"query": "RETURN 1 AS one"})).json()["rows"] == [[1]]
    assert (await client.get("/health")).status_code == 200


async def test_an_answer_past_the_byte_limit_is_refused_before_decoding(
    client: httpx.AsyncClient, namespace: str
) -> None:
    response = await client.post(
        f"/v1/namespaces/{namespace}/cypher", json={"query": "RETURN range(1, 10000000) AS r"}
    )
    assert response.status_code in (413, 422), response.text
    assert response.json()["code"] == "limit_exceeded"
    assert "KGMEM_CYPHER_MAX_RESULT_BYTES" in response.json()["detail"]


async def test_cypher_queries_wait_in_line_beyond_the_limit(memory: Memory) -> None:
    running = peak = 0

    async def one() -> None:
        nonlocal running, peak
        async with memory.database.limited("test-gate", 2):
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.05)
            running -= 1

    await asyncio.gather(*(one() for _ in range(6)))
    assert peak == 2
