"""``explained``: which queries are EXPLAIN requests, and what is left to plan."""

import pytest

from kgmem.cypher import explained
from kgmem.errors import CypherRejected


def test_a_leading_explain_is_split_off_in_any_case() -> None:
    assert explained("EXPLAIN MATCH (n) RETURN n") == " MATCH (n) RETURN n"
    assert explained("  explain\nRETURN 1 AS x") == "\nRETURN 1 AS x"


def test_explain_elsewhere_is_not_an_explain_request() -> None:
    assert explained("MATCH (n) RETURN n") is None
    assert explained("RETURN 'EXPLAIN' AS explain") is None
    assert explained("MATCH (explain) RETURN explain") is None


@pytest.mark.parametrize(
    "query",
    ["EXPLAIN ANALYZE RETURN 1", "explain verbose RETURN 1", "EXPLAIN (FORMAT JSON) RETURN 1"],
)
def test_explain_options_are_rejected(query: str) -> None:
    with pytest.raises(CypherRejected):
        explained(query)
