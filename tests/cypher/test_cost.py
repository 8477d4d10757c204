"""A query's cost is bounded before it is planned: each bound refuses with
``limit_exceeded`` naming it, and whatever shape and size of the constructs kgmem
accepts, planning plus running ends within the time limit, refused or answered, with no
backend left running."""

from __future__ import annotations

import time

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import cost, plan
from kgmem.errors import KgmemError, LimitExceeded
from kgmem.server.problems import status_of
from tests.cypher.hostile import LEAKS, REFUSED_AS, RUN_AS_STEPS, corpus

# Each construct kgmem accepts, as a template nesting one expression in another.
SHAPES = {
    "xor": "({} XOR true)",
    "and": "({} AND true)",
    "not": "NOT {}",
    "chain": "(1 < {} < 2)",
    "case": "CASE WHEN {} THEN true ELSE false END",
    "simple case": "CASE {} WHEN true THEN true END",
    "in": "({} IN [true])",
    "list": "[{}][0]",
    "map": "{{k: {}}}.k",
    "comprehension": "[x IN [{}] WHERE x | x][0]",
    "any": "any(x IN [{}] WHERE x)",
    "all": "all(x IN [{}] WHERE x)",
    "none": "none(x IN [{}] WHERE x)",
    "single": "single(x IN [{}] WHERE x)",
    "reduce": "reduce(a = true, x IN [{}] | a AND x)",
    "coalesce": "coalesce({}, true)",
    "is null": "({} IS NOT NULL)",
    "equals": "({} = true)",
    "exists": "(exists((:Nowhere)-->()) OR {})",
    "pattern": "(size([(n)-->(m) | m]) >= 0 AND {})",
}


def refusal(query: str) -> str | None:
    """The words of ``plan()``'s refusal of ``query``, None when it plans."""
    try:
        plan(query)
    except LimitExceeded as refused:
        return refused.detail
    return None


def test_each_bound_is_named() -> None:
    for name, query, fine in corpus():
        if fine or name in RUN_AS_STEPS:
            continue
        detail = refusal(query)
        if detail is None:  # refused by the database's own limits: see the server test
            assert name in ("columns", "a value past the memory limit", *REFUSED_AS), name
            continue
        assert "limit" in detail, (name, detail)
        assert not [w for w in LEAKS if w in detail], (name, detail)


def test_the_expansion_counts_copies_of_nested_quantifiers() -> None:
    one = cost.expansion(_tokens("RETURN any(x IN [true] WHERE x) AS y"))
    two = cost.expansion(_tokens("RETURN any(x IN [any(y IN [true] WHERE y)] WHERE x) AS y"))
    side_by_side = cost.expansion(
        _tokens("RETURN any(x IN [true] WHERE x) AND any(y IN [true] WHERE y) AS y")
    )
    assert two > 3 * one
    assert side_by_side < 3 * one


def _tokens(query: str) -> list:
    from kgmem.cypher.lexer import tokenize

    return tokenize(query)


@st.composite
def shapes(draw: st.DrawFn) -> str:
    """A query nesting and repeating the constructs of ``SHAPES``."""
    names = draw(st.lists(st.sampled_from(sorted(SHAPES)), min_size=1, max_size=4))
    depth = draw(st.integers(1, 60))
    expression = "true"
    for level in range(depth):
        expression = SHAPES[names[level % len(names)]].format(expression)
    repeats = draw(st.integers(1, 300))
    return "MATCH (n) WITH n LIMIT 1 RETURN " + " AND ".join([expression] * repeats) + " AS x"


async def outcome(memory: Memory, namespace: str, query: str) -> KgmemError | None:
    """The error ``query`` raises, None when it is answered."""
    try:
        await memory.cypher(namespace, query)
    except KgmemError as refused:
        return refused
    return None


_STRAGGLERS = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
  AND query LIKE '%ag_catalog.cypher%' AND now() - query_start > interval '1 second'
"""


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=shapes())
async def test_any_shape_ends_within_the_time_limit(
    memory: Memory, namespace: str, pg_url: str, query: str
) -> None:
    limit_s = memory.settings.cypher.statement_timeout_ms / 1000
    started = time.monotonic()
    refused = await outcome(memory, namespace, query)
    assert time.monotonic() - started < limit_s + 5
    assert refused is None or status_of(type(refused)) < 500 or refused.code == "cypher_timeout"
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval(_STRAGGLERS) == 0
    finally:
        await conn.close()


@pytest.mark.parametrize("name", ["xor chain", "vector similarity of long lists"])
async def test_fine_queries_of_the_corpus_are_answered(
    memory: Memory, namespace: str, name: str
) -> None:
    (query,) = [q for n, q, _ in corpus() if n == name]
    assert (await memory.cypher(namespace, query)).rows == [[True]]


def test_a_chained_comparison_around_a_case_counts_its_copies() -> None:
    """AGE writes the middle operand of ``1 < CASE ... END < 2`` twice, a CASE expression
    as a bracketed one: nested, the copies multiply (a shape once found to keep a backend
    working past the statement's time limit)."""
    expression = "true"
    for level in range(20):
        template = SHAPES["case"] if level % 2 == 0 else SHAPES["chain"]
        expression = template.format(expression)
    query = "MATCH (n) WITH n LIMIT 1 RETURN " + " AND ".join([expression] * 30) + " AS x"
    detail = refusal(query)
    assert detail is not None and "expanded" in detail
    assert refusal("RETURN 1 < CASE WHEN true THEN 1 ELSE 2 END < 3 AS x") is None
