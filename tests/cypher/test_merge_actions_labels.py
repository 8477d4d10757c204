"""MERGE's ON CREATE and ON MATCH decide by the merged entity's own table, whatever
label sets other nodes carry: a node with the MERGE's label and another one lives in a
table of larger ids, and it once made every later MERGE of that label read as matched
(ON CREATE skipped, LlamaIndex's new nodes left without their label)."""

from kgmem import Memory

_LLAMA_UPSERT = (
    "UNWIND $data AS row "
    "MERGE (source:__Node__ {id: row.source_id}) ON CREATE SET source:Chunk "
    "MERGE (target:__Node__ {id: row.target_id}) ON CREATE SET target:Chunk "
    "WITH source, target, row "
    "CALL apoc.merge.relationship(source, 'MENTIONS', {}, {}, target) YIELD rel "
    "RETURN count(*)"
)


async def test_a_node_with_more_labels_does_not_make_new_nodes_read_as_matched(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:B:C)", mode="write")
    merge = "MERGE (n:B {id: $id}) ON CREATE SET n.p = $v ON MATCH SET n.m = $v"
    await memory.cypher(namespace, merge, {"id": "x", "v": 1}, mode="write")
    await memory.cypher(namespace, merge, {"id": "x", "v": 2}, mode="write")
    created = await memory.cypher(
        namespace,
        "MERGE (n:B {id: 'new'}) ON CREATE SET n:Fresh, n.created = true "
        "ON MATCH SET n:Old RETURN n.created, labels(n)",
        mode="write",
    )
    found = await memory.cypher(namespace, "MATCH (n:B {id: 'x'}) RETURN n.p, n.m")
    assert found.rows == [[1, 2]]
    assert created.rows == [[True, ["B", "Fresh"]]]


async def test_a_matched_node_in_a_label_set_reads_as_matched(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:B {id: 'y'}), (:B:C {id: 'z'})", mode="write")
    result = await memory.cypher(
        namespace,
        "UNWIND ['y', 'z', 'w'] AS k MERGE (n:B {id: k}) ON CREATE SET n.fresh = true "
        "ON MATCH SET n.again = true RETURN k, n.fresh, n.again ORDER BY k",
        mode="write",
    )
    assert result.rows == [["w", True, None], ["y", None, True], ["z", None, True]]


async def test_llamaindex_upsert_labels_every_new_node(memory: Memory, namespace: str) -> None:
    rows = [{"source_id": "c1", "target_id": "e1"}]
    await memory.cypher(namespace, _LLAMA_UPSERT, {"data": rows}, mode="write")
    rows = [{"source_id": "c2", "target_id": "e2"}, {"source_id": "c1", "target_id": "e3"}]
    await memory.cypher(namespace, _LLAMA_UPSERT, {"data": rows}, mode="write")
    result = await memory.cypher(
        namespace, "MATCH (n:__Node__) RETURN n.id, labels(n) ORDER BY n.id"
    )
    assert [[key, sorted(labels)] for key, labels in result.rows] == [
        [key, ["Chunk", "__Node__"]] for key in ("c1", "c2", "e1", "e2", "e3")
    ]
