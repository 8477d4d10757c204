"""Errors openCypher reports before a query runs: each raised while planning, and the
queries beside them that must still plan."""

import pytest

from kgmem.cypher import plan
from kgmem.errors import CypherSemanticError, CypherSyntaxError


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("RETURN 1 AS a UNION RETURN 2 AS a UNION ALL RETURN 3 AS a", "InvalidClauseComposition"),
        ("RETURN 1 AS a UNION ALL RETURN 2 AS a UNION RETURN 3 AS a", "InvalidClauseComposition"),
        ("RETURN 1.34E999 AS a", "FloatingPointOverflow"),
        ("RETURN -1e309 AS a", "FloatingPointOverflow"),
        ("CREATE ()-[:FOO*2]->()", "CreatingVarLength"),
        ("MATCH (a), (b) MERGE (a)-[:R*1..2]->(b)", "CreatingVarLength"),
        ("MATCH (n) RETURN length(n)", "InvalidArgumentType"),
        ("MATCH ()-[r]->() RETURN length(r)", "InvalidArgumentType"),
        ("MATCH p = (a)-[*]->(b) RETURN size(p)", "InvalidArgumentType"),
        ("MATCH p = (a) RETURN labels(p) AS l", "InvalidArgumentType"),
        ("MATCH (n), r = (n)-[*]->() WHERE r.name = 'apa' RETURN r", "InvalidArgumentType"),
        ("RETURN properties(1)", "InvalidArgumentType"),
        ("RETURN properties('x')", "InvalidArgumentType"),
        ("RETURN properties([true, false])", "InvalidArgumentType"),
        ("RETURN 9223372036854775808 AS a", "IntegerOverflow"),
        ("RETURN -9223372036854775809 AS a", "IntegerOverflow"),
        ("RETURN 0x8000000000000000 AS a", "IntegerOverflow"),
        ("RETURN -0x8000000000000001 AS a", "IntegerOverflow"),
        ("MATCH (n) WHERE n.x = 99999999999999999999 RETURN n", "IntegerOverflow"),
    ],
)
def test_errors_are_raised_while_planning(query: str, error: str) -> None:
    with pytest.raises(CypherSyntaxError, match=error):
        plan(query, mode="write")


@pytest.mark.parametrize(
    "query",
    [
        "RETURN 1 AS a UNION RETURN 2 AS a UNION RETURN 3 AS a",
        "RETURN 1.5e300 AS a, 0x1e AS b, 0o17 AS c",
        "RETURN 9223372036854775807 AS a, -9223372036854775808 AS b, -0x8000000000000000 AS c",
        "RETURN 0x7FFFFFFFFFFFFFFF AS a, 92233720368547758070.0 AS b",
        "MATCH (a)-[*1..2]->(b) CREATE (a)-[:NEAR]->(b)",
        "MATCH p = (a)-->(b) RETURN length(p), size(nodes(p)), properties(a), labels(b)",
        "MATCH (n) WITH n.name AS n RETURN size(n), length(n)",  # n is a string now
        "MATCH (n) WHERE size(n.name) > 1 RETURN properties([n][0]) AS p",
        "MATCH (n) RETURN [(n)-->(m) | m.x] AS xs, length(nodes(p)) AS l",
    ],
)
def test_what_is_well_typed_still_plans(query: str) -> None:
    assert plan(query, mode="write").text


@pytest.mark.parametrize(
    "query",
    ["MERGE ({num: null})", "CREATE (a), (b) MERGE (a)-[r:X {num: null}]->(b)",
     "MERGE (n:L {a: 1, b: NULL}) RETURN n"],
)  # fmt: skip
def test_a_merge_on_a_null_property_is_refused(query: str) -> None:
    with pytest.raises(CypherSemanticError, match="MergeReadOwnWrites"):
        plan(query, mode="write")


@pytest.mark.parametrize(
    "query",
    ["MERGE (n:L {a: 1}) ON CREATE SET n.b = null", "MERGE (n:L {a: 1}) SET n.c = null",
     "MATCH (m) WHERE m.x IS NULL MERGE (n:L {a: 1})"],
)  # fmt: skip
def test_a_null_outside_the_merged_pattern_still_plans(query: str) -> None:
    assert plan(query, mode="write").text
