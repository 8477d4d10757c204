"""Queries a hostile key might send, shared by the tests that check each is refused
early or answered fast: (name, query, whether the query is a fine one kgmem answers)."""

from __future__ import annotations


def _nested(template: str, depth: int, seed: str = "true") -> str:
    expression = seed
    for _ in range(depth):
        expression = template.format(expression)
    return expression


def corpus() -> list[tuple[str, str, bool]]:
    """Every hostile shape, by name; ``True`` where the query is fine and answered."""
    calls = "CALL db.propertyKeys() YIELD propertyKey RETURN propertyKey"
    patterns = " + ".join(f"size([(n)-->(m{i}) | m{i}])" for i in range(300))
    mixed = "(coalesce(NOT (({} = true) IN [true]), true) = true)"
    long_error = "MATCH (n) WITH n LIMIT 1 RETURN " + " AND ".join([_nested(mixed, 4)] * 50)
    deep = "{a: " * 2000 + "1" + "}" * 2000
    return [
        ("xor chain", "RETURN " + " XOR ".join(["true"] * 41) + " AS x", True),
        ("nested any", f"RETURN {_nested('any(x IN [{}] WHERE x)', 3707)} AS x", False),
        ("nested reduce", f"RETURN {_nested('reduce(a = 0, x IN [{}] | a)', 2248, '0')}", False),
        ("long AND", "RETURN " + " AND ".join(["true"] * 9898) + " AS x", False),
        ("list comprehensions", "RETURN " + " + ".join(["size([x IN [1] | x])"] * 1600), False),
        ("pattern comprehensions", f"MATCH (n) RETURN {patterns} AS x", False),
        ("procedure calls in a UNION", " UNION ALL ".join([calls] * 40), False),
        ("nested brackets", "RETURN " + "[" * 5000 + "]" * 5000 + " AS x", False),
        ("nested quantifiers", f"RETURN {_nested('all(x IN [{}] WHERE x)', 6)} AS x", False),
        ("nested chained comparisons", f"RETURN {_nested('(1 < {} < 2)', 24, '1')}", False),
        ("nested CASE", f"RETURN {_nested('CASE WHEN {} THEN true END', 400)} AS x", False),
        ("columns", "RETURN " + ", ".join(f"{i} AS c{i}" for i in range(1700)), False),
        ("almost the size limit", "RETURN " + "+".join(["1"] * 49_000) + " AS x", False),
        (
            "an error in a long rewritten text",
            long_error + " AS x",
            False,
        ),
        ("a value past the memory limit", "RETURN size(range(1, 300000000)) AS n", False),
        ("schema options nested deep", f"CREATE INDEX i FOR (n:L) ON (n.p) OPTIONS {deep}", False),
        ("SHOW with a long WHERE", "SHOW INDEXES WHERE " + " AND ".join(["true"] * 9898), False),
        # subqueries run as steps (kgmem.memory.subquery_steps), each bounded
        (
            "subqueries nested deep",
            "WITH 1 AS u " + _nested("CALL () {{ {} RETURN 1 AS x }}", 6, "") + " RETURN x",
            False,
        ),
        (
            "a subquery with LIMIT per row over many rows",
            "UNWIND range(1, 5000) AS i CALL (i) { RETURN i AS j LIMIT 1 } RETURN count(*)",
            False,
        ),
        (
            "batches of one row over many rows",
            "UNWIND range(1, 5000) AS i CALL (i) { RETURN i AS j } IN TRANSACTIONS OF 1 ROW "
            "RETURN count(*) AS n",
            False,
        ),
        (
            "a dynamic label of many values",
            "UNWIND range(1, 100) AS i WITH i AS n, 'L' + toString(i) AS l SET n:$(l)",
            False,
        ),
        # Neo4j's vector functions run as kgmem's SQL over Neo4j's largest dimension
        (
            "vector similarity of long lists",
            "RETURN vector.similarity.cosine(range(1, 4096), range(4096, 1, -1)) > 0 AS x",
            True,
        ),
        # Neo4j's functions answered by kgmem's SQL: map projections, points, conversions
        (
            "map projections of many entries",
            "MATCH (n) RETURN n {.*, " + ", ".join(f"k{i}: null" for i in range(2000)) + "}",
            True,
        ),
        (
            "point distances over a long list",
            "UNWIND range(1, 2000) AS i WITH point({x: i, y: i}) AS p "
            "RETURN sum(point.distance(p, point({x: 0, y: 0}))) > 0 AS x",
            True,
        ),
        ("list conversion of a long list", "RETURN size(toStringList(range(1, 5000))) AS n", True),
        # shortest paths: an unbounded length gets kgmem's cap, a larger bound is refused
        ("unbounded shortest paths", "MATCH p = shortestPath((a)-[*]-(b)) RETURN p", True),
        (
            "all shortest paths of every pair",
            "MATCH p = allShortestPaths((a)-[*]-(b)) WHERE a <> b RETURN count(p) AS n",
            True,
        ),
        (
            "a shortest path past the length limit",
            "MATCH p = shortestPath((a)-[*..100000]-(b)) RETURN p",
            False,
        ),
        # APOC's functions run as kgmem's SQL over JSON: a long list, nested deep
        (
            "apoc.coll functions over a long nested list",
            "RETURN size(apoc.coll.toSet(apoc.coll.flatten([x IN range(1, 20000) | [x, [x]]], "
            "true))) AS n",
            True,
        ),
        (
            "SHOW PROCEDURES with a long WHERE",
            "SHOW PROCEDURES WHERE " + " AND ".join(["true"] * 9898),
            False,
        ),
    ]


# The code a refused query answers, where it is not ``limit_exceeded``: a query within
# the bounds that fails in the database, whose error position is mapped back cheaply.
REFUSED_AS = {"an error in a long rewritten text": "cypher_type_error"}

# Shapes refused by the steps that run subqueries, past planning (plan() alone does not
# see them): tests/cypher/test_subqueries_bounds.py checks their refusals.
RUN_AS_STEPS = {
    "subqueries nested deep",
    "a subquery with LIMIT per row over many rows",
    "batches of one row over many rows",
    "a dynamic label of many values",
}

# What no answer may contain: PostgreSQL's settings and internals, driver or server paths.
LEAKS = ("max_stack_depth", "postgres", "asyncpg", "Traceback", "/tmp", "site-packages", "SQL")
