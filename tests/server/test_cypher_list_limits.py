"""What kgmem's list rewrites produce (comprehensions moved into WITH clauses of their
own, aggregates split out, unwound values passed through unnull) runs under the same
statement timeout and row cap as any query."""

from fastapi import FastAPI

from kgmem import Memory
from tests.fixtures.app import client_for
from tests.server.test_cypher_api import cypher, slow_store
from tests.server.test_entities_api import assert_problem

__all__ = ["slow_store"]


async def test_rewritten_list_queries_time_out_and_are_capped(
    slow_store: tuple[FastAPI, Memory],
) -> None:
    app, memory = slow_store
    slow_queries = (
        # a grouping key's comprehension over a long list, moved into a WITH of its own
        "UNWIND range(1, 3000) AS y WITH size([x IN range(1, 3000) WHERE x < y]) AS k, "
        "count(*) AS c RETURN count(*) AS n",
        # an aggregate split out of a comprehension beside a grouping key
        "UNWIND range(1, 3000) AS a UNWIND range(1, 3000) AS b "
        "RETURN a % 2 AS k, size([x IN collect(b) WHERE x > 1]) AS s",
        # unwound values bound through unnull
        "UNWIND [null] + range(1, 5000) AS a UNWIND range(1, 5000) AS b RETURN count(a) AS c",
    )
    async with client_for(app) as c:
        for query in slow_queries:
            body = assert_problem(await cypher(c, "alpha", query), 504, "cypher_timeout")
            assert body["error_class"] == "timeout"
        capped = await cypher(c, "alpha", "UNWIND [null] + range(1, 9) AS x RETURN x")
        assert capped.json()["rows"] == [[None], [1], [2], [3], [4]]
        assert capped.json()["truncated"] is True
    assert (await memory.cypher("alpha", "RETURN 1 AS x")).rows == [[1]]
