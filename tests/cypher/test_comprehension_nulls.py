"""A list comprehension reads a null element as null (``kgmem.cypher.comprehensions``):
its WHERE keeps only the elements whose predicate is true, and its projection computes
with null and booleans as openCypher does; first as text, then run against AGE."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan


def test_the_variable_is_read_through_a_list_literal_where_it_is_a_value() -> None:
    planned = plan("RETURN [x IN $l WHERE x > 1 | x + 1] AS r", {"l": [1]})
    assert "WHERE kgmem_cypher.compare3([x][0], '>', 1) | [x][0] + 1]" in planned.text


def test_names_labels_patterns_and_map_projections_keep_the_variable() -> None:
    for query, kept in (
        ("RETURN [x IN [1] | {x: x}] AS r", "{x: [x][0]}"),
        ("MATCH p = (a)-->(b) RETURN [n IN nodes(p) | n {.k}] AS r", "| n {.k}"),
        ("MATCH p = (a)-->(b) RETURN [n IN nodes(p) | size([(n)-->(m) | m])] AS r", "(n)-->"),
    ):
        assert kept in plan(query).text, query


def test_a_boolean_projection_is_collected_as_agtype() -> None:
    assert "| [([x][0] = 1)][0]]" in plan("RETURN [x IN [1, 2] | x = 1] AS r").text
    assert "| [(NOT ([x][0] > 1))][0]]" in plan("RETURN [x IN [1] | NOT (x > 1)] AS r").text
    # a comparison within a list or map is agtype already
    assert "| {k: [x][0] = 1}]" in plan("RETURN [x IN [1] | {k: x = 1}] AS r").text


async def test_null_elements_compute_as_null(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "RETURN [x IN [1, null, 2] WHERE x > 0] AS positive, "
        "[x IN [1, null, 2] WHERE x <> 1] AS other, "
        "[x IN [null, 1] WHERE x IS NULL] AS missing, "
        "[x IN [null, 1] | x + 1] AS plus, "
        "[x IN [null, 1] | coalesce(x, 0)] AS filled, "
        "[x IN [null, 1] | x IS NULL] AS tests, "
        "[x IN [null, 1] | x = 1] AS equal, "
        "[x IN [1, 'a', 2] WHERE NOT (x > 1)] AS typed",
    )
    assert dict(zip(result.columns, result.rows[0], strict=True)) == {
        "positive": [1, 2],
        "other": [2],
        "missing": [None],
        "plus": [None, 2],
        "filled": [0, 1],
        "tests": [True, False],
        "equal": [None, True],
        "typed": [1],
    }


async def test_nested_comprehensions_and_entities(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:Cn {k: 1})-[:R]->(:Cn {k: null})", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH p = (:Cn)-[:R]->(:Cn) "
        "RETURN [n IN nodes(p) WHERE n.k IS NULL | labels(n)] AS unset, "
        "[n IN nodes(p) | id(n) = id(n)] AS same, "
        "[x IN [1, 2, 3] WHERE x > 1 | [y IN [x, null] WHERE y > 2 | y * 10]] AS nested",
    )
    assert result.rows == [[[["Cn"]], [True, True], [[], [30]]]]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    items=st.lists(st.one_of(st.none(), st.integers(-5, 5)), max_size=6),
    bound=st.integers(-5, 5),
)
async def test_a_comprehension_keeps_what_three_valued_logic_keeps(
    memory: Memory, namespace: str, items: list[int | None], bound: int
) -> None:
    literal = "[" + ", ".join("null" if i is None else str(i) for i in items) + "]"
    result = await memory.cypher(
        namespace,
        f"WITH {literal} AS l, $l AS p "
        "RETURN [x IN l WHERE x > $b | x * 2] AS kept, [x IN p WHERE x > $b | x * 2] AS given, "
        "[x IN l | x IS NULL OR x > $b] AS tests",
        params={"l": items, "b": bound},
    )
    kept = [2 * i for i in items if i is not None and i > bound]
    tests = [True if i is None else i > bound for i in items]
    assert result.rows == [[kept, kept, tests]]
