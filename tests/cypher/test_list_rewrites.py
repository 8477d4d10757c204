"""List comprehensions and quantifiers over any list, unwound nulls and WITH ... WHERE:
kgmem's rewrites as text, and their answers on AGE."""

import contextlib
import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherError, CypherRejected, LimitExceeded
from tests.cypher.rules import applied

# -- comprehensions AGE refuses where they stand --------------------------------------


def test_a_comprehension_in_a_grouping_key_moves_into_a_with_of_its_own() -> None:
    planned = plan("UNWIND [1, 2] AS y WITH [x IN [1, 2] WHERE x > y] AS r, count(*) AS c RETURN r")
    assert (
        "WITH *, [x IN [1, 2] WHERE kgmem_cypher.compare3([x][0], '>', y)] "
        "AS __kgmem_l1 WITH __kgmem_l1 AS r"
    ) in planned.text
    assert "comprehensions" in planned.rewrites


def test_a_comprehension_in_order_by_moves_before_the_projection() -> None:
    planned = plan("UNWIND [1, 2] AS y RETURN y ORDER BY size([x IN [1, 2] WHERE x > y])")
    assert planned.text.endswith("AS __kgmem_l1 RETURN y ORDER BY kgmem_cypher.size(__kgmem_l1)")


def test_order_by_a_comprehension_over_a_new_alias_is_left_alone() -> None:
    query = "UNWIND [1, 2] AS y RETURN y + 1 AS z ORDER BY size([x IN [1, 2] WHERE x > z])"
    assert "__kgmem" not in plan(query).text


def test_an_aggregate_inside_a_comprehension_beside_keys_is_split_out() -> None:
    planned = plan("UNWIND [1, 2] AS y RETURN y, [x IN collect(y) WHERE x > 1] AS r")
    assert planned.text == (
        "UNWIND [1, 2] AS y WITH y, collect(y) AS __kgmem_a1 "
        "RETURN y, [x IN __kgmem_a1 WHERE kgmem_cypher.compare3([x][0], '>', 1)] AS r"
    )


def test_property_access_on_a_comprehension_variable_reads_through_an_index() -> None:
    planned = plan("RETURN [x IN [{a: 1}] WHERE x.a > 0 | x.a + x['a']] AS r")
    assert planned.text == (
        "RETURN [x IN [{a: 1}] WHERE kgmem_cypher.compare3([x][0].a, '>', 0) "
        "| [x][0].a + [x][0]['a']] AS r"
    )


def test_comprehension_free_queries_are_untouched() -> None:
    for query in ("MATCH (n) RETURN n.any AS a, l[x] AS b", "WITH [1] AS l RETURN l[0] AS a"):
        assert plan(query.replace("l[x]", "n.l")).rewrites == ()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "UNWIND [1, 2, 3] AS y WITH any(x IN [2, 3] WHERE x = y) AS hit, count(*) AS c "
            "RETURN hit, c ORDER BY c",
            [[False, 1], [True, 2]],
        ),
        (
            "UNWIND [1, 2, 3] AS y RETURN y % 2 AS odd, [x IN collect(y) WHERE x > 1] AS big "
            "ORDER BY odd",
            [[0, [2]], [1, [3]]],
        ),
        (
            "UNWIND [3, 1, 2] AS y RETURN y ORDER BY size([x IN [1, 2, 3] WHERE x < y])",
            [[1], [2], [3]],
        ),
        ("RETURN none(x IN [{a: 2}, {a: 4}] WHERE x.a = 2) AS r", [[False]]),
        ("RETURN [x IN [{a: 2}, {a: 4}] WHERE x.a > 2 | x.a] AS r", [[[4]]]),
        (
            "WITH [[1, null], [2]] AS ls UNWIND ls AS l "
            "WITH all(x IN l WHERE x > 0) AS ok, count(*) AS c RETURN ok, c ORDER BY c",
            [[None, 1], [True, 1]],
        ),
    ],
)
async def test_comprehensions_anywhere_answer_as_opencypher_says(
    memory: Memory, namespace: str, query: str, expected: list[list[Any]]
) -> None:
    result = await memory.cypher(namespace, query)
    assert sorted(result.rows, key=repr) == sorted(expected, key=repr)


async def test_comprehensions_over_collected_nodes(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:P {name: 'a', age: 20}), (:P {name: 'b', age: 40}), (:P {name: 'c', age: 50})",
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "MATCH (p:P) WITH collect(p) AS ps "
        "RETURN [x IN ps WHERE x.age > 30 | x.name] AS old, any(x IN ps WHERE x.age < 30) AS y",
    )
    assert [sorted(result.rows[0][0]), result.rows[0][1]] == [["b", "c"], True]


async def test_set_delete_and_merge_through_collected_lists(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:P {name: 'a', age: 20}), (:P {name: 'b', age: 40}), (:P {name: 'c', age: 50})",
        mode="write",
    )
    await memory.cypher(
        namespace,
        "MATCH (p:P) WITH collect(p) AS ps UNWIND [x IN ps WHERE x.age > 30] AS o SET o.old = true",
        mode="write",
    )
    await memory.cypher(
        namespace,
        "MATCH (p:P) WITH collect(p) AS ps UNWIND [x IN ps WHERE x.old | x.name] AS name "
        "MERGE (:Senior {name: name})",
        mode="write",
    )
    await memory.cypher(
        namespace,
        "MATCH (p:P) WITH collect(p) AS ps UNWIND [x IN ps WHERE x.age > 45] AS gone DELETE gone",
        mode="write",
    )
    people = await memory.cypher(namespace, "MATCH (p:P) RETURN p.name, p.old ORDER BY p.name")
    seniors = await memory.cypher(namespace, "MATCH (s:Senior) RETURN s.name ORDER BY s.name")
    assert people.rows == [["a", None], ["b", True]]
    assert seniors.rows == [["b"], ["c"]]


# -- three-valued logic for unwound nulls ---------------------------------------------


def test_unwinding_a_list_that_may_hold_null_binds_through_unnull() -> None:
    planned = plan("UNWIND $l AS x RETURN x = 1 AS r", {"l": [1, None]})
    assert planned.text == (
        "UNWIND coalesce(kgmem_cypher.unnull($l), []) AS __kgmem_u1 "
        "WITH *, kgmem_cypher.unnull(__kgmem_u1) AS x RETURN x = 1 AS r"
    )
    for plain in ("UNWIND [1, 'a', true] AS x RETURN x", "UNWIND range(1, 3) AS x RETURN x"):
        assert "unnull" not in plan(plain).text


async def test_an_unwound_null_compares_as_null(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND [1, null] AS x RETURN x = 1 AS eq, x IS NULL AS isnull, NOT (x = 1) AS ne, "
        "(x > 0) OR false AS o",
    )
    assert result.rows == [[True, False, False, True], [None, True, None, None]]


async def test_unwinding_null_gives_no_row(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:U {l: [1, 2]}), (:U)", mode="write")
    for query, params in (
        ("UNWIND null AS x RETURN x", {}),
        ("UNWIND $l AS x RETURN x", {"l": None}),
        ("MATCH (n:U) WHERE n.l IS NULL UNWIND n.l AS x RETURN x", {}),
    ):
        assert (await memory.cypher(namespace, query, params)).rows == [], query
    both = await memory.cypher(namespace, "MATCH (n:U) UNWIND n.l AS x RETURN x ORDER BY x")
    assert both.rows == [[1], [2]]


def _three_valued(kind: str, values: tuple[int | None, ...], than: int) -> bool | None:
    tests = [None if v is None else v > than for v in values]
    true, unknown = tests.count(True), tests.count(None)
    if kind == "any":
        return True if true else (None if unknown else False)
    if kind == "none":
        return False if true else (None if unknown else True)
    if kind == "all":
        return False if tests.count(False) else (None if unknown else True)
    return False if true > 1 else (None if unknown else true == 1)


async def test_quantifiers_in_grouping_keys_over_every_small_list_with_nulls(
    memory: Memory, namespace: str
) -> None:
    lists = [list(c) for n in range(4) for c in itertools.product([None, 1, 2], repeat=n)]
    result = await memory.cypher(
        namespace,
        "UNWIND range(0, size($lists) - 1) AS i WITH i, $lists[i] AS l "
        "WITH i, any(x IN l WHERE x > 1) AS a, all(x IN l WHERE x > 1) AS al, "
        "none(x IN l WHERE x > 1) AS n, single(x IN l WHERE x > 1) AS s, count(*) AS c "
        "RETURN i, a, al, n, s ORDER BY i",
        {"lists": lists},
    )
    expected = [
        [i, *(_three_valued(k, tuple(lst), 1) for k in ("any", "all", "none", "single"))]
        for i, lst in enumerate(lists)
    ]
    assert result.rows == expected


# -- WITH ... WHERE over earlier variables --------------------------------------------


def test_with_where_on_an_earlier_variable_filters_before_projecting() -> None:
    planned = plan("MATCH (a)-[r]->(c) WITH c, a.x AS x WHERE r.w > 1 RETURN c, x")
    assert planned.text == (
        "MATCH (a)-[r]->(c) WITH *, a.x AS x WHERE (r.w > 1 AND r.w < 'NaN'::float) "
        "WITH c, x RETURN c, x"
    )
    kept = "MATCH (a) WITH a AS b WHERE b.x = 1 RETURN b"
    assert plan(kept).text == kept


async def test_triadic_selection_through_with_where(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (a:A {name: 'a'})-[:KNOWS]->(b:B {name: 'b'}), (b)-[:KNOWS]->(c:C {name: 'c'}), "
        "(b)-[:KNOWS]->(d:D {name: 'd'}), (a)-[:KNOWS]->(d)",
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "MATCH (a:A)-[:KNOWS]->(b)-->(c) OPTIONAL MATCH (a)-[r:KNOWS]->(c) "
        "WITH c WHERE r IS NULL RETURN c.name",
    )
    assert result.rows == [["c"]]


@pytest.mark.parametrize(
    ("query", "sent"),
    [
        ("MATCH (a) WITH DISTINCT a.name AS name WHERE a.name = 'B' RETURN name",
         "MATCH (a) WITH DISTINCT a.name AS name WHERE name = 'B' RETURN name"),
        ("MATCH (a) WITH a.k AS k, count(*) AS c WHERE a.k IS NULL RETURN k",
         "MATCH (a) WITH a.k AS k, count(*) AS c WHERE k IS NULL RETURN k"),
    ],
)  # fmt: skip
def test_a_distinct_with_filters_a_projected_expression_by_its_alias(query: str, sent: str) -> None:
    assert applied("with_where", query).text == sent


async def test_a_distinct_with_filters_the_rows_it_projects(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace, "CREATE ({name2: 'A'}), ({name2: 'A'}), ({name2: 'B'})", mode="write"
    )
    result = await memory.cypher(
        namespace, "MATCH (a) WITH DISTINCT a.name2 AS name WHERE a.name2 = 'B' RETURN *"
    )
    assert result.rows == [["B"]]


# -- robustness ----------------------------------------------------------------------

_SOUP = st.sampled_from(
    ["[", "]", "(", ")", "x", "l", "IN", "WHERE", "|", ",", ".", "a", "1", "null", "collect(",
     "count(*)", "any(", "all(", "AS", "r", "WITH", "RETURN", "ORDER BY", "UNWIND", ">", "="]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_SOUP, max_size=14))
def test_any_soup_around_comprehensions_plans_or_is_a_cypher_error(words: list[str]) -> None:
    query = "UNWIND [1, null] AS l WITH l, [x IN [1] WHERE x > 0] AS k " + " ".join(words)
    # a soup that expands past kgmem's bounds is refused as a limit, also a clear error
    with contextlib.suppress(CypherError, LimitExceeded):
        plan(query, mode="write")


def test_names_of_kgmems_rewrites_are_reserved() -> None:
    with pytest.raises(CypherRejected, match="__kgmem_"):
        plan("WITH 1 AS __kgmem_l1 RETURN __kgmem_l1")


# -- reduce() -----------------------------------------------------------------------


def test_reduce_becomes_a_fold_over_its_terms() -> None:
    planned = plan("WITH [1, 2] AS l RETURN reduce(s = 0, x IN l | s + x * 2) AS r")
    assert planned.text == (
        "WITH [1, 2] AS l RETURN kgmem_cypher.fold('+', 0, [x IN l | [x][0] * 2]) AS r"
    )
    assert "reduce" in planned.rewrites


@pytest.mark.parametrize(
    "query",
    [
        "RETURN reduce(s = 0, x IN [1] | s * 2 + x) AS r",
        "RETURN reduce(s = 0, x IN [1] | x + s) AS r",
        "RETURN reduce(s = 0, x IN [1] | s + x > 1) AS r",
        "RETURN reduce(s = 0, x IN [1] | s + s) AS r",
        "RETURN reduce(s = 0 | s + 1) AS r",
    ],
)
def test_folds_kgmem_cannot_run_are_a_clear_error(query: str) -> None:
    with pytest.raises(CypherError, match="reduce"):
        plan(query)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("reduce(s = 0, x IN [1, 2, 3] | s + x)", 6),
        ("reduce(p = 1, x IN [2, 3, 4] | p * x)", 24),
        ("reduce(s = '', x IN ['a', 'b'] | s + x)", "ab"),
        ("reduce(acc = [], x IN [1, 2] | acc + [x * 10])", [10, 20]),
        ("reduce(s = 0, x IN [1, null] | s + x)", None),
        ("reduce(s = 0, x IN [] | s + x)", 0),
        ("reduce(s = 0, x IN [{a: 2}, {a: 3}] | s + x.a)", 5),
        ("reduce(s = 0, x IN [[1], [2, 3]] | s + reduce(t = 0, y IN x | t + y))", 6),
    ],
)
async def test_reduce_answers_as_opencypher_says(
    memory: Memory, namespace: str, expression: str, expected: Any
) -> None:
    result = await memory.cypher(namespace, f"RETURN {expression} AS r")
    assert result.rows == [[expected]]


async def test_reduce_over_collected_values_beside_a_key(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND [1, 2, 3, 4] AS y RETURN y % 2 AS k, reduce(s = 0, x IN collect(y) | s + x) AS t "
        "ORDER BY k",
    )
    assert result.rows == [[0, 6], [1, 4]]


# -- comparisons outside list predicates ----------------------------------------------


def test_comparisons_age_misreads_become_three_valued_and_the_rest_stay() -> None:
    planned = plan("WITH 1 AS x RETURN x < 'a' AS a, [x] = [null] AS b, x = 1 AS c, x < 2 < 3 AS d")
    assert planned.text == (
        "WITH 1 AS x RETURN kgmem_cypher.compare3(x, '<', 'a') AS a, "
        "kgmem_cypher.compare3([x], '=', [null]) AS b, x = 1 AS c, x < 2 < 3 AS d"
    )
    for kept in (
        "MATCH (n) WHERE n.age > 30 RETURN n",
        "MATCH (a), (b) WHERE a.x < b.x AND a.name = b.name RETURN a",
        "UNWIND $l AS x WITH x WHERE x > 1 RETURN x",
    ):
        assert "compare3" not in plan(kept, {"l": []}).text


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("[null] = [1]", None),
        ("[1, null] = [1, null]", None),
        ("[1, 2] = [1]", False),
        ("[[null]] <> [[2]]", None),
        ("{k: 1} = {k: 1}", True),
        ("{k: 1} = {j: 1}", False),
        ("1 < 'a'", None),
        ("'a' >= true", None),
        ("[1, null] >= [1]", True),
        ("[1, 2] < [1, 3]", True),
        ("1 = 1.0", True),
    ],
)
async def test_comparisons_answer_as_opencypher_says(
    memory: Memory, namespace: str, expression: str, expected: bool | None
) -> None:
    result = await memory.cypher(namespace, f"WITH 1 AS one RETURN {expression} AS r")
    assert result.rows == [[expected]]


async def test_comparisons_across_types_are_null_and_filter_out(
    memory: Memory, namespace: str
) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND [1, 'a', [2], null] AS v WITH v, v > 0 AS positive WHERE positive RETURN v",
    )
    assert result.rows == [[1]]


# -- pattern predicates ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "MATCH (n) WHERE NOT (n)--(m) AND (n)<-[:R*1..2]-() RETURN n",
            "MATCH (n) WHERE NOT exists((n)--(m)) AND exists((n)<-[:R*1..2]-()) RETURN n",
        ),
        ("MATCH (n) RETURN NOT (n)-->() AS l", "MATCH (n) RETURN NOT exists((n)-->()) AS l"),
        ("WITH 1 AS a, 2 AS b RETURN (a)-(b) AS d", None),
        ("MATCH (n) WHERE exists((n)-->()) RETURN n", None),
        ("MATCH (n) WHERE EXISTS { (n)-->() } RETURN n", None),
        ("WITH true AS n WHERE (n) RETURN n", None),
    ],
)
def test_pattern_predicates_become_exists(query: str, expected: str | None) -> None:
    assert plan(query).text == (expected or query)


async def test_pattern_predicates_filter_rows(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (a:N {name: 'a'})-[:R]->(b:N {name: 'b'}), (:N {name: 'c'})",
        mode="write",
    )
    linked = await memory.cypher(
        namespace, "MATCH (n:N) WHERE (n)-[:R]->() OR (n)<-[:R]-() RETURN n.name ORDER BY n.name"
    )
    alone = await memory.cypher(
        namespace, "MATCH (n:N) RETURN n.name, NOT (n)--() AS alone ORDER BY n.name"
    )
    assert linked.rows == [["a"], ["b"]]
    assert alone.rows == [["a", False], ["b", False], ["c", True]]


_VALUES: list[Any] = [None, 1, 2.5, "a", "b", True, False, [1], [1, None], [2], [1, 0]]


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {int: "number", float: "number", str: "string", list: "list"}[type(value)]


def _equal(a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    if _kind(a) != _kind(b):
        return False
    if isinstance(a, list):
        if len(a) != len(b):
            return False
        pairs = [_equal(x, y) for x, y in zip(a, b, strict=True)]
        return False if False in pairs else (None if None in pairs else True)
    return bool(a == b)


def _order(a: Any, op: str, b: Any) -> bool | None:
    """openCypher's <, <=, >, >= (the reference the database is checked against)."""
    if a is None or b is None or _kind(a) != _kind(b):
        return None
    if isinstance(a, list):
        for x, y in zip(a, b, strict=False):
            if _equal(x, y) is not True:
                return _order(x, op, y)
        a, b = len(a), len(b)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


async def test_ordering_comparisons_of_every_pair_follow_opencypher(
    memory: Memory, namespace: str
) -> None:
    pairs = [[a, b] for a in _VALUES for b in _VALUES]
    result = await memory.cypher(
        namespace,
        "UNWIND range(0, size($pairs) - 1) AS i WITH i, $pairs[i][0] AS a, $pairs[i][1] AS b "
        "RETURN i, a < b, a <= b, a > b, a >= b ORDER BY i",
        {"pairs": pairs},
    )
    expected = [
        [i, *(_order(a, op, b) for op in ("<", "<=", ">", ">="))] for i, (a, b) in enumerate(pairs)
    ]
    assert result.rows == expected


def test_tail_is_a_slice() -> None:
    planned = plan("RETURN tail([1]) AS a, TAIL(tail(l)) AS b")
    assert planned.text == "RETURN ([1])[1..] AS a, ((l)[1..])[1..] AS b"
    assert "tail" in planned.rewrites


async def test_tail_answers_as_opencypher_says(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:S)-[:R]->(:A {name: 'a'})", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH p = (:S)-[*0..1]->() WITH tail(nodes(p)) AS rest "
        "RETURN size(rest) AS n, none(x IN rest WHERE x.name = 'a') AS none_a ORDER BY n",
    )
    assert result.rows == [[0, True], [1, False]]
    constants = await memory.cypher(
        namespace, "RETURN tail([]) AS a, tail([1, 2]) AS b, tail(null) AS c"
    )
    assert constants.rows == [[[], [2], None]]
