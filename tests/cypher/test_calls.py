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
        ("CALL db.labels() UNION ALL CALL db.labels()", False),
        ("MATCH (n) CALL db.labels()", False),
    ]:
        assert calls.only_call(query, calls.find(query)) is alone, query


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) CALL db.labels() YIELD * RETURN label",
        "CALL db.labels() YIELD * RETURN label",
        "WITH 1 AS label CALL db.labels() YIELD label RETURN label",
        "CALL db.labels() YIELD label, label RETURN label",
        "MATCH (n) CALL db.labels() YIELD label",
        "CALL db.labels(1,) YIELD label RETURN label",
        "CALL db.labels() YIELD RETURN 1",
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


def test_a_call_after_other_clauses_carries_their_variables() -> None:
    query = "MATCH (n) WITH n, 1 AS k CALL db.labels() YIELD label AS l RETURN n, k, l"
    [call] = calls.find(query)
    assert call.scope == ("k", "n") and not call.first and not call.standalone
    text = _rewrite(query, ["label"])
    assert text == (
        "MATCH (n) WITH n, 1 AS k UNWIND $kgmem_call_0 AS kgmem_call_row_0 "
        "WITH `k`, `n`, kgmem_call_row_0.`label` AS `l` RETURN n, k, l"
    )
    assert plan(text, {"kgmem_call_0": []}).columns == ["n", "k", "l"]


def test_a_void_procedure_leaves_the_rows_as_they_are() -> None:
    query = "MATCH (n) CALL test.doNothing() RETURN n"
    found = calls.find(query)
    assert calls.rewrite(query, found, [[]]).text == "MATCH (n)  RETURN n"
    with pytest.raises(CypherError, match="RETURN"):
        calls.rewrite(
            "MATCH (n) CALL test.doNothing()", calls.find("MATCH (n) CALL test.doNothing()"), [[]]
        )


def test_arguments_are_split_at_their_top_level_commas() -> None:
    query = "CALL p('a,b', [1, 2], {k: f(1, 2)}, $x)"
    [call] = calls.find(query)
    assert call.arguments is not None
    assert [a.text for a in call.arguments] == ["'a,b'", "[1, 2]", "{k: f(1, 2)}", "$x"]
    assert call.standalone and calls.only_call(query, [call])
    [bare] = calls.find("CALL p")
    assert bare.arguments is None and bare.standalone
    [empty] = calls.find("CALL p() YIELD x RETURN x")
    assert empty.arguments == () and not empty.standalone


def test_yield_star_only_when_the_call_stands_alone_in_its_part() -> None:
    [alone] = calls.find("CALL p() YIELD *")
    assert alone.star and calls.checked(alone, ["a", "b"]) == (("a", "a"), ("b", "b"))
    [inner] = calls.find("CALL p() YIELD * RETURN a")
    with pytest.raises(CypherError, match="YIELD"):
        calls.checked(inner, ["a"])


def test_arguments_read_from_each_row_join_on_their_values() -> None:
    query = "MATCH (n) CALL p(n.name, 1) YIELD out RETURN n, out"
    found = calls.find(query)
    text = calls.rewrite(query, found, [["out"]], frozenset({0})).text
    assert text == (
        "MATCH (n) UNWIND $kgmem_call_0 AS kgmem_call_row_0 WITH `n`, kgmem_call_row_0, "
        "[n.name, 1] AS kgmem_call_row_0_key WHERE kgmem_call_row_0.a = kgmem_call_row_0_key "
        "UNWIND kgmem_call_row_0.r AS kgmem_call_row_0_out "
        "WITH `n`, kgmem_call_row_0_out.`out` AS `out` RETURN n, out"
    )
    assert plan(text, {"kgmem_call_0": []}).columns == ["n", "out"]
