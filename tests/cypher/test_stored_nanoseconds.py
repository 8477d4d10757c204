"""Temporal values read from the graph keep their nanoseconds through kgmem's SQL
functions (migration 0049): what the database computes from stored values equals what
kgmem computes from the same values written as constants."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory

_KINDS = {
    "localtime": "{hour: %d, minute: %d, second: %d, nanosecond: %d}",
    "time": "{hour: %d, minute: %d, second: %d, nanosecond: %d, timezone: '+01:00'}",
    "localdatetime": "{year: 1984, month: 10, day: 11, hour: %d, minute: %d, second: %d, "
    "nanosecond: %d}",
    "datetime": "{year: 1984, month: 10, day: 11, hour: %d, minute: %d, second: %d, "
    "nanosecond: %d, timezone: 'Europe/Stockholm'}",
}


async def test_opencyphers_example_adds_nanoseconds(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:Duration {dur: duration({hours: 16, minutes: 12, seconds: 70, nanoseconds: 2})})",
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "WITH localtime({hour: 12, minute: 31, second: 14, nanosecond: 1}) AS x "
        "MATCH (d:Duration) RETURN x + d.dur AS sum, x - d.dur AS diff",
    )
    assert result.rows == [["04:44:24.000000003", "20:18:03.999999999"]]


async def test_stored_values_compare_and_truncate_at_the_nanosecond(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:T {a: localtime({hour: 12, nanosecond: 999999999}), "
        "b: localtime({hour: 12, nanosecond: 999999998})})",
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "MATCH (n:T) RETURN localtime(n.a) > localtime(n.b) AS gt, "
        "duration.between(n.b, n.a) AS d, localtime.truncate('second', n.a) AS t, "
        "n.a + duration('PT0.000000001S') AS next",
    )
    assert result.rows == [[True, "PT0.000000001S", "12:00", "12:00:01"]]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(sorted(_KINDS)),
    clock=st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)),
    nanos=st.integers(0, 999_999_999),
    seconds=st.integers(-200_000, 200_000),
    step=st.integers(0, 999_999_999),
)
async def test_stored_sums_and_differences_are_the_constants(
    memory: Memory,
    namespace: str,
    kind: str,
    clock: tuple[int, int, int],
    nanos: int,
    seconds: int,
    step: int,
) -> None:
    value = f"{kind}({_KINDS[kind] % (*clock, nanos)})"
    duration = f"duration({{seconds: {seconds}, nanoseconds: {step}}})"
    await memory.cypher(namespace, "MATCH (n) DETACH DELETE n", mode="write")
    await memory.cypher(namespace, f"CREATE (:S {{v: {value}, d: {duration}}})", mode="write")
    items = "v + d AS sum, v - d AS diff, duration.between(v, v + d) AS back"
    folded = await memory.cypher(namespace, f"WITH {value} AS v, {duration} AS d RETURN {items}")
    stored = await memory.cypher(
        namespace, f"MATCH (n:S) WITH {kind}(n.v) AS v, n.d AS d RETURN {items}"
    )
    assert stored.rows == folded.rows


@pytest.mark.parametrize("kind", sorted(_KINDS))
async def test_a_nanosecond_component_is_not_rounded(
    memory: Memory, namespace: str, kind: str
) -> None:
    """A map's nanosecond read from the graph (the database builds the value): 999999999
    was rounded up into the next second through a float of microseconds."""
    await memory.cypher(namespace, "CREATE (:N {x: 999999999}), (:N {x: 500})", mode="write")
    stored_map = _KINDS[kind].replace("nanosecond: %d", "nanosecond: n.x") % (1, 2, 3)
    stored = await memory.cypher(
        namespace, f"MATCH (n:N) RETURN {kind}({stored_map}) AS v ORDER BY n.x"
    )
    constants = [
        (await memory.cypher(namespace, f"RETURN {kind}({_KINDS[kind] % (1, 2, 3, x)}) AS v")).rows[
            0
        ]
        for x in (500, 999_999_999)
    ]
    assert stored.rows == constants
