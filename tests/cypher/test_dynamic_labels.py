"""Dynamic labels and types: ``SET n:$(expr)``, ``REMOVE n:$(expr)`` per row, and
``MERGE (n:$($label))``, ``CREATE ()-[:$($type)]->()``, ``MATCH (n:$($label))`` from
parameters."""

from typing import Any

import pytest

from kgmem import Memory
from kgmem.cypher.subquery_split import static_labels
from kgmem.errors import CypherError


async def _rows(memory: Memory, namespace: str, query: str, **params: Any) -> list[list[Any]]:
    return (await memory.cypher(namespace, query, params, mode="write")).rows


async def test_set_labels_from_each_row(memory: Memory, namespace: str) -> None:
    rows = [{"id": 1, "labels": ["A", "B"]}, {"id": 2, "labels": "C"}, {"id": 3, "labels": ["A"]}]
    query = (
        "UNWIND $rows AS row CREATE (n:Base {id: row.id}) SET n:$(row.labels) "
        "RETURN n.id, labels(n) ORDER BY n.id"
    )
    assert await _rows(memory, namespace, query, rows=rows) == [
        [1, ["A", "B", "Base"]], [2, ["Base", "C"]], [3, ["A", "Base"]]
    ]  # fmt: skip
    found = await _rows(memory, namespace, "MATCH (n:A) RETURN n.id ORDER BY n.id")
    assert found == [[1], [3]]
    removed = "MATCH (n:Base) REMOVE n:$(['A']) RETURN n.id, labels(n) ORDER BY n.id"
    assert await _rows(memory, namespace, removed) == [
        [1, ["B", "Base"]], [2, ["Base", "C"]], [3, ["Base"]]
    ]  # fmt: skip


async def test_langchain_add_graph_documents_shape(memory: Memory, namespace: str) -> None:
    data = [{"id": "alice", "type": "Person", "properties": {"age": 3}},
            {"id": "acme", "type": "Company", "properties": {}}]  # fmt: skip
    query = (
        "UNWIND $data AS row MERGE (source:`__Entity__` {id: row.id}) "
        "SET source += row.properties WITH source, row SET source:$(row.type) "
        "RETURN source.id, labels(source), source.age ORDER BY source.id"
    )
    expected = [["acme", ["Company", "__Entity__"], None], ["alice", ["Person", "__Entity__"], 3]]
    assert await _rows(memory, namespace, query, data=data) == expected
    assert await _rows(memory, namespace, query, data=data) == expected  # idempotent
    count = "MATCH (n:__Entity__) RETURN count(n)"
    assert await _rows(memory, namespace, count) == [[2]]


async def test_relationships_follow_a_relabelled_node(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:N {k: 1})-[:R]->(:M)", mode="write")
    # the tail is a statement of its own, so it sees the node where it moved
    query = (
        "MATCH (n:N) WITH n, 'Extra' AS l SET n:$(l) WITH n MATCH (n)-[:R]->(m) "
        "RETURN labels(n), labels(m)"
    )
    assert await _rows(memory, namespace, query) == [[["Extra", "N"], ["M"]]]
    assert await _rows(memory, namespace, "MATCH (n:Extra)-[:R]->(m:M) RETURN n.k") == [[1]]


async def test_labels_and_types_from_parameters(memory: Memory, namespace: str) -> None:
    merged = "MERGE (n:$($label) {id: 5}) RETURN labels(n)"
    assert await _rows(memory, namespace, merged, label="Lbl") == [[["Lbl"]]]
    assert await _rows(memory, namespace, merged, label="Lbl") == [[["Lbl"]]]
    created = "CREATE (a:X)-[r:$($type)]->(b:Y) RETURN type(r)"
    assert await _rows(memory, namespace, created, type="KNOWS") == [["KNOWS"]]
    matched = "MATCH (n:$($label)) RETURN count(n)"
    assert await _rows(memory, namespace, matched, label="Lbl") == [[1]]
    several = "CREATE (n:$($labels)) RETURN labels(n)"
    assert await _rows(memory, namespace, several, labels=["P", "Q"]) == [[["P", "Q"]]]


def test_parameter_labels_are_written_quoted() -> None:
    assert static_labels("MATCH (n:$($l))", {"l": "a b`c"}) == "MATCH (n:`a b``c`)"
    assert static_labels("MATCH (n:$('X'))", {}) == "MATCH (n:X)"


@pytest.mark.parametrize("value", [None, 1, [], [""], ["A", 2]])
async def test_a_label_must_be_a_string_or_strings(
    memory: Memory, namespace: str, value: Any
) -> None:
    await memory.cypher(namespace, "CREATE (:Base)", mode="write")
    with pytest.raises(CypherError):
        await memory.cypher(namespace, "MATCH (n:Base) SET n:$($v)", {"v": value}, mode="write")
    with pytest.raises(CypherError):
        await memory.cypher(
            namespace, "MATCH (n:Base) WITH n, $v AS v SET n:$(v)", {"v": value}, mode="write"
        )


async def test_set_labels_needs_write_mode(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:Base)", mode="write")
    with pytest.raises(Exception, match="write"):
        await memory.cypher(namespace, "MATCH (n:Base) WITH n, 'A' AS l SET n:$(l)", mode="read")


@pytest.mark.parametrize(
    "query",
    [
        "UNWIND $rows AS row MERGE (n:$(row.type) {id: row.id}) RETURN n",
        "UNWIND $rows AS row CREATE (a)-[:$(row.type)]->(b)",
    ],
)
async def test_a_row_label_in_a_pattern_is_refused_clearly(
    memory: Memory, namespace: str, query: str
) -> None:
    with pytest.raises(CypherError, match="must come from a parameter") as refused:
        await memory.cypher(namespace, query, {"rows": [{"id": 1, "type": "T"}]}, mode="write")
    assert refused.value.position == query.index(":$(") + 1


async def test_a_node_in_several_rows_keeps_every_row_and_every_label(
    memory: Memory, namespace: str
) -> None:
    """A relabelled node moves under a new graph id: every row holding it, under any
    variable (``a`` and ``b`` of a zero-length match are one node), holds the moved
    node, and the labels each row names are all set."""
    await _rows(memory, namespace, "CREATE (:A {k: 1})-[:T]->(:A {k: 2})")
    query = (
        "MATCH (a:A)-[v*0..1]->(b:A) SET b:$('D' + toString(size(v))) "
        "RETURN a.k, b.k, labels(b) ORDER BY a.k, b.k"
    )
    assert await _rows(memory, namespace, query) == [
        [1, 1, ["A", "D0"]], [1, 2, ["A", "D0", "D1"]], [2, 2, ["A", "D0", "D1"]]
    ]  # fmt: skip
    counted = "MATCH (a:A)-[v*0..1]->(b:A) SET b:$(['E']) RETURN count(*) AS n"
    assert await _rows(memory, namespace, counted) == [[3]]
    same = "MATCH (a:A) WITH a, a AS b, a.k AS k SET b:$('F' + k) RETURN labels(a) = labels(b)"
    assert await _rows(memory, namespace, same) == [[True], [True]]
    assert await _rows(memory, namespace, "MATCH (n:E) WHERE n:F1 OR n:F2 RETURN count(*)") == [[2]]
