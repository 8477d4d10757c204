"""MATCH forms AGE 1.7 lacks: a leading OPTIONAL MATCH that matches nothing, and
relationship patterns with several types; each rule as text, then against AGE."""

import pytest

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherPermissionDenied, CypherRejected

# -- a leading OPTIONAL MATCH ----------------------------------------------------------


def test_a_leading_optional_match_follows_a_one_row_clause_in_each_union_part() -> None:
    planned = plan("OPTIONAL MATCH (n:X) RETURN n UNION OPTIONAL MATCH (n:Y) RETURN n")
    assert planned.text == (
        "WITH 0 AS __kgmem_o OPTIONAL MATCH (n:X) RETURN n UNION "
        "WITH 0 AS __kgmem_o OPTIONAL MATCH (n:Y) RETURN n"
    )
    assert "leading_optional" in planned.rewrites
    assert plan("MATCH (a) OPTIONAL MATCH (a)-->(b) RETURN b").rewrites == ()


def test_return_star_after_a_leading_optional_match_lists_only_the_analysts_names() -> None:
    planned = plan("OPTIONAL MATCH (n:X) RETURN *")
    assert planned.columns == ["n"]
    assert planned.text.endswith("RETURN n")


async def test_an_optional_match_that_matches_nothing_answers_one_row_of_nulls(
    memory: Memory, namespace: str
) -> None:
    nothing = await memory.cypher(namespace, "OPTIONAL MATCH (n:Missing) RETURN n, labels(n) AS l")
    assert nothing.rows == [[None, None]]
    counted = await memory.cypher(namespace, "OPTIONAL MATCH (n:Missing) RETURN count(n) AS c")
    assert counted.rows == [[0]]
    await memory.cypher(namespace, "CREATE (:Here {v: 1}), (:Here {v: 2})", mode="write")
    found = await memory.cypher(namespace, "OPTIONAL MATCH (n:Here) RETURN n.v AS v ORDER BY v")
    assert found.rows == [[1], [2]]


async def test_set_and_delete_through_an_unmatched_optional_match_do_nothing(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:Kept {v: 1})", mode="write")
    for query in (
        "OPTIONAL MATCH (a:Missing) SET a.v = 2 RETURN a",
        "OPTIONAL MATCH (a:Missing) SET a = {v: 2} RETURN a",
        "OPTIONAL MATCH (a:Missing) DETACH DELETE a RETURN a",
    ):
        result = await memory.cypher(namespace, query, mode="write")
        assert result.rows == [[None]], query
    kept = await memory.cypher(namespace, "MATCH (n) RETURN labels(n) AS l, n.v AS v")
    assert kept.rows == [[["Kept"], 1]]


def test_writing_after_a_leading_optional_match_still_needs_write_mode() -> None:
    with pytest.raises(CypherPermissionDenied):
        plan("OPTIONAL MATCH (n) SET n.pwned = 1 RETURN n")
    with pytest.raises(CypherRejected):
        plan("OPTIONAL MATCH (n) RETURN pg_catalog.current_user() AS a")


# -- relationship patterns with several types -------------------------------------------


def test_several_types_become_a_type_test_before_the_analysts_where() -> None:
    planned = plan("MATCH (a)-[r:KNOWS|:HATES]->(b) WHERE b.age > 30 RETURN r")
    assert planned.text == (
        "MATCH (a)-[r]->(b) WHERE type(r) IN ['KNOWS', 'HATES'] "
        "AND (b.age > 30 AND b.age < 'NaN'::float) RETURN r"
    )
    assert "rel_types" in planned.rewrites


def test_an_anonymous_relationship_with_several_types_gets_kgmems_variable() -> None:
    planned = plan("OPTIONAL MATCH (a)<-[:X|Y|X {k: 1}]-(b)-[:Z]->(c) RETURN c")
    assert planned.text == (
        "WITH 0 AS __kgmem_o OPTIONAL MATCH (a)<-[__kgmem_t1 ]-(b)-[:Z]->(c) "
        "WHERE __kgmem_t1.k = 1 AND type(__kgmem_t1) IN ['X', 'Y'] RETURN c"
    )


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (a)-[:X]->(b) RETURN b",
        "RETURN 'a|b' AS s",
    ],
)
def test_patterns_without_several_fixed_types_are_left_alone(query: str) -> None:
    assert "rel_types" not in plan(query).rewrites


def test_a_type_name_is_quoted_as_a_string_in_the_test() -> None:
    planned = plan("MATCH (a)-[r:`it's`|`a\\b`]->(b) RETURN b")
    # names AGE cannot hold, tested as stored (kgmem.cypher.stored_names)
    assert "type(r) IN ['__kgmem_L_it_u0027s', '__kgmem_L_a_u005cb']" in planned.text


async def test_several_types_match_either_type_on_age(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (a:P {n: 'a'}), (b:P {n: 'b'}), (c:P {n: 'c'}), (d:P {n: 'd'}), "
        "(a)-[:KNOWS]->(b), (a)-[:HATES]->(c), (a)-[:OWNS]->(d)",
        mode="write",
    )
    either = await memory.cypher(
        namespace, "MATCH (:P {n: 'a'})-[:KNOWS|HATES]->(x) RETURN x.n AS n ORDER BY n"
    )
    assert either.rows == [["b"], ["c"]]
    filtered = await memory.cypher(
        namespace,
        "MATCH (a)-[r:KNOWS|OWNS]-(x) WHERE x.n <> 'b' RETURN a.n AS a, type(r) AS t ORDER BY a",
    )
    assert filtered.rows == [["a", "OWNS"], ["b", "KNOWS"], ["d", "OWNS"]]
    optional = await memory.cypher(
        namespace,
        "MATCH (x:P {n: 'b'}) OPTIONAL MATCH (x)-[r:HATES|OWNS]->() RETURN x.n AS n, r",
    )
    assert optional.rows == [["b", None]]


def test_guard_still_applies_to_patterns_with_several_types() -> None:
    with pytest.raises(CypherPermissionDenied):
        plan("MATCH (a)-[:X|Y]->(b) DETACH DELETE b")
    with pytest.raises(CypherRejected):
        plan("MATCH (a)-[:X|Y]->(b) WHERE pg_catalog.current_user() = 'x' RETURN b")
    with pytest.raises(CypherRejected, match="__kgmem_"):
        plan("MATCH (a)-[__kgmem_t1:X|Y]->(b) RETURN b")
