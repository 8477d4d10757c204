"""APOC's writing procedures on the store: apoc.merge.node / merge.relationship,
apoc.create.relationship / addLabels / setLabels / removeLabels, with per-row labels
and types, nodes from earlier clauses, constraints, read mode refused; and the query
shapes LangChain and LlamaIndex send."""

from typing import Any

import pytest

from kgmem import Memory
from kgmem.errors import CypherPermissionDenied, CypherSemanticError, KgmemError

LANGCHAIN_NODES = (
    "UNWIND $data AS row CALL apoc.merge.node([row.type], {id: row.id}, row.properties, {}) "
    "YIELD node RETURN distinct 'done' AS result"
)
LANGCHAIN_RELS = (
    "UNWIND $data AS row "
    "CALL apoc.merge.node([row.source_label], {id: row.source},{}, {}) YIELD node as source "
    "CALL apoc.merge.node([row.target_label], {id: row.target},{}, {}) YIELD node as target "
    "CALL apoc.merge.relationship(source, row.type, {}, row.properties, target) YIELD rel "
    "RETURN distinct 'done'"
)
LLAMAINDEX_RELS = (
    "UNWIND $data AS row MERGE (source: __Node__ {id: row.source_id}) ON CREATE SET source:Chunk "
    "MERGE (target: __Node__ {id: row.target_id}) ON CREATE SET target:Chunk "
    "WITH source, target, row "
    "CALL apoc.merge.relationship(source, row.label, {}, row.properties, target) YIELD rel "
    "RETURN count(*)"
)


async def _rows(memory: Memory, namespace: str, query: str, **params: Any) -> list[list[Any]]:
    return (await memory.cypher(namespace, query, params)).rows


async def test_langchain_import_merges_nodes_and_relationships_per_row(
    memory: Memory, namespace: str
) -> None:
    nodes = [{"type": "Person", "id": "Ann", "properties": {"age": 31}},
             {"type": "City", "id": "Oslo", "properties": {}},
             {"type": "Person", "id": "Ann", "properties": {"age": 99}}]  # fmt: skip
    result = await memory.cypher(namespace, LANGCHAIN_NODES, {"data": nodes}, mode="write")
    assert result.rows == [["done"]]
    rels = [{"source_label": "Person", "source": "Ann", "target_label": "City", "target": "Oslo",
             "type": "LIVES_IN", "properties": {"since": 2001}},
            {"source_label": "Person", "source": "Bo", "target_label": "City", "target": "Oslo",
             "type": "LIVES_IN", "properties": {}},
            {"source_label": "Person", "source": "Ann", "target_label": "City", "target": "Oslo",
             "type": "LIVES_IN", "properties": {"since": 1999}}]  # fmt: skip
    await memory.cypher(namespace, LANGCHAIN_RELS, {"data": rels}, mode="write")
    people = await _rows(memory, namespace, "MATCH (p:Person) RETURN p.id, p.age ORDER BY p.id")
    assert people == [["Ann", 31], ["Bo", None]]  # merged on id: onMatch {} keeps age
    edges = await _rows(
        memory, namespace,
        "MATCH (a)-[r:LIVES_IN]->(b:City) RETURN a.id, properties(r), b.id ORDER BY a.id",
    )  # fmt: skip
    assert edges == [["Ann", {"since": 2001}, "Oslo"], ["Bo", {}, "Oslo"]]


async def test_merge_node_with_several_labels_and_on_match(memory: Memory, namespace: str) -> None:
    query = (
        "CALL apoc.merge.node(['Person', 'Employee'], {id: $id}, {made: true}, {seen: true}) "
        "YIELD node RETURN labels(node), properties(node)"
    )
    first = await memory.cypher(namespace, query, {"id": "b"}, mode="write")
    assert first.rows == [[["Employee", "Person"], {"id": "b", "made": True}]]
    again = await memory.cypher(namespace, query, {"id": "b"}, mode="write")
    assert again.rows == [[["Employee", "Person"], {"id": "b", "made": True, "seen": True}]]
    # a node with only one of the labels does not match
    await memory.cypher(namespace, "CREATE (:Person {id: 'c'})", mode="write")
    await memory.cypher(namespace, query, {"id": "c"}, mode="write")
    both = "MATCH (n {id: 'c'}) RETURN labels(n) ORDER BY size(labels(n))"
    assert await _rows(memory, namespace, both) == [[["Person"]], [["Employee", "Person"]]]


async def test_llamaindex_relations_from_merged_and_relabelled_nodes(
    memory: Memory, namespace: str
) -> None:
    data = [{"source_id": "e1", "target_id": "e2", "label": "REL", "properties": {"w": 1}},
            {"source_id": "e1", "target_id": "e2", "label": "REL", "properties": {"w": 2}},
            {"source_id": "e2", "target_id": "e3", "label": "OTHER", "properties": {}}]  # fmt: skip
    result = await memory.cypher(namespace, LLAMAINDEX_RELS, {"data": data}, mode="write")
    assert result.rows == [[3]]
    found = await _rows(
        memory, namespace,
        "MATCH (a:__Node__)-[r]->(b) RETURN a.id, labels(a), type(r), r.w, b.id ORDER BY a.id",
    )  # fmt: skip
    assert found == [["e1", ["Chunk", "__Node__"], "REL", 1, "e2"],
                     ["e2", ["Chunk", "__Node__"], "OTHER", None, "e3"]]  # fmt: skip


async def test_create_relationship_and_label_changes(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:A {id: 1}), (:A {id: 2})", mode="write")
    made = await memory.cypher(
        namespace,
        "MATCH (a {id: 1}), (b {id: 2}) CALL apoc.create.relationship(a, $t, {w: 1}, b) "
        "YIELD rel RETURN type(rel), rel.w",
        {"t": "LINKS"}, mode="write",
    )  # fmt: skip
    assert made.rows == [["LINKS", 1]]
    added = await memory.cypher(
        namespace,
        "MATCH (n {id: 1}) CALL apoc.create.addLabels(n, ['B', 'C']) YIELD node "
        "SET n.touched = true RETURN labels(node)",
        mode="write",
    )
    assert added.rows == [[["A", "B", "C"]]]
    set_ = await memory.cypher(
        namespace, "MATCH (n {id: 1}) CALL apoc.create.setLabels(n, ['C', 'D']) YIELD node "
        "RETURN labels(node)", mode="write")  # fmt: skip
    assert set_.rows == [[["C", "D"]]]
    removed = await memory.cypher(
        namespace, "MATCH (n {id: 1}) CALL apoc.create.removeLabels(n, ['D']) YIELD node "
        "RETURN labels(node)", mode="write")  # fmt: skip
    assert removed.rows == [[["C"]]]
    # the relationship followed the node through its moves, and the SET reached it
    linked = "MATCH (a:C)-[r:LINKS]->(b:A) RETURN a.touched, b.id"
    assert await _rows(memory, namespace, linked) == [[True, 2]]


async def test_writes_respect_uniqueness_constraints(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE CONSTRAINT u FOR (p:P) REQUIRE p.email IS UNIQUE",
                        mode="write")  # fmt: skip
    await memory.cypher(namespace, "CREATE (:P {id: 1, email: 'x'})", mode="write")
    with pytest.raises(KgmemError, match="already exists with label `P`"):
        await memory.cypher(
            namespace, "CALL apoc.merge.node(['P'], {id: 2}, {email: 'x'}) YIELD node RETURN node",
            mode="write",
        )  # fmt: skip
    assert await _rows(memory, namespace, "MATCH (p:P) RETURN count(p)") == [[1]]


@pytest.mark.parametrize(
    "query",
    [
        "CALL apoc.merge.node(['X'], {id: 1}) YIELD node RETURN node",
        "MATCH (a), (b) CALL apoc.merge.relationship(a, 'R', {}, {}, b) YIELD rel RETURN rel",
        "MATCH (a) CALL apoc.create.addLabels(a, ['X']) YIELD node RETURN node",
        "RETURN apoc.merge.node(['X'], {id: 1}) AS n",
    ],
)
async def test_read_mode_is_refused(memory: Memory, namespace: str, query: str) -> None:
    with pytest.raises(CypherPermissionDenied):
        await memory.cypher(namespace, query)
    assert await _rows(memory, namespace, "MATCH (n) RETURN count(n)") == [[0]]


async def test_bad_calls_are_semantic_errors(memory: Memory, namespace: str) -> None:
    with pytest.raises(CypherSemanticError, match="takes 2 to 4 argument"):
        await memory.cypher(namespace, "CALL apoc.merge.node(['X'])", mode="write")
    with pytest.raises(CypherSemanticError, match="yields no column 'n'"):
        await memory.cypher(namespace, "CALL apoc.merge.node(['X'], {id: 1}) YIELD n", mode="write")
    with pytest.raises(KgmemError, match="at least one identifying property"):
        await memory.cypher(namespace, "CALL apoc.merge.node(['X'], {})", mode="write")
    with pytest.raises(KgmemError, match="expected a node"):
        await memory.cypher(namespace, "CALL apoc.create.relationship(1, 'R', {}, 2) YIELD rel "
                            "RETURN rel", mode="write")  # fmt: skip


async def test_a_standalone_call_returns_its_output(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(namespace, "CALL apoc.merge.node(['X'], {id: 1}) YIELD node AS n",
                                 mode="write")  # fmt: skip
    assert result.columns == ["n"]
    assert result.rows[0][0]["properties"] == {"id": 1}


async def test_label_procedures_take_a_list_of_nodes(memory: Memory, namespace: str) -> None:
    """APOC yields one row per node of a list, and none for the empty list."""

    async def written(query: str) -> list[list[Any]]:
        return (await memory.cypher(namespace, query, mode="write")).rows

    assert await written("CALL apoc.create.addLabels([], ['L']) YIELD node RETURN node") == []
    listed = (
        "CREATE (a:A {k: 1}), (b:A {k: 2}) WITH a, b CALL apoc.create.addLabels([a, b], ['M']) "
        "YIELD node RETURN node.k, labels(node) ORDER BY node.k"
    )
    assert await written(listed) == [[1, ["A", "M"]], [2, ["A", "M"]]]
    one = (
        "MATCH (n:M) WITH n ORDER BY n.k LIMIT 1 WITH collect(n)[0] AS x "
        "CALL apoc.create.removeLabels(x, ['M']) YIELD node RETURN node.k, labels(node)"
    )
    assert await written(one) == [[1, ["A"]]]
    assert await written("MATCH (n:M) RETURN n.k") == [[2]]
