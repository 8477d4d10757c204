"""``WHERE n.key IN $list`` as comparisons an index answers: the text sent to AGE, the
same rows as the ``IN`` itself on any data, and a plan that reads the index."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import in_lists, plan

# -- the text sent to AGE -----------------------------------------------------------------


def _arms(left: str, name: str, size: int) -> str:
    return "(" + " OR ".join(f"{left} = ${name}[{i}]" for i in range(size)) + ")"


def test_a_list_becomes_comparisons_rounded_up_to_a_power_of_two() -> None:
    planned = plan("MATCH (n:E) WHERE n.uuid IN $uuids RETURN n.uuid", {"uuids": ["a", "b", "c"]})
    assert planned.text == f"MATCH (n:E) WHERE {_arms('n.uuid', 'uuids', 4)} RETURN n.uuid"
    assert "in_lists" in planned.rewrites
    one = plan("MATCH (n:E) WHERE n.uuid IN $uuids RETURN n.uuid", {"uuids": ["a"]})
    assert one.text == f"MATCH (n:E) WHERE {_arms('n.uuid', 'uuids', 1)} RETURN n.uuid"


def test_other_conditions_are_kept_and_an_empty_list_is_false() -> None:
    planned = plan(
        "MATCH (e:E) WHERE e.group_id IN $g AND e.name STARTS WITH 'a' OR e.uuid IN $u RETURN e",
        {"g": ["x", "y"], "u": []},
    )
    assert planned.text == (
        f"MATCH (e:E) WHERE {_arms('e.group_id', 'g', 2)} AND "
        "kgmem_cypher.string_starts_with(e.name, 'a') OR false RETURN e"
    )


def test_where_a_null_would_not_filter_as_false_the_in_stays() -> None:
    params: dict[str, Any] = {"l": [1, 2, 3]}
    for query in (
        "MATCH (n) WHERE NOT n.k IN $l RETURN n",
        "MATCH (n) WHERE n.k IN $l XOR n.j = 1 RETURN n",
        "MATCH (n) WHERE n.k IN $l AND NOT n.j = 1 RETURN n",
        "MATCH (n) WHERE CASE WHEN n.k IN $l THEN true END RETURN n",
        "MATCH (n) WHERE none(x IN [1] WHERE n.k IN $l) RETURN n",
        "MATCH (n) RETURN n.k IN $l AS found",
        "MATCH (n) WHERE n.k IN $l[0..2] RETURN n",
        "MATCH (n) WHERE n.k.j IN $l RETURN n",
    ):
        assert "$l[0]" not in plan(query, params).text, query


def test_lists_too_long_and_values_that_are_not_lists_are_left_as_written() -> None:
    query = "MATCH (n) WHERE n.k IN $l RETURN n"
    assert plan(query, {"l": list(range(in_lists.MOST + 1))}).text == query
    assert plan(query, {"l": None}).text == query
    assert in_lists.shape(query, {"l": list(range(in_lists.MOST))}) == (("l", in_lists.MOST),)


def test_is_not_null_and_with_where_still_take_the_comparisons() -> None:
    planned = plan(
        "MATCH (n) WITH n WHERE n.k IS NOT NULL AND n.`k` IN $l RETURN n ORDER BY n.k",
        {"l": [1, 2]},
    )
    assert _arms("n.`k`", "l", 2) in planned.text


# -- the rows ------------------------------------------------------------------------------

VALUES = st.one_of(
    st.none(),
    st.integers(-2, 3),
    st.sampled_from([1.0, 2.5, "1", "a", "b", True, False]),
)
NODES = st.lists(st.tuples(VALUES, st.integers(0, 1)), min_size=0, max_size=8)
LISTS = st.lists(VALUES, min_size=0, max_size=9)


def _equal(a: Any, b: Any) -> bool | None:
    """Cypher's ``a = b`` for these values: null if either is, numbers by value, a
    boolean equal only to a boolean, a string only to a string."""
    if a is None or b is None:
        return None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return bool(a == b)


def _in(value: Any, values: list[Any]) -> bool:
    """Whether ``value IN values`` is true (null and false both filter)."""
    return any(_equal(value, v) is True for v in values)


def _expected(nodes: list[tuple[Any, int]], values: list[Any]) -> dict[str, list[list[Any]]]:
    found = [i for i, (k, _) in enumerate(nodes) if _in(k, values)]
    return {
        "MATCH (n:N) WHERE n.k IN $l RETURN n.i ORDER BY n.i": [[i] for i in found],
        "MATCH (n:N) WHERE n.j = 1 AND n.k IN $l RETURN n.i ORDER BY n.i": [
            [i] for i in found if nodes[i][1] == 1
        ],
        "MATCH (n:N) WHERE n.j = 1 OR n.k IN $l RETURN n.i ORDER BY n.i": [
            [i] for i, (k, j) in enumerate(nodes) if j == 1 or i in found
        ],
        "MATCH (n:N) WITH n WHERE n.k IN $l AND n.i >= 0 RETURN n.i ORDER BY n.i": [
            [i] for i in found
        ],
        "MATCH (n:N) OPTIONAL MATCH (m:N) WHERE m.k IN $l AND m.i = n.i RETURN n.i, m.i "
        "ORDER BY n.i": [[i, i if i in found else None] for i in range(len(nodes))],
    }


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(nodes=NODES, values=LISTS)
async def test_the_comparisons_answer_the_rows_the_in_means(
    memory: Memory, namespace: str, nodes: list[tuple[Any, int]], values: list[Any]
) -> None:
    """Nulls, duplicates, numbers of both kinds, booleans and strings in the list and in
    the property, in every form the rewrite takes."""
    await memory.cypher(namespace, "MATCH (n) DETACH DELETE n", mode="write")
    await memory.cypher(
        namespace,
        "UNWIND range(0, size($nodes) - 1) AS i "
        "CREATE (:N {i: i, k: $nodes[i][0], j: $nodes[i][1]})",
        {"nodes": [list(node) for node in nodes]},
        mode="write",
    )
    for query, rows in _expected(nodes, values).items():
        answered = await memory.cypher(namespace, query, {"l": values})
        assert "in_lists" in plan(query, {"l": values}).rewrites
        assert answered.rows == rows, (query, nodes, values)


# -- the plan ------------------------------------------------------------------------------


async def test_the_property_index_answers_each_comparison(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace, "UNWIND range(1, 3000) AS i CREATE (:P {uuid: toString(i)})", mode="write"
    )
    await memory.cypher(namespace, "CREATE INDEX p_uuid FOR (n:P) ON (n.uuid)", mode="write")
    query = "MATCH (n:P) WHERE n.uuid IN $uuids RETURN n.uuid ORDER BY n.uuid"
    params = {"uuids": ["7", "42", "nope"]}
    shown = "\n".join(await memory.explain_cypher(namespace, query, params))
    assert "Seq Scan" not in shown, shown
    assert "Index Scan on kgd_" in shown or "Index Scan using kgd_" in shown, shown
    # a list past MOST stays an IN, which reads every node of the label
    longer = {"uuids": [str(i) for i in range(in_lists.MOST + 1)]}
    assert "Seq Scan" in "\n".join(await memory.explain_cypher(namespace, query, longer))
    found = await memory.cypher(namespace, query, params)
    assert found.rows == [["42"], ["7"]]
