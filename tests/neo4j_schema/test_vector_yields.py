"""Procedures whose NODE or RELATIONSHIP outputs carry graph ids: the yielded variable
is a real node or relationship for every clause after the call, and the rows keep the
procedure's order (``kgmem.cypher.calls``)."""

from collections.abc import AsyncIterator, Mapping
from typing import Any

import asyncpg
import pytest

from kgmem import Memory
from kgmem.procedures import Reader, procedure


async def _nodes(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    ids = args["ids"]
    return [[graph_id, 1.0 / (at + 1)] for at, graph_id in enumerate(ids)]


async def _rels(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    return [[graph_id, float(at)] for at, graph_id in enumerate(args["ids"])]


YIELDING = (
    procedure("test.nodes(ids :: LIST<INTEGER>) :: (node :: NODE, score :: FLOAT)", _nodes),
    procedure(
        "test.rels(ids :: LIST<INTEGER>) :: (relationship :: RELATIONSHIP, score :: FLOAT)", _rels
    ),
)


@pytest.fixture
async def ns(memory: Memory, namespace: str, raw_conn: asyncpg.Connection) -> AsyncIterator[str]:
    await memory.cypher(
        namespace,
        "UNWIND range(1, 5) AS i WITH i, 10 * i AS w "
        "CREATE (:Doc {i: i, text: 'doc ' + toString(i)})-[:R {w: w}]->(:Tag {i: i})",
        mode="write",
    )
    # labels AGE made by itself in that CREATE have no id(n) index yet: build them
    await raw_conn.execute("SELECT kgmem_neo4j.build_id_indexes($1)", namespace)
    with memory.procedures.registered(*YIELDING):
        yield namespace


async def doc_ids(memory: Memory, ns: str) -> list[int]:
    result = await memory.cypher(ns, "MATCH (n:Doc) RETURN id(n) ORDER BY n.i")
    return [row[0] for row in result.rows]


async def test_a_yielded_node_keeps_the_procedures_order(memory: Memory, ns: str) -> None:
    ids = list(reversed(await doc_ids(memory, ns)))
    result = await memory.cypher(
        ns, "CALL test.nodes($ids) YIELD node, score RETURN node.text, score", {"ids": ids}
    )
    assert result.rows == [[f"doc {5 - at}", 1.0 / (at + 1)] for at in range(5)]


async def test_a_standalone_call_yields_real_nodes(memory: Memory, ns: str) -> None:
    ids = await doc_ids(memory, ns)
    shuffled = [ids[2], ids[0], ids[4]]
    result = await memory.cypher(ns, "CALL test.nodes($ids)", {"ids": shuffled})
    assert result.columns == ["node", "score"]
    assert [row[0]["properties"]["i"] for row in result.rows] == [3, 1, 5]
    assert [row[0]["label"] for row in result.rows] == ["Doc"] * 3
    assert [row[0]["id"] for row in result.rows] == shuffled


async def test_a_yielded_node_is_matched_further(memory: Memory, ns: str) -> None:
    ids = await doc_ids(memory, ns)
    result = await memory.cypher(
        ns,
        "CALL test.nodes($ids) YIELD node, score WITH node, score "
        "MATCH (node)-[r:R]->(t:Tag) RETURN node.i AS i, r.w AS w, t.i AS t, score "
        "ORDER BY score DESC",
        {"ids": ids[1:3]},
    )
    assert result.rows == [[2, 20, 2, 1.0], [3, 30, 3, 0.5]]


async def test_a_call_where_filters_on_the_real_node(memory: Memory, ns: str) -> None:
    ids = await doc_ids(memory, ns)
    result = await memory.cypher(
        ns,
        "CALL test.nodes($ids) YIELD node AS n, score WHERE n.i > 2 AND score < 1 "
        "RETURN labels(n) AS l, n.i AS i",
        {"ids": ids},
    )
    assert result.rows == [[["Doc"], 3], [["Doc"], 4], [["Doc"], 5]]


async def test_a_yielded_relationship_is_real(memory: Memory, ns: str) -> None:
    found = await memory.cypher(ns, "MATCH ()-[r:R]->() RETURN id(r) ORDER BY r.w DESC")
    ids = [row[0] for row in found.rows][:2]
    result = await memory.cypher(
        ns,
        "CALL test.rels($ids) YIELD relationship AS rel, score "
        "MATCH (a)-[rel]->(b) RETURN type(rel), rel.w, a.i, b.i, score",
        {"ids": ids},
    )
    assert result.rows == [["R", 50, 5, 5, 0.0], ["R", 40, 4, 4, 1.0]]


async def test_a_call_after_match_reads_each_rows_ids(memory: Memory, ns: str) -> None:
    result = await memory.cypher(
        ns,
        "MATCH (d:Doc) WHERE d.i <= 2 CALL test.nodes([id(d)]) YIELD node "
        "RETURN d.i AS d, node.text AS t ORDER BY d",
    )
    assert result.rows == [[1, "doc 1"], [2, "doc 2"]]


async def test_an_id_that_is_gone_drops_its_row(memory: Memory, ns: str) -> None:
    ids = await doc_ids(memory, ns)
    await memory.cypher(ns, "MATCH (n:Doc {i: 1}) DETACH DELETE n", mode="write")
    result = await memory.cypher(ns, "CALL test.nodes($ids) YIELD node RETURN node.i", {"ids": ids})
    assert result.rows == [[2], [3], [4], [5]]


async def test_the_match_uses_the_id_index(memory: Memory, ns: str) -> None:
    ids = await doc_ids(memory, ns)
    plan = await memory.cypher(
        ns, "EXPLAIN CALL test.nodes($ids) YIELD node RETURN node.i", {"ids": ids}
    )
    text = "\n".join(str(row) for row in plan.rows)
    assert "Nested Loop" in text and "Hash Join" not in text, text
    assert "Index Scan using kgmem_id_" in text, text  # the id(n) index of each label table
