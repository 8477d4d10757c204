"""``STARTS WITH``, ``ENDS WITH`` and ``CONTAINS`` answer null for a value that is not a
string, as openCypher does (AGE alone answers false, or fails on a list or map):
``kgmem.cypher.string_predicates`` and migration 0045."""

import re

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan


@pytest.mark.parametrize(
    ("query", "written"),
    [
        ("MATCH (n) WHERE n.name CONTAINS $q RETURN n", "kgmem_cypher.string_contains(n.name, $q)"),
        (
            "MATCH (n) WHERE NOT toLower(n.a) STARTS WITH 'x' RETURN n",
            "NOT kgmem_cypher.string_starts_with(kgmem_cypher.to_lower(n.a), 'x')",
        ),
        ("RETURN n.tags[0] ENDS WITH $s AS e", "kgmem_cypher.string_ends_with(n.tags[0], $s) AS e"),
        ("RETURN {contains: 1} AS m", "{contains: 1}"),
        ("RETURN -1 CONTAINS 'a' AS r", "-1 CONTAINS 'a'"),  # AGE's, left as written
    ],
)
def test_the_operators_become_calls_where_their_operands_stand_alone(
    query: str, written: str
) -> None:
    text = query.replace("RETURN n.tags", "MATCH (n) RETURN n.tags")
    assert written in plan(text, {"q": "a", "s": "b"}).text


async def test_values_that_are_not_strings_answer_null(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:P {name: 'anna'}), (:P {name: 5}), (:P {name: ['a']}), (:P {name: {a: 1}}), (:P)",
        mode="write",
    )
    found = await memory.cypher(namespace, "MATCH (n:P) WHERE n.name CONTAINS 'a' RETURN n.name")
    assert found.rows == [["anna"]]
    negated = await memory.cypher(
        namespace, "MATCH (n:P) WHERE NOT n.name STARTS WITH 'b' RETURN n.name"
    )
    assert negated.rows == [["anna"]]
    answers = await memory.cypher(
        namespace, "MATCH (n:P) RETURN n.name ENDS WITH 'a' AS e, n CONTAINS 'a' AS v"
    )
    assert sorted(answers.rows, key=str) == sorted(
        [[True, None], [None, None], [None, None], [None, None], [None, None]], key=str
    )
    booleans = await memory.cypher(
        namespace, "WITH true AS a RETURN (NOT a) STARTS WITH 's' AS r, 's' =~ (a OR a) AS m"
    )
    assert booleans.rows == [[None, None]]


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.text("ab", max_size=3),
    st.lists(st.text("ab", max_size=2), max_size=2),
)


def _expected(op: str, a: object, b: object) -> bool | None:
    if not isinstance(a, str) or not isinstance(b, str):
        return None
    return {"STARTS WITH": a.startswith, "ENDS WITH": a.endswith, "CONTAINS": a.__contains__}[op](b)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_VALUES, _VALUES)
async def test_each_operator_is_the_definition(
    memory: Memory, namespace: str, a: object, b: object
) -> None:
    result = await memory.cypher(
        namespace,
        "RETURN $a STARTS WITH $b AS s, $a ENDS WITH $b AS e, $a CONTAINS $b AS c",
        {"a": a, "b": b},
    )
    assert result.rows == [[_expected(op, a, b) for op in ("STARTS WITH", "ENDS WITH", "CONTAINS")]]


async def test_a_regular_expression_matches_the_whole_string(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:P {name: 'Tommy'}), (:P {name: 'Tom'}), (:P {name: 'Éva'}), (:P {name: [1]})",
        mode="write",
    )
    tom = await memory.cypher(namespace, "MATCH (p:P) WHERE p.name =~ 'Tom' RETURN p.name")
    assert tom.rows == [["Tom"]]
    folded = await memory.cypher(
        namespace, "MATCH (p:P) WHERE p.name =~ '(?i)(tom.*|év.)' RETURN p.name ORDER BY p.name"
    )
    assert folded.rows == [["Tom"], ["Tommy"], ["Éva"]]
    others = await memory.cypher(namespace, "RETURN 1 =~ 'x' AS a, 'x' =~ null AS b")
    assert others.rows == [[None, None]]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text("ab", max_size=4), st.text("ab.*|", min_size=1, max_size=4))
async def test_a_match_is_pythons_fullmatch(
    memory: Memory, namespace: str, text: str, pattern: str
) -> None:
    assume(_reads_alike(pattern))
    result = await memory.cypher(namespace, "RETURN $t =~ $p AS m", {"t": text, "p": pattern})
    assert result.rows == [[re.fullmatch(pattern, text) is not None]]


def _reads_alike(pattern: str) -> bool:
    """Whether Python and PostgreSQL both read ``pattern`` (no quantifier without an
    operand, no quantified quantifier)."""
    try:
        re.compile(pattern)
    except re.error:
        return False
    return not pattern.startswith(("*", "|")) and "**" not in pattern and "|*" not in pattern


async def test_a_pattern_that_is_no_regular_expression_is_a_clear_error(
    client: httpx.AsyncClient, namespace: str
) -> None:
    await client.post(
        f"/v1/namespaces/{namespace}/cypher",
        json={"query": "CREATE (:P {name: 'a('})", "mode": "write"},
    )
    response = await client.post(
        f"/v1/namespaces/{namespace}/cypher",
        json={"query": "MATCH (p:P) WHERE p.name =~ 'a(' RETURN p.name"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "regular expression" in response.json()["detail"]
    kept = await client.post(
        f"/v1/namespaces/{namespace}/cypher", json={"query": "MATCH (p:P) RETURN p.name"}
    )
    assert kept.json()["rows"] == [["a("]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("RETURN 'ab' =~ 'a' + 'b' AS r", True),
        ("RETURN 'ab' STARTS WITH 'a' + 'b' AS r", True),
        ("RETURN 'a' + 'b' ENDS WITH 'ab' AS r", True),
        ("RETURN 'abc' CONTAINS 'b' + 'c' AND true AS r", True),
        ("RETURN NOT 'ab' =~ 'a' + 'b' AS r", False),
        ("RETURN 'ab' = 'a' + 'b' CONTAINS 'b' AS r", False),  # = binds loosest
        ("WITH 'x' AS s RETURN s + 'y' STARTS WITH s + 'y' AS r", True),
        ("RETURN 1 + 2 CONTAINS 'a' AS r", None),
    ],
)
async def test_arithmetic_binds_tighter_than_a_string_predicate(
    memory: Memory, namespace: str, query: str, expected: object
) -> None:
    """openCypher reads ``'ab' =~ 'a' + 'b'`` as ``'ab' =~ ('a' + 'b')``; AGE added 'b'
    to the boolean."""
    assert (await memory.cypher(namespace, query)).rows == [[expected]]
