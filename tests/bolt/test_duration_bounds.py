"""Durations past Neo4j's bounds (seconds, and the length at the average month and day
in seconds, within a 64-bit long) fail the statement with Neo4j's words, whether kgmem
computes them while planning or PostgreSQL computes them from the graph; before, one
took the Bolt connection down and the other came back as text no driver read."""

from typing import Any

import pytest
from neo4j.exceptions import ClientError, DatabaseError

from kgmem.bolt import session as session_module
from kgmem.cypher import temporal as t
from kgmem.errors import CypherSemanticError
from tests.fixtures.bolt import Bolt

BIG = 9_223_372_036_854_775_807
OVERFLOW = "Invalid value for duration, will cause overflow"
SEMANTIC = "Neo.ClientError.Statement.SemanticError"

_PAST = [
    "RETURN duration({years: 9223372036854775807}) AS d",
    "RETURN duration('P9223372036854775807Y') AS d",
    "RETURN duration({days: 9223372036854775807}) AS d",
    "RETURN duration({seconds: 9223372036854775807, nanoseconds: 2000000000}) AS d",
    "MATCH (n:Big) RETURN duration({days: n.v}) AS d",
    "MATCH (n:Big) RETURN duration({seconds: n.v}) + duration('PT1S') AS d",
    "MATCH (n:Big) RETURN duration(n.s) AS d",
]


@pytest.mark.parametrize(
    ("months", "days", "seconds"),
    [(BIG // 2_629_746 + 1, 0, 0), (0, BIG // 86_400 + 1, 0), (0, 0, BIG + 1), (0, 1, BIG)],
)
def test_a_duration_past_a_long_in_seconds_is_refused(months: int, days: int, seconds: int) -> None:
    with pytest.raises(CypherSemanticError, match=OVERFLOW):
        t.Duration(months, days, seconds * t.NS)
    # just inside: a long's worth of seconds in all, or the negative end
    t.Duration(0, 0, BIG * t.NS + 999_999_999)
    t.Duration(0, 0, -(BIG + 1) * t.NS)


async def test_a_duration_past_the_bounds_fails_the_statement_and_the_session_goes_on(
    bolt: Bolt,
) -> None:
    await bolt.memory.cypher("alpha", f"CREATE (:Big {{v: {BIG}, s: 'P{BIG}D'}})", mode="write")
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        for query in _PAST:
            with pytest.raises(ClientError) as caught:
                await (await session.run(query)).consume()
            assert caught.value.code == SEMANTIC, query
            assert caught.value.message.startswith(OVERFLOW), query
            record = await (await session.run("RETURN 1 AS one")).single()
            assert record is not None and record["one"] == 1
        # the largest that fits comes back as a duration; text like an overflowing one
        # stays the string it is
        record = await (
            await session.run("MATCH (n:Big) RETURN duration({seconds: n.v}) AS d, n.s AS s")
        ).single()
    assert record is not None
    assert (record["d"].seconds, record["s"]) == (BIG, f"P{BIG}D")
    for query in _PAST:  # the in-process (REST, MCP) door answers alike
        with pytest.raises(CypherSemanticError, match=OVERFLOW):
            await bolt.memory.cypher("alpha", query)


async def test_a_result_bolt_cannot_carry_fails_the_request_not_the_connection(
    bolt: Bolt, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a value PackStream cannot carry (an integer past 64 bits) reaches the
    door, the request fails with a Neo4j code and the connection goes on."""
    record = session_module._record

    def widened(row: list[Any], *rest: Any) -> list[Any]:
        values = record(row, *rest)
        return [2**70 if v == 424242 else v for v in values]

    monkeypatch.setattr(session_module, "_record", widened)
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        with pytest.raises(DatabaseError) as caught:
            await (await session.run("RETURN 424242 AS n")).consume()
        assert caught.value.code == session_module.UNSENDABLE
        assert "64 bits" in caught.value.message
        again = await (await session.run("RETURN 7 AS n")).single()
    assert again is not None and again["n"] == 7
