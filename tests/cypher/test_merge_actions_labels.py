"""MERGE's ON CREATE and ON MATCH decide by the merged entity's own table, whatever
label sets other nodes carry: a node with the MERGE's label and another one lives in a
table of larger ids, and it once made every later MERGE of that label read as matched
(ON CREATE skipped, LlamaIndex's new nodes left without their label). Within a batch,
the first row that meets a new entity created it and the later ones matched it, and
each row's SETs keep what the earlier rows wrote."""

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


async def test_a_later_row_meeting_a_node_an_earlier_row_created_matches_it(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:B:C), (:B {id: 'old'})", mode="write")
    await memory.cypher(
        namespace,
        "UNWIND ['a', 'b', 'a', 'old', 'c', 'b', 'a'] AS k MERGE (n:B {id: k}) "
        "ON CREATE SET n.created = true, n:New "
        "ON MATCH SET n.matched = coalesce(n.matched, 0) + 1, n:Seen",
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "MATCH (n:B) WHERE n.id IS NOT NULL "
        "RETURN n.id, n.created, n.matched, labels(n) ORDER BY n.id",
    )
    # Neo4j: the first row of a key creates its node, the later ones match it; the
    # node keeps what every row wrote
    assert [[k, c, m, sorted(labels)] for k, c, m, labels in result.rows] == [
        ["a", True, 2, ["B", "New", "Seen"]],
        ["b", True, 1, ["B", "New", "Seen"]],
        ["c", True, None, ["B", "New"]],
        ["old", None, 1, ["B", "Seen"]],
    ]


async def test_rows_meeting_one_new_node_set_its_labels_on_create_then_on_match(
    memory: Memory, namespace: str
) -> None:
    # the openCypher TCK's Merge4 [1]: the first row creates, the second matches
    await memory.cypher(namespace, "CREATE (), ()", mode="write")
    await memory.cypher(
        namespace, "MATCH () MERGE (a:L) ON MATCH SET a:M1 ON CREATE SET a:M2", mode="write"
    )
    result = await memory.cypher(namespace, "MATCH (a:L) RETURN labels(a)")
    assert [sorted(labels) for [labels] in result.rows] == [["L", "M1", "M2"]]


async def test_a_relationship_merged_on_several_rows_is_created_once_then_matched(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:P {k: 1}), (:P {k: 2}), (:Q:P {k: 2})", mode="write")
    await memory.cypher(
        namespace,
        "MATCH (a:P {k: 1}) UNWIND [1, 2, 3] AS i MATCH (b:P {k: 2}) WHERE NOT b:Q "
        "MERGE (a)-[r:T]->(b) ON CREATE SET r.first = i ON MATCH SET r.last = i",
        mode="write",
    )
    result = await memory.cypher(namespace, "MATCH ()-[r:T]->() RETURN r.first, r.last")
    assert result.rows == [[1, 3]]


async def test_llamaindex_upsert_with_repeated_ids_in_one_batch(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:__Node__:Chunk {id: 'seen'})", mode="write")
    rows = [
        {"source_id": "c1", "target_id": "e1"},
        {"source_id": "c1", "target_id": "e2"},
        {"source_id": "seen", "target_id": "e1"},
        {"source_id": "c2", "target_id": "c1"},
    ]
    await memory.cypher(namespace, _LLAMA_UPSERT, {"data": rows}, mode="write")
    nodes = await memory.cypher(
        namespace, "MATCH (n:__Node__) RETURN n.id, labels(n) ORDER BY n.id"
    )
    assert [[key, sorted(labels)] for key, labels in nodes.rows] == [
        [key, ["Chunk", "__Node__"]] for key in ("c1", "c2", "e1", "e2", "seen")
    ]
    edges = await memory.cypher(
        namespace, "MATCH (a)-[:MENTIONS]->(b) RETURN a.id, b.id ORDER BY a.id, b.id"
    )
    assert edges.rows == [["c1", "e1"], ["c1", "e2"], ["c2", "c1"], ["seen", "e1"]]
