"""A query opening with a returning subquery, ``CALL () { ... UNION ... } <more>``."""

import pytest

from kgmem import Memory
from kgmem.errors import CypherPermissionDenied
from kgmem.memory.subquery_rows import leading

HYBRID = (
    "CALL () { MATCH (d:Doc) WHERE d.k < 2 RETURN d AS node, 1.0 AS score "
    "UNION MATCH (d:Doc) WHERE d.k > 0 RETURN d AS node, 0.5 AS score } "
    "WITH node, max(score) AS score ORDER BY score DESC, node.k "
    "RETURN node.k AS k, score, labels(node) AS labels"
)


def test_the_subquery_and_the_rest_are_split() -> None:
    found = leading(HYBRID)
    assert found is not None
    inner, rest = found
    assert inner.startswith("MATCH (d:Doc) WHERE d.k < 2") and inner.endswith("0.5 AS score")
    assert rest.startswith("WITH node, max(score) AS score")


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (a) CALL () { RETURN 1 AS x } RETURN x",  # not the first clause
        "CALL () { CREATE (:N) } RETURN 1 AS x",  # returns nothing
        "CALL { WITH a RETURN a } RETURN a",  # imports
        "CALL () { RETURN 1 AS x }",  # nothing follows
        "CALL db.labels() YIELD label RETURN label",
    ],
)
def test_other_queries_are_not_split(query: str) -> None:
    assert leading(query) is None


async def test_a_union_of_searches_is_ranked_outside(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "UNWIND range(0, 2) AS k CREATE (:Doc {k: k})", mode="write")
    result = await memory.cypher(namespace, HYBRID)
    assert result.columns == ["k", "score", "labels"]
    assert result.rows == [[0, 1.0, ["Doc"]], [1, 1.0, ["Doc"]], [2, 0.5, ["Doc"]]]


async def test_the_rest_reaches_the_returned_nodes_relationships(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:Doc {k: 1})-[:CITES]->(:Doc {k: 2})", mode="write")
    result = await memory.cypher(
        namespace,
        "CALL () { MATCH (d:Doc {k: 1}) RETURN d } MATCH (d)-[:CITES]->(e) RETURN e.k AS k",
    )
    assert result.rows == [[2]]


async def test_a_writing_subquery_needs_write_mode(memory: Memory, namespace: str) -> None:
    with pytest.raises(CypherPermissionDenied):
        await memory.cypher(namespace, "CALL () { CREATE (n:N) RETURN n } RETURN count(n) AS c")
