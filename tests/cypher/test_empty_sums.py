"""``sum`` of no values is 0, as openCypher defines it (AGE alone answers null), and
the same sum wherever there are values."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan


def test_each_sum_call_is_wrapped_and_nothing_else() -> None:
    planned = plan("MATCH (n) RETURN n.sum AS s, sum(n.x) AS t, SUM(DISTINCT n.y)", mode="read")
    assert "coalesce(sum(n.x), 0) AS t" in planned.text
    assert "coalesce(SUM(DISTINCT n.y), 0)" in planned.text
    assert "n.sum AS s" in planned.text
    assert list(planned.columns) == ["s", "t", "SUM(DISTINCT n.y)"]
    assert "empty_sums" in planned.rewrites


async def test_sums_of_nothing_are_zero(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace, "CREATE (:O {c: 'a', t: 1}), (:O {c: 'a', t: 2}), (:O {c: 'b'})", mode="write"
    )
    result = await memory.cypher(
        namespace,
        "MATCH (o:O) RETURN o.c AS c, sum(o.t) AS s, sum(DISTINCT o.t) AS d ORDER BY c",
    )
    assert result.rows == [["a", 3, 3], ["b", 0, 0]]
    none = await memory.cypher(namespace, "MATCH (m:Missing) RETURN sum(m.t) AS s, count(m) AS c")
    assert none.rows == [[0, 0]]
    kept = await memory.cypher(namespace, "MATCH (o:O) WITH sum(o.t) AS s WHERE s > 2 RETURN s")
    assert kept.rows == [[3]]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), max_size=8))
async def test_a_sum_is_the_sum_of_its_values(
    memory: Memory, namespace: str, values: list[int | None]
) -> None:
    result = await memory.cypher(namespace, "UNWIND $v AS x RETURN sum(x) AS s", {"v": values})
    assert result.rows == [[sum(v for v in values if v is not None)]]
