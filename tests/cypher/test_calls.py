"""Finding procedure calls in a query and rewriting them into an UNWIND of a parameter."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem.cypher import calls, plan
from kgmem.errors import CypherError


def _rewrite(query: str, columns: list[str]) -> str:
    found = calls.find(query)
    return calls.rewrite(query, found, [columns] * len(found)).text


def test_aliases_and_where_become_a_with() -> None:
    text = _rewrite("CALL db.labels() YIELD label AS l WHERE l <> 'x' RETURN l", ["label"])
    assert text == (
        "UNWIND $kgmem_call_0 AS kgmem_call_row_0 WITH kgmem_call_row_0.`label` AS `l` "
        "WHERE l <> 'x' RETURN l"
    )
    assert list(plan(text, {"kgmem_call_0": []}).columns) == ["l"]


def test_a_call_ending_its_union_part_returns_its_columns() -> None:
    text = _rewrite(
        "CALL x.y() YIELD a, b AS c WHERE a STARTS WITH 'q' UNION ALL CALL x.y() YIELD *",
        ["a", "b"],
    )
    assert text.count("UNWIND") == 2
    assert "WHERE a STARTS WITH 'q' RETURN `a`, `c` UNION ALL" in text
    assert text.endswith(
        "WITH kgmem_call_row_1.`a` AS `a`, kgmem_call_row_1.`b` AS `b` RETURN `a`, `b`"
    )


def test_only_a_lone_call_is_answered_whole() -> None:
    for query, alone in [
        ("CALL db.labels()", True),
        ("CALL db.labels() YIELD label AS l;", True),
        ("CALL db.labels() YIELD label WHERE label = 'A'", False),
        ("CALL db.labels() YIELD label RETURN label", False),
    ]:
        assert calls.only_call(query, calls.find(query)) is alone, query


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) CALL db.labels() YIELD label RETURN label",
        "CALL db.labels() YIELD label + 1 RETURN label",
        "CALL db.labels( YIELD label",
        "CALL () YIELD label",
    ],
)
def test_malformed_calls_are_cypher_errors(query: str) -> None:
    with pytest.raises(CypherError):
        _rewrite(query, ["label"])


def test_a_yield_of_a_missing_column_is_refused() -> None:
    with pytest.raises(CypherError, match="no column"):
        _rewrite("CALL db.labels() YIELD nope RETURN nope", ["label"])


_PIECES = st.sampled_from(
    ["CALL", "db.labels()", "YIELD", "label", "AS", "l", ",", "*", "WHERE", "RETURN", "(", ")",
     "UNION", "ALL", "{", "}", "'s'", "`q`", "WITH", "STARTS", ";", "1", "=", "MATCH", "(n)"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=14).map(" ".join))
def test_any_text_is_rewritten_without_calls_or_refused(query: str) -> None:
    try:
        found = calls.find(query)
        text = calls.rewrite(query, found, [["label"]] * len(found)).text
    except CypherError:
        return
    assert calls.find(text) == []  # every call at the top level was replaced


def test_positions_map_back_to_the_query_as_written() -> None:
    query = "CALL db.labels() YIELD label WHERE label = 'a' RETURN label UNION ALL CALL db.labels()"
    found = calls.find(query)
    done = calls.rewrite(query, found, [["label"]] * 2)
    where = done.text.index("WHERE")
    assert done.original(where) == query.index("WHERE")
    assert done.original(done.text.index("UNION")) == query.index("UNION")
    assert done.original(3) == 0  # inside the UNWIND that replaced the first call
    assert done.original(len(done.text) - 1) == len(query)  # the RETURN added at the end
