"""kgmem's safe rewrites and compile-time checks, as text and run against AGE."""

import pytest

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherSyntaxError


def test_quantifiers_become_list_comprehensions() -> None:
    planned = plan("WITH [1, 2] AS l RETURN all(x IN l WHERE any(y IN l WHERE y >= x)) AS r")
    assert "all(" not in planned.text and "any(" not in planned.text
    # the inner any() counts true and null elements apart; the outer all(), whose
    # predicate is now a CASE the expression parser does not read, stays two-valued
    # both variables read through a list literal, where a null element is null
    assert "kgmem_cypher.compare3([y][0], '>=', [x][0])" in planned.text
    assert planned.text.count("= size(l)") == 1
    assert planned.rewrites == ("quantifiers", "comprehensions")


def test_quantifier_columns_keep_the_analysts_text() -> None:
    assert plan("RETURN none(x IN [1] WHERE x = 2)").columns == ["none(x IN [1] WHERE x = 2)"]


def test_property_keys_named_like_quantifiers_are_no_quantifiers() -> None:
    planned = plan("MATCH (n) RETURN n.any AS a, n.all AS b")
    # ALL is one of AGE's keywords, so the key is quoted (kgmem.cypher.property_keys)
    assert planned.text == "MATCH (n) RETURN n.any AS a, n.`all` AS b"
    assert planned.rewrites == ("keyword_keys",)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("any(x IN [1, 2, 3] WHERE x = 2)", True),
        ("any(x IN [1, 3] WHERE x = 2)", False),
        ("any(x IN [] WHERE true)", False),
        ("all(x IN [2, 4] WHERE x % 2 = 0)", True),
        ("all(x IN [2, 5] WHERE x % 2 = 0)", False),
        ("all(x IN [] WHERE false)", True),
        ("none(x IN [1, 3] WHERE x = 2)", True),
        ("none(x IN [2] WHERE x = 2)", False),
        ("single(x IN [1, 2, 3] WHERE x > 2)", True),
        ("single(x IN [1, 2, 3] WHERE x > 1)", False),
        ("single(x IN ['a', 'b'] WHERE x STARTS WITH 'a')", True),
        ("any(l IN [[1], [2, 3]] WHERE all(x IN l WHERE x > 1))", True),
        ("none(l IN [[1], [2, 3]] WHERE any(x IN l WHERE x > 5))", True),
    ],
)
async def test_quantifiers_answer_as_opencypher_says(
    memory: Memory, namespace: str, expression: str, expected: bool
) -> None:
    result = await memory.cypher(namespace, f"RETURN {expression} AS r")
    assert result.rows == [[expected]]


async def test_quantifier_in_where_filters_rows(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:T {tags: ['a', 'b']}), (:T {tags: ['c']}), (:T {tags: []})",
        mode="write",
    )
    result = await memory.cypher(
        namespace, "MATCH (n:T) WHERE any(t IN n.tags WHERE t = 'c') RETURN n.tags AS tags"
    )
    assert result.rows == [[["c"]]]


async def test_label_predicates_inside_quantifiers(memory: Memory, namespace: str) -> None:
    planned = plan("MATCH (a) WITH collect(a) AS l RETURN none(n IN l WHERE n:Nope) AS r")
    assert "kgmem_cypher.has_labels(label([n][0]), ['Nope'])" in planned.text
    await memory.cypher(namespace, "CREATE (:A:B)-[:T]->(:A)", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH p = (:A)-[:T]->(:A) WITH nodes(p) AS l, relationships(p) AS rs "
        "RETURN none(n IN l WHERE n:Nope), all(n IN l WHERE n:A), single(n IN l WHERE n:A:B), "
        "any(x IN [1] WHERE all(n IN l WHERE (n:A) AND x > 0)), all(r IN rs WHERE r:T)",
    )
    assert result.rows == [[True, True, True, True, True]]


@pytest.mark.parametrize(
    "query",
    [
        "RETURN 1 AND true",
        "RETURN true OR 'yes'",
        "RETURN [1, 2] XOR false",
        "RETURN NOT {a: 1}",
        "RETURN NOT -1.5",
        "MATCH (n) WHERE n.x AND 'a' RETURN n",
    ],
)
def test_boolean_operators_on_non_boolean_literals_fail_at_compile_time(query: str) -> None:
    with pytest.raises(CypherSyntaxError, match="InvalidArgumentType") as caught:
        plan(query)
    assert caught.value.position is not None


@pytest.mark.parametrize(
    "query",
    [
        "RETURN 1 = 1 AND true AS a",
        "RETURN [true][0] AND true AS a",
        "RETURN NOT 1 > 2 AS a",
        "RETURN true AND null AS a",
        "MATCH (n) WHERE n.x = 'a' AND NOT n.y IN [1, 2] RETURN n",
        "RETURN {a: true}.a OR false AS a",
        "MATCH (a) WHERE a.name STARTS WITH 'A' AND a.name ENDS WITH 'z' RETURN a",
    ],
)
def test_well_typed_boolean_expressions_pass(query: str) -> None:
    plan(query)


@pytest.mark.parametrize(
    ("query", "params"),
    [
        ("MATCH (n) RETURN n SKIP n.count", {}),
        ("MATCH (n) RETURN n LIMIT -1", {}),
        ("MATCH (n) RETURN n LIMIT 1.5", {}),
        ("MATCH (n) RETURN n SKIP $s", {"s": -2}),
        ("MATCH (n) RETURN n LIMIT $l", {"l": 1.5}),
        ("MATCH (n) WITH n LIMIT toInteger(n.x) RETURN n", {}),
    ],
)
def test_skip_and_limit_must_be_constant_non_negative_integers(query: str, params: dict) -> None:
    with pytest.raises(CypherSyntaxError):
        plan(query, params)


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) RETURN n SKIP 1 LIMIT 2",
        "MATCH (n) RETURN n SKIP $s LIMIT toInteger(2.5)",
        "MATCH (n) RETURN n.limit AS limit ORDER BY limit LIMIT 3",
        "MATCH (n) WITH n LIMIT 1 MATCH (n)-->(m) RETURN m",
    ],
)
def test_valid_skip_and_limit_pass(query: str) -> None:
    plan(query, {"s": 3})
