"""Neo4j 5's type predicate expressions (``x IS :: INTEGER``, ``IS NOT ::``, ``IS
TYPED``, ``::``) through ``kgmem_cypher.is_typed`` (migration 0064), and the simple CASE
with several values or comparisons per WHEN."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.cypher_errors import CypherUnsupported

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet="ab1", max_size=3),
)
_VALUES = st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3))
_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _base(value: Any) -> str:
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "INTEGER"
    return "FLOAT" if isinstance(value, float) else "STRING"


def _is_list_of(value: Any, members: set[str], nullable: bool) -> bool:
    return isinstance(value, list) and all(
        (v is None and nullable) or (v is not None and _base(v) in members) for v in value
    )


@_SETTINGS
@given(value=_VALUES)
async def test_predicates_answer_as_neo4j(memory: Memory, namespace: str, value: Any) -> None:
    result = await memory.cypher(
        namespace,
        "WITH $v AS v RETURN v IS :: INTEGER, v IS NOT :: STRING, v :: BOOLEAN, "
        "v IS TYPED INTEGER | FLOAT NOT NULL, v IS :: LIST<INTEGER | STRING>, "
        "v IS :: LIST<FLOAT NOT NULL> NOT NULL, v IS :: ANY NOT NULL, v IS :: NULL, "
        "v IS :: NOTHING",
        {"v": value},
    )
    scalar = not isinstance(value, list) and value is not None
    null = value is None
    assert result.rows == [
        [
            null or (scalar and _base(value) == "INTEGER"),
            not null and not (scalar and _base(value) == "STRING"),
            null or (scalar and _base(value) == "BOOLEAN"),
            null or (scalar and _base(value) in ("INTEGER", "FLOAT")),
            null or _is_list_of(value, {"INTEGER", "STRING"}, nullable=True),
            _is_list_of(value, {"FLOAT"}, nullable=False),
            not null,
            null,
            False,
        ]
    ]


async def test_graph_elements_lists_and_synonyms(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:P {v: 1})-[:R]->(:P {v: 2.5})", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH p = (a)-[r]->(b) RETURN a IS :: NODE, r IS :: RELATIONSHIP, p IS :: PATH, "
        "a IS :: RELATIONSHIP, r :: EDGE, a :: ANY VERTEX, a.v + 1 IS :: INT, "
        "b.v IS :: FLOAT, [a.v, b.v] IS :: LIST<INTEGER> | LIST<FLOAT>, "
        "[a.v, b.v] IS :: ARRAY<INTEGER | FLOAT>, [[1], []] IS :: LIST<LIST<INT!>>, "
        "[1, 2] IS :: INTEGER LIST, {k: 1} IS :: MAP, {k: 1} IS :: PROPERTY VALUE, "
        "[1, 'a'] IS :: PROPERTY VALUE, ['a', 'b'] IS :: PROPERTY VALUE, "
        "(a.v > 0) IS :: BOOLEAN, 1 IS :: ANY<STRING | BOOL>",
    )
    assert result.rows == [
        [True, True, True, False, True, True, True, True, False, True, True, True, True,
         False, False, True, True, False]
    ]  # fmt: skip


async def test_a_predicate_filters_and_binds_looser_than_arithmetic(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace, "UNWIND [1, 'a', 2.5, null] AS v CREATE (:T {v: v})", mode="write"
    )
    result = await memory.cypher(
        namespace,
        "MATCH (n:T) WHERE n.v IS :: INTEGER | FLOAT NOT NULL AND NOT n.v + 1 IS :: FLOAT "
        "RETURN n.v",
    )
    assert result.rows == [[1]]


def test_an_age_cast_stays_a_cast() -> None:
    assert "::numeric" in plan("RETURN 1::numeric AS x").text


async def test_a_temporal_type_is_refused(memory: Memory, namespace: str) -> None:
    with pytest.raises(CypherUnsupported, match="ISO 8601"):
        await memory.cypher(namespace, "RETURN date() IS :: DATE")


async def test_simple_case_lists_values_and_comparisons(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND [0, 1, 2, 5, 14, null, 'x', 2.5] AS x RETURN x, CASE x "
        "WHEN IS NULL, IS NOT TYPED INTEGER | FLOAT THEN 'unknown' "
        "WHEN = 0, = 1 THEN 'baby' WHEN <= 2 THEN 'child' WHEN 5, 6 THEN 'kid' "
        "WHEN > 10 THEN 'adult' ELSE 'other' END AS age, "
        "CASE x WHEN 1, 2 THEN 'low' WHEN 5 THEN 'mid' ELSE 'else' END AS plain",
    )
    assert [row[1:] for row in result.rows] == [
        ["baby", "else"], ["baby", "low"], ["child", "low"], ["kid", "mid"],
        ["adult", "else"], ["unknown", "else"], ["unknown", "else"], ["other", "else"],
    ]  # fmt: skip


async def test_simple_case_string_comparisons_and_nesting(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace,
        "UNWIND ['abc', 'xbc', 'q', 'z'] AS s RETURN CASE s WHEN STARTS WITH 'a' THEN 1 "
        "WHEN ENDS WITH 'bc' THEN 2 WHEN =~ 'q.*', 'z' THEN CASE s WHEN 'q', 'r' THEN 3 "
        "ELSE 4 END END",
    )
    assert result.rows == [[1], [2], [3], [4]]


def test_plain_values_keep_one_reading_of_the_test() -> None:
    text = plan("RETURN CASE rand() WHEN 1, 2 THEN 'a' END AS x").text
    assert text.count("rand()") == 1
