"""Column inference from RETURN, on the tokenizer: aliases, expressions, *, DISTINCT,
ORDER BY, UNION, WITH ... RETURN, subqueries and keywords in odd places."""

import pytest

from kgmem.cypher import plan
from kgmem.cypher.columns import infer_columns, read_back
from kgmem.cypher.lexer import Kind, tokenize
from kgmem.errors import CypherSemanticError, CypherSyntaxError


def columns(query: str) -> list[str]:
    return infer_columns(query, tokenize(query))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("MATCH (n) RETURN n", ["n"]),
        ("MATCH (n) RETURN n.name", ["n.name"]),
        ("MATCH (n) RETURN n.name AS name, n.age AS `the age`", ["name", "the age"]),
        ("MATCH (n) RETURN count(*)", ["count(*)"]),
        ("MATCH (n) RETURN count( * ) AS c", ["c"]),
        ("MATCH (n) RETURN DISTINCT n.kind AS kind ORDER BY kind DESC", ["kind"]),
        ("MATCH (n) RETURN n.x + 1, [x IN range(1, 3) | x * 2] AS xs", ["n.x + 1", "xs"]),
        ("MATCH (n) RETURN {a: n.a, b: [1, 2]} AS m SKIP 1 LIMIT 2", ["m"]),
        ("MATCH (n) RETURN n{.name, .age} AS projection", ["projection"]),
        ("MATCH (n) RETURN CASE WHEN n.a THEN 1 ELSE 2 END AS c", ["c"]),
        ("RETURN 1 AS x UNION RETURN 2 AS x", ["x"]),
        ("RETURN 1 AS x UNION ALL RETURN 2 AS x UNION ALL RETURN 3 AS x", ["x"]),
        ("MATCH (a) WITH a, a.v AS v WHERE v > 1 RETURN v, a", ["v", "a"]),
        ("MATCH (a)-[r:KNOWS]->(b) RETURN *", ["a", "b", "r"]),
        ("MATCH p = (a)-->(b) RETURN * ORDER BY a", ["a", "b", "p"]),
        ("MATCH (a) WITH a AS x UNWIND [1, 2] AS y RETURN *", ["x", "y"]),
        ("MATCH (a) WITH * MATCH (a)-->(c) RETURN *, 1 AS one", ["a", "c", "one"]),
        ("MATCH (n) WHERE EXISTS { MATCH (n)-->(m) RETURN m } RETURN n.limit AS lim", ["lim"]),
        ("MATCH (n:Return {order: 1}) RETURN n.return", ["n.return"]),
        ("MATCH (n) RETURN 'RETURN x, y' AS s", ["s"]),
        ("RETURN {set: 1, create: 2, limit: 3} AS m", ["m"]),
        ("CREATE (n:Person {name: 'a'})", []),
        ("MATCH (n) // RETURN a, b\nRETURN n /* , m */", ["n"]),
        ("merge (n:X {k: 1}) on create set n.c = 1 on match set n.m = 1 return n", ["n"]),
    ],
)
def test_columns_are_inferred_from_return(query: str, expected: list[str]) -> None:
    assert columns(query) == expected


def test_map_keys_named_like_write_clauses_are_read_queries() -> None:
    assert not plan("MATCH (n:Set {delete: 1}) RETURN {set: n.create, merge: 2} AS m").writes


def test_union_branches_must_agree() -> None:
    with pytest.raises(CypherSemanticError, match="UNION"):
        columns("RETURN 1 AS x UNION RETURN 2 AS y")


def test_duplicate_column_names_are_refused() -> None:
    with pytest.raises(CypherSemanticError, match="more than once"):
        columns("RETURN 1 AS x, 2 AS x")


def test_empty_return_item_is_a_syntax_error() -> None:
    with pytest.raises(CypherSyntaxError):
        columns("MATCH (n) RETURN n,")


def test_return_star_is_rewritten_into_the_listed_order() -> None:
    planned = plan("MATCH (b)-[r]->(a) RETURN *")
    assert planned.columns == ["a", "b", "r"]
    assert planned.text.endswith("RETURN a, b, r")
    assert planned.rewrites == ("return_star",)


def test_return_star_without_variables_is_an_error() -> None:
    with pytest.raises(CypherSemanticError):
        plan("RETURN *")


def test_comments_become_spaces_keeping_positions() -> None:
    query = "MATCH (n) /* note */ RETURN n // end"
    planned = plan(query)
    assert len(planned.text) == len(query)
    assert "note" not in planned.text and "end" not in planned.text
    assert planned.text.index("RETURN") == query.index("RETURN")


def test_parameters_are_collected_and_must_be_given() -> None:
    planned = plan("MATCH (n) WHERE n.uid = $uid RETURN n, $other AS o", {"uid": 1, "other": 2})
    assert planned.parameters == {"uid", "other"}
    with pytest.raises(CypherSemanticError, match=r"\$other"):
        plan("MATCH (n) WHERE n.uid = $uid RETURN n, $other AS o", {"uid": 1})


def test_dollar_tag_never_occurs_in_the_text() -> None:
    planned = plan("RETURN '$cy_0000$' AS a")
    assert planned.tag not in planned.text
    assert planned.tag.startswith("$cy_") and planned.tag.endswith("$")


def test_tokens_keep_offsets_and_kinds() -> None:
    tokens = tokenize("MATCH (n:`My Label`) WHERE n.x = 'it''s' RETURN $p, 1.5e3")
    kinds = {t.text: t.kind for t in tokens}
    assert kinds["`My Label`"] is Kind.QUOTED_NAME
    assert kinds["$p"] is Kind.PARAMETER
    assert kinds["1.5e3"] is Kind.NUMBER
    for token in tokens:
        assert (
            token.text
            == "MATCH (n:`My Label`) WHERE n.x = 'it''s' RETURN $p, 1.5e3"[token.start : token.end]
        )


@pytest.mark.parametrize("query", ["RETURN 'open", "RETURN `open", "RETURN 1 /* open", "RETURN $"])
def test_unterminated_tokens_are_syntax_errors_with_a_position(query: str) -> None:
    with pytest.raises(CypherSyntaxError) as caught:
        tokenize(query)
    assert caught.value.position is not None
    assert 0 <= caught.value.position < len(query)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("MATCH (n) RETURN n, n.born AS b, $p AS p", (True, True, True)),
        ("MATCH (n) RETURN toString(n.born) AS s, {a: n.a} AS m, [n.a] AS l, 1 AS k",
         (False, False, False, False)),
        ("MATCH (n) WITH n, collect(n.a) AS c, n.b AS b RETURN c, b, n", (False, True, True)),
        ("MATCH (n) WITH toString(n.a) AS s WITH s AS t RETURN t", (False,)),
        ("MATCH (n) WITH n.a AS a RETURN *", (True,)),
        ("MATCH (n) RETURN n.at + duration('P1D') AS a, toString(date(n.d)) AS s, "
         "date(n.d).year AS y, {d: date(n.d)} AS m", (True, False, True, False)),
        ("MATCH (n) RETURN max(n.at) AS m, coalesce(n.a, $b) AS c, n.a + n.b AS s, "
         "min(n.a) - max(n.b) AS d, max(n.x) + 1 AS o, head(collect(n.a)) AS h",
         (True, True, True, True, False, False)),
        ("CREATE (n)", ()),
    ],
)  # fmt: skip
def test_read_back_tells_stored_values_from_computed_ones(
    query: str, expected: tuple[bool, ...]
) -> None:
    assert read_back(query, tokenize(query)) == expected
