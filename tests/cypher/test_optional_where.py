"""An OPTIONAL MATCH whose WHERE holds a subquery or a list comprehension keeps the rows
without a match (AGE 1.7 alone drops them): ``kgmem.cypher.optional_where``."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.cypher.lexer import tokenize
from kgmem.cypher.optional_where import split

GRAPH = (
    "CREATE (:N {x: 1}), (:N {x: 2}), (:N {x: 3}),"
    " (a:M {k: 1, tags: ['red', 'blue']})-[:T {w: 1}]->(:X),"
    " (:M {k: 2, tags: ['green']})"
)


def _parts(condition: str) -> tuple[list[str], list[str]]:
    moved, kept = split(tokenize(condition))
    return (
        [condition[p[0].start : p[-1].end] for p in moved],
        [condition[p[0].start : p[-1].end] for p in kept],
    )


def test_only_the_conditions_with_a_subquery_leave_the_match() -> None:
    assert _parts("m.k = n.x AND EXISTS { MATCH (m)-->() } AND NOT m.z") == (
        ["EXISTS { MATCH (m)-->() }"],
        ["m.k = n.x", "NOT m.z"],
    )
    either = "m.k = n.x OR size([y IN m.l WHERE y > 1]) > 0"
    assert _parts(either) == ([either], [])
    assert _parts("m.k = n.x AND m.l = [1, 2]") == ([], ["m.k = n.x", "m.l = [1, 2]"])

    planned = plan(
        "MATCH (n:N) OPTIONAL MATCH (m:M) WHERE m.k = n.x AND EXISTS { MATCH (m)-->() } "
        "RETURN n.x, m.k",
        mode="read",
    )
    assert "optional_where" in planned.rewrites
    assert "OPTIONAL MATCH __kgmem_oq1 = (m:M) WHERE m.k = n.x WITH" in planned.text
    assert list(planned.columns) == ["n.x", "m.k"]


async def test_rows_without_a_match_are_kept_for_each_kind_of_condition(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, GRAPH, mode="write")
    conditions = {
        "any": "any(t IN m.tags WHERE size(t) = n.x + 3)",
        "comprehension": "size([t IN m.tags WHERE size(t) = n.x + 3]) > 0",
        "exists": "EXISTS { MATCH (m)-[:T]->(:X) WHERE m.k = n.x }",
        "count": "COUNT { MATCH (m)-[:T]->() } = n.x",
        "kept and moved": "m.k = n.x AND EXISTS { MATCH (m)-->() }",
    }
    expected = {
        "any": [[1, 1], [2, 2], [3, None]],
        "comprehension": [[1, 1], [2, 2], [3, None]],
        "exists": [[1, 1], [2, None], [3, None]],
        "count": [[1, 1], [2, None], [3, None]],
        "kept and moved": [[1, 1], [2, None], [3, None]],
    }
    for name, condition in conditions.items():
        result = await memory.cypher(
            namespace,
            f"MATCH (n:N) OPTIONAL MATCH (m:M) WHERE {condition} RETURN n.x, m.k ORDER BY n.x",
        )
        assert result.rows == expected[name], name


async def test_equal_rows_keep_their_own_matches_and_relationships_come_along(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, GRAPH, mode="write")
    twice = await memory.cypher(
        namespace,
        "UNWIND [1, 1, 5] AS x OPTIONAL MATCH p = (m:M)-[r:T]->(y) "
        "WHERE any(t IN m.tags WHERE t = 'red') AND r.w = x "
        "RETURN x, m.k, r.w, labels(y), length(p) ORDER BY x",
    )
    assert twice.rows == [[1, 1, 1, ["X"], 1], [1, 1, 1, ["X"], 1], [5, None, None, None, None]]
    leading = await memory.cypher(
        namespace, "OPTIONAL MATCH (m:M) WHERE EXISTS { MATCH (m)-[:Missing]->() } RETURN m"
    )
    assert leading.rows == [[None]]
    counted = await memory.cypher(
        namespace,
        "MATCH (n:N) OPTIONAL MATCH (n)<-[:Missing]-(m) "
        "WHERE COUNT { MATCH (m)-->() } > 0 RETURN count(*) AS rows, count(m) AS matched",
    )
    assert counted.rows == [[3, 0]]


async def test_a_write_after_it_reaches_the_matches_only(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, GRAPH, mode="write")
    written = await memory.cypher(
        namespace,
        "MATCH (n:N) OPTIONAL MATCH (m:M) WHERE m.k = n.x AND EXISTS { MATCH (m)-->(:X) } "
        "SET m.seen = n.x RETURN n.x ORDER BY n.x",
        mode="write",
    )
    assert written.rows == [[1], [2], [3]]
    seen = await memory.cypher(namespace, "MATCH (m:M) RETURN m.k, m.seen ORDER BY m.k")
    assert seen.rows == [[1, 1], [2, None]]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.lists(st.integers(0, 5), max_size=3), min_size=1, max_size=4),
    st.lists(st.integers(0, 6), min_size=1, max_size=4),
)
async def test_the_rows_are_those_of_the_definition(
    memory: Memory, namespace: str, lists: list[list[int]], xs: list[int]
) -> None:
    await memory.cypher(namespace, "MATCH (m:Q) DELETE m", mode="write")
    await memory.cypher(
        namespace,
        "UNWIND range(0, size($lists) - 1) AS k CREATE (:Q {k: k, l: $lists[k]})",
        {"lists": lists},
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "UNWIND $xs AS x OPTIONAL MATCH (m:Q) WHERE any(y IN m.l WHERE y > x) RETURN x, m.k",
        {"xs": xs},
    )
    expected = []
    for x in xs:
        found = [k for k, values in enumerate(lists) if any(y > x for y in values)]
        expected.extend([x, k] for k in found) if found else expected.append([x, None])
    assert sorted(result.rows, key=_order) == sorted(expected, key=_order)


def _order(row: list[int | None]) -> tuple[int, int]:
    return (row[0] or 0, -1 if row[1] is None else row[1])
