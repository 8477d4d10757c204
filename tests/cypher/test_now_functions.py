"""The current time: ``datetime()``, ``date()``, ``time()``, ``timestamp()`` and their
``statement`` / ``transaction`` / ``realtime`` forms read the clock as Neo4j does."""

import datetime as dt
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import clock, plan
from kgmem.errors import CypherRejected, CypherSemanticError
from kgmem.graph.cypher import CypherRequest


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.split("[", maxsplit=1)[0].replace("Z", "+00:00"))


def test_readings_of_the_clock_are_parameters_the_analyst_never_passes() -> None:
    planned = plan("RETURN datetime() AS a, date.transaction() AS b, timestamp() AS c")
    assert planned.parameters == frozenset()
    assert planned.clocks == (
        "__kgmem_clock_statement_datetime",
        "__kgmem_clock_statement_timestamp",
        "__kgmem_clock_transaction_date",
    )
    assert planned.temporal == ("datetime", "date", None)


def test_a_bad_time_zone_fails_when_planned() -> None:
    with pytest.raises(CypherSemanticError, match="unknown time zone"):
        plan("RETURN datetime({timezone: 'Mars/Olympus'}) AS x")
    with pytest.raises(CypherSemanticError, match="a string or a parameter"):
        plan("MATCH (n) RETURN datetime.statement(n.zone) AS x")
    with pytest.raises(CypherSemanticError, match="missing parameter"):
        plan("RETURN datetime({timezone: $zone}) AS x")


def test_the_clock_parameters_are_kgmem_s_own() -> None:
    with pytest.raises(CypherRejected, match="kgmem's own"):
        plan("RETURN $__kgmem_clock_statement_datetime AS x", {})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 4_000_000_000_000_000_000), min_size=2, max_size=6))
def test_clock_values_sort_as_text_in_time_order(nanos: list[int]) -> None:
    texts = []
    for ns in nanos:
        with mock.patch.object(clock.time, "time_ns", return_value=ns):
            texts.append(clock.value("__kgmem_clock_realtime_datetime"))
    assert sorted(texts) == [texts[i] for i in sorted(range(len(nanos)), key=nanos.__getitem__)]
    assert len({len(text) for text in texts}) == 1


async def test_every_reading_of_one_statement_is_the_same_instant(
    memory: Memory, namespace: str
) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND range(1, 3) AS i RETURN datetime() AS a, datetime.statement() AS b, "
        "timestamp() AS t, date() AS d, localdatetime() AS l, time() AS tm, localtime() AS lt",
    )
    assert len({tuple(row) for row in result.rows}) == 1
    a, b, stamp, day, local, time_of_day, local_time = result.rows[0]
    assert a == b and a.endswith("Z")
    moment = _instant(a)
    assert abs(moment - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=30)
    assert stamp == int(moment.timestamp() * 1000)
    assert day == moment.date().isoformat()
    assert local == a[:-1] and time_of_day == a.split("T")[1] and local_time == a[11:-1]
    assert result.temporal == ("datetime", "datetime", None, "date", "localdatetime", "time",
                               "localtime")  # fmt: skip


async def test_readings_in_a_time_zone(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "RETURN datetime() AS utc, datetime({timezone: 'Europe/Paris'}) AS paris, "
        "datetime.statement('+05:30') AS plus, date({timezone: '-12:00'}) AS d",
    )
    utc, paris, plus, day = result.rows[0]
    assert paris.endswith("[Europe/Paris]") and plus.endswith("+05:30")
    assert _instant(utc) == _instant(paris) == _instant(plus)
    assert day == (_instant(utc) - dt.timedelta(hours=12)).date().isoformat()


async def test_a_time_zone_from_a_parameter(memory: Memory, namespace: str) -> None:
    query = (
        "RETURN datetime({timezone: $tz}) AS a, datetime({timezone: 'Europe/Paris'}) AS b, "
        "date.statement($tz) AS c, time({timezone: $tz}) AS d"
    )
    paris = await memory.cypher(namespace, query, {"tz": "Europe/Paris"})
    a, b, day, time_of_day = paris.rows[0]
    assert a == b and day == a[:10] and time_of_day == a[11:].split("[")[0]
    offset = await memory.cypher(namespace, query, {"tz": "-03:00"})
    assert offset.rows[0][0].endswith("-03:00")
    none = await memory.cypher(namespace, query, {"tz": None})
    assert none.rows[0][0] is None and none.rows[0][2] is None
    with pytest.raises(CypherSemanticError, match="unknown time zone"):
        await memory.cypher(namespace, query, {"tz": "Mars/Olympus"})


async def test_chat_history_stores_and_compares_the_current_time(
    memory: Memory, namespace: str
) -> None:
    merge = (
        "MERGE (s:Session {id: $id}) ON CREATE SET s.createdAt = datetime() "
        "ON MATCH SET s.updatedAt = datetime() RETURN s.createdAt AS c, s.updatedAt AS u"
    )
    first = await memory.cypher(namespace, merge, {"id": "s1"}, mode="write")
    second = await memory.cypher(namespace, merge, {"id": "s1"}, mode="write")
    created, updated = second.rows[0]
    assert first.rows[0] == [created, None]
    assert _instant(updated) > _instant(created)
    for n in range(3):
        await memory.cypher(
            namespace,
            "MATCH (s:Session {id: $id}) CREATE (s)-[:LAST_MESSAGE]->(m:Message) "
            "SET m += {role: $role, content: $content, createdAt: datetime()}",
            {"id": "s1", "role": "human", "content": f"m{n}"},
            mode="write",
        )
    ordered = await memory.cypher(
        namespace,
        "MATCH (m:Message) WHERE m.createdAt <= datetime() AND m.createdAt > $since "
        "RETURN m.content AS c, m.createdAt.year AS y ORDER BY m.createdAt DESC",
        {"since": created},
    )
    assert ordered.rows == [["m2", _instant(created).year], ["m1", _instant(created).year],
                            ["m0", _instant(created).year]]  # fmt: skip


async def test_the_transaction_clock_stays_and_the_statement_clock_moves(
    memory: Memory, namespace: str
) -> None:
    query = "RETURN datetime.transaction() AS t, datetime() AS s, datetime.realtime() AS r"
    async with memory.cypher_transaction(namespace, "read") as run:
        first = (await run(CypherRequest(query=query, params={}))).rows[0]
        second = (await run(CypherRequest(query=query, params={}))).rows[0]
    assert first[0] == second[0]
    assert _instant(first[0]) <= _instant(first[1]) < _instant(second[1])
    assert _instant(first[1]) <= _instant(first[2])


async def test_a_reading_in_a_with_binding_keeps_its_type(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "WITH datetime() AS now RETURN now, now.year AS y, now + duration('P1D') AS next",
    )
    now, year, following = result.rows[0]
    assert year == _instant(now).year
    assert _instant(following) - _instant(now) == dt.timedelta(days=1)
    assert result.temporal == ("datetime", None, "datetime")
