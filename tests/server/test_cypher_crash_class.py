"""Queries that hand AGE a PostgreSQL boolean where it reads agtype crashed the backend
(and PostgreSQL restarted every connection). Each now answers or gets a clear 4xx, and
the server that answers next is the same one: its start time does not change."""

import asyncpg
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem.cypher import plan
from tests.server.server_alive import answered, started

# From the openCypher TCK (Precedence1, scenarios 27 and 28) and the class around them.
CRASHERS = [
    "UNWIND [true, false, null] AS a "
    "UNWIND [[], [true], [false], [null], [true, false], [true, false, null]] AS b "
    "WITH collect((NOT a IN b) = (NOT (a IN b))) AS eq, "
    "collect((NOT a IN b) <> ((NOT a) IN b)) AS neq "
    "RETURN all(x IN eq WHERE x) AND any(x IN neq WHERE x) AS result",
    "UNWIND [true, false, null] AS a UNWIND [true, false, null] AS b "
    "UNWIND [[], [true], [false], [null], [true, false], [true, false, null]] AS c "
    "WITH collect((a OR b IN c) = (a OR (b IN c))) AS eq, "
    "collect((a OR b IN c) <> ((a OR b) IN c)) AS neq "
    "RETURN all(x IN eq WHERE x) AND any(x IN neq WHERE x) AS result",
    "WITH [] AS b RETURN (NOT true) IN b AS r",
    "UNWIND [[]] AS b WITH b, NOT true AS t RETURN t IN b AS r",
    "UNWIND [[true]] AS b WITH b, true AND false AS t RETURN 1 IN t AS r",
    "UNWIND [[true]] AS b WITH b, null IS NULL AS t RETURN t STARTS WITH b[0] AS r",
    "UNWIND [[true]] AS b WITH b, NOT true AS t RETURN b[t] AS r",
    "UNWIND [[]] AS b RETURN (true XOR false) IN b[0..1] AS r",
    "UNWIND [{k: []}] AS b RETURN (NOT true) IN b.k AS r",
    "UNWIND [[]] AS b RETURN (1 IN [1]) IN b AS r",
    "UNWIND [[]] AS b RETURN null IS NULL IN b AS r",
    "UNWIND [[]] AS b RETURN 1 IN b IN b AS r",
    "UNWIND [['a']] AS b RETURN (NOT true) CONTAINS b[0] AS r",
    "UNWIND [['a']] AS b RETURN b[0] ENDS WITH (true OR false) AS r",
    "UNWIND [['a']] AS b RETURN b[(NOT false)..] AS r",
]


async def test_boolean_operands_never_take_the_server_down(
    client: httpx.AsyncClient, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    since = await started(raw_conn)
    for query in CRASHERS:
        body = {"query": query, "mode": "read"}
        response = await answered(client, namespace, raw_conn, since, body)
        assert response.status_code in (200, 422), (query, response.text)
    assert await raw_conn.fetchval("SELECT 1") == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("WITH [] AS b RETURN (NOT true) IN b AS r", False),
        ("WITH [false] AS b RETURN (NOT true) IN b AS r", True),
        ("WITH [true] AS b, NOT false AS t RETURN t IN b AS r", True),
        ("WITH [[false]] AS l RETURN (1 IN [2]) IN l[0] AS r", True),
        ("WITH NOT false AS t WHERE t RETURN t AS r", True),
        ("WITH null AND true AS t RETURN t IS NULL AS r", True),
        ("RETURN [1] + (2 IN [3]) + 4 = [1, false, 4] AS r", True),
        ("RETURN (1 IN [1]) + [2] = [true, 2] AS r", True),
        ("RETURN [1] + 2 IN [3] + 4 AS r", False),
    ],
)
async def test_guarded_booleans_keep_their_meaning(
    client: httpx.AsyncClient, namespace: str, query: str, expected: bool
) -> None:
    response = await client.post(f"/v1/namespaces/{namespace}/cypher", json={"query": query})
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [[expected]]


def test_plain_filters_are_not_rewritten() -> None:
    text = "MATCH (n) WHERE n.x IN [1, 2] AND NOT n.y IN $l RETURN n.l AS r"
    assert plan(text, {"l": []}).text == text
    # a comprehension's filter is three-valued (kgmem.cypher.comprehensions), not wrapped
    listed = plan("MATCH (n) RETURN [x IN n.l WHERE x IN [1]] AS r").text
    assert "[(" not in listed and "compare3([x][0], '=', 1)" in listed


_BOOLEAN = st.sampled_from(["(NOT a)", "(a AND b)", "(a OR b)", "(a XOR b)", "(a IS NULL)"])
_PLACE = st.sampled_from(
    ["{x} IN l", "1 IN {x}", "{x} STARTS WITH 's'", "l[{x}]", "{x} CONTAINS 's'", "{x} IN l IN l"]
)


@settings(max_examples=60, deadline=None)
@given(_BOOLEAN, _PLACE, st.booleans())
def test_every_boolean_reaching_an_agtype_operator_is_wrapped(
    boolean: str, place: str, through_variable: bool
) -> None:
    if through_variable:
        query = f"WITH true AS a, false AS b, [] AS l WITH {boolean} AS t, l RETURN "
        query += place.format(x="t") + " AS r"
    else:
        query = "WITH true AS a, false AS b, [] AS l RETURN " + place.format(x=boolean) + " AS r"
    text = plan(query).text
    assert "[(" in text and ")][0]" in text
