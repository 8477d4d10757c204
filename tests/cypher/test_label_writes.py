"""``SET n:L`` and ``REMOVE n:L``: each rewrite rule as text, then run against AGE
(the node moves to its new label set's table under a new graph id)."""

import asyncio

import pytest

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherPermissionDenied, CypherSemanticError
from kgmem.model import EntityWrite, FactWrite, SearchQuery

DIMENSION = 384


def test_a_label_item_becomes_a_with_that_carries_the_scope_and_rebinds_the_node() -> None:
    planned = plan("MATCH (n)-->(m) SET n:Foo RETURN labels(n), m", mode="write")
    assert planned.text == (
        "MATCH (n)-->(m) WITH m, kgmem_cypher.relabel(n, ['Foo'], []) AS n "
        "WITH collect([0, m, n]) AS __kgmem_rows UNWIND __kgmem_rows AS __kgmem_row "
        "WITH kgmem_cypher.stored(__kgmem_row[1]) AS m, __kgmem_row[2] AS n "
        "RETURN kgmem_cypher.labels(label(n)), m"
    )  # m may be n, which moved: every row's move first, then m read again
    assert planned.relabels


def test_property_items_keep_their_order_and_their_own_rewrites() -> None:
    planned = plan("MATCH (n), (m) SET n.a = 1, n:A:B, n.b = labels(m) RETURN n", mode="write")
    assert planned.text == (
        "MATCH (n), (m) WITH m, kgmem_cypher.stored(n) AS n SET n.a = 1 "
        "WITH m, kgmem_cypher.relabel(n, ['A', 'B'], []) AS n "
        "SET n.b = kgmem_cypher.labels(label(m)) RETURN n"
    )  # one SET clause: its right-hand sides read the graph as the clause found it


def test_a_label_item_that_ends_the_query_ends_it_with_a_delete_of_null() -> None:
    planned = plan("MATCH (n) REMOVE n.x, n:Old", mode="write")
    assert planned.text == (
        "MATCH (n) REMOVE n.x WITH kgmem_cypher.relabel(n, [], ['Old']) AS n, "
        "null AS __kgmem_nothing DELETE __kgmem_nothing"
    )
    assert planned.columns == []


def test_a_label_test_in_a_set_value_stays_a_predicate() -> None:
    planned = plan("MATCH (n) SET n.admin = n:Admin", mode="write")
    assert planned.text == "MATCH (n) SET n.admin = kgmem_cypher.has_labels(label(n), ['Admin'])"
    assert not planned.relabels


def test_label_names_reach_the_function_as_escaped_string_literals() -> None:
    planned = plan("MATCH (n) SET n:`it's \\ odd` RETURN n", mode="write")
    assert "kgmem_cypher.relabel(n, ['it\\'s \\\\ odd'], []) AS n" in planned.text


def test_merge_label_items_choose_their_labels_by_whether_the_merge_created() -> None:
    planned = plan(
        "MERGE (a:L) ON CREATE SET a:New, a.x = 1 ON MATCH SET a:Seen RETURN a", mode="write"
    )
    # the largest id of a's own table when the statement started, from the list of
    # (table, largest id) pairs read before it; merge_created holds on the first row
    # meeting a larger id, and stored reads the node again before the SETs
    largest = "[__kgmem_p IN __kgmem_c0 WHERE [__kgmem_p][0][0] = label(a) | [__kgmem_p][0][1]][0]"
    assert planned.text.endswith(
        f"MERGE (a:L) WITH __kgmem_c0, kgmem_cypher.merge_created(a, {largest}) AS __kgmem_new0, "
        "kgmem_cypher.stored(a) AS a "
        "SET a.x = CASE WHEN __kgmem_new0 THEN (1) ELSE a.x END "
        "WITH __kgmem_c0, __kgmem_new0, kgmem_cypher.relabel(a, CASE WHEN __kgmem_new0 "
        "THEN ['New'] ELSE ['Seen'] END, []) AS a RETURN a"
    )


def test_a_pattern_from_a_relabelled_node_later_in_the_query_is_refused() -> None:
    for query in (
        "MATCH (n) SET n:Foo WITH n MATCH (n)-->(m) RETURN m",
        "MATCH (n) SET n:Foo CREATE (n)-[:R]->(:X)",
        "MERGE (a:A) ON CREATE SET a:B MERGE (a)-[:R]->(c) RETURN c",
    ):
        with pytest.raises(CypherSemanticError, match="run the pattern in a query of its own"):
            plan(query, mode="write")
    assert plan("MATCH (n) SET n:Foo WITH count(*) AS c MATCH (n) RETURN n", mode="write")


def test_a_read_may_not_set_or_remove_labels() -> None:
    for query in ("MATCH (n) SET n:X RETURN n", "MATCH (n) REMOVE n:X"):
        with pytest.raises(CypherPermissionDenied):
            plan(query, mode="read")


async def _labels(memory: Memory, namespace: str) -> list[list[object]]:
    result = await memory.cypher(
        namespace, "MATCH (n) RETURN n.k AS k, labels(n) AS l ORDER BY k", mode="read"
    )
    return [[k, sorted(labels)] for k, labels in result.rows]


async def test_set_and_remove_move_the_node_and_keep_relationships_and_properties(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:A {k: 1})-[:R {w: 2}]->(:B {k: 2})", mode="write")
    before = await memory.cypher(namespace, "MATCH (n:A) RETURN id(n) AS i")
    seen = await memory.cypher(
        namespace, "MATCH (n:A) SET n:C:D RETURN labels(n) AS l, n.k AS k, id(n) AS i", mode="write"
    )
    [[labels, k, moved_id]] = seen.rows
    assert sorted(labels) == ["A", "C", "D"] and k == 1 and moved_id != before.rows[0][0]
    assert await _labels(memory, namespace) == [[1, ["A", "C", "D"]], [2, ["B"]]]
    kept = await memory.cypher(namespace, "MATCH (:C:D)-[r:R]->(b:B) RETURN r.w AS w, b.k AS k")
    assert kept.rows == [[2, 2]]
    await memory.cypher(namespace, "MATCH (n:C) REMOVE n:A, n:C", mode="write")
    assert await _labels(memory, namespace) == [[1, ["D"]], [2, ["B"]]]
    back = await memory.cypher(namespace, "MATCH (d:D)-[r]->(b) RETURN count(r) AS c")
    assert back.rows == [[1]]


async def test_adding_a_present_label_or_removing_an_absent_one_changes_nothing(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:A {k: 1})", mode="write")
    before = await memory.cypher(namespace, "MATCH (n) RETURN id(n) AS i")
    await memory.cypher(namespace, "MATCH (n) SET n:A REMOVE n:Nope", mode="write")
    after = await memory.cypher(namespace, "MATCH (n) RETURN id(n) AS i")
    assert after.rows == before.rows


async def test_removing_the_last_label_leaves_a_node_as_create_of_no_label_makes(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:A {k: 1}), ({k: 2})", mode="write")
    await memory.cypher(namespace, "MATCH (n:A) REMOVE n:A", mode="write")
    same = await memory.cypher(
        namespace, "MATCH (n) RETURN n.k AS k, label(n) AS l, labels(n) AS ls ORDER BY k"
    )
    assert same.rows == [[1, "", []], [2, "", []]]


async def test_a_null_node_is_left_alone(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace, "OPTIONAL MATCH (a:Missing) SET a:L REMOVE a:M RETURN a", mode="write"
    )
    assert result.rows == [[None]]


async def test_a_node_seen_on_several_rows_is_found_again_after_it_moved(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:A {k: 1}), (:B {k: 2}), (:B {k: 3})", mode="write")
    rows = await memory.cypher(
        namespace,
        "MATCH (a:A), (b:B) SET a:X, a.seen = b.k SET a:Y RETURN labels(a) AS l",
        mode="write",
    )
    assert [sorted(r[0]) for r in rows.rows] == [["A", "X", "Y"]] * 2
    assert await _labels(memory, namespace) == [[1, ["A", "X", "Y"]], [2, ["B"]], [3, ["B"]]]


async def test_a_relationship_written_back_from_before_the_move_stays_attached(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:A {k: 1})-[:R]->(:B {k: 2})", mode="write")
    await memory.cypher(namespace, "MATCH (a)-[r:R]->(b) SET a:X SET r.seen = 1", mode="write")
    attached = await memory.cypher(namespace, "MATCH (a:X)-[r:R]->(b:B) RETURN r.seen AS s")
    assert attached.rows == [[1]]


async def test_merge_sets_labels_on_create_and_on_match(memory: Memory, namespace: str) -> None:
    query = "MERGE (a:T {k: 1}) ON CREATE SET a:New ON MATCH SET a:Seen RETURN labels(a) AS l"
    created = await memory.cypher(namespace, query, mode="write")
    matched = await memory.cypher(namespace, query, mode="write")
    assert sorted(created.rows[0][0]) == ["New", "T"]
    assert sorted(matched.rows[0][0]) == ["New", "Seen", "T"]


async def test_two_writers_making_the_same_new_label_set_at_once_both_succeed(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "UNWIND range(1, 4) AS k CREATE (:A {k: k})", mode="write")
    await asyncio.gather(
        *(
            memory.cypher(namespace, f"MATCH (n:A {{k: {k}}}) SET n:Both", mode="write")
            for k in range(1, 5)
        )
    )
    both = await memory.cypher(namespace, "MATCH (n:A:Both) RETURN count(n) AS c")
    assert both.rows == [[4]]


def _vector(axis: int) -> list[float]:
    return [1.0 if i == axis else 0.0 for i in range(DIMENSION)]


async def test_a_rest_entity_keeps_its_label_embedding_facts_and_search_after_a_relabel(
    memory: Memory, namespace: str
) -> None:
    await memory.upsert_entity(
        namespace, EntityWrite("ada", "Person", {"name": "Ada Lovelace"}, _vector(0))
    )
    await memory.upsert_entity(namespace, EntityWrite("bab", "Person", {"name": "Babbage"}))
    await memory.add_fact(namespace, FactWrite("ada", "KNOWS", "bab"))
    await memory.cypher(
        namespace, "MATCH (n {uid: $uid}) SET n:Extra", {"uid": "ada"}, mode="write"
    )
    detail = await memory.get_entity(namespace, "ada")
    entity = detail.entity
    assert entity.label == "Person" and entity.has_embedding
    assert [f.object for f in detail.outgoing] == ["bab"]
    assert entity.properties["name"] == "Ada Lovelace"
    moved = await memory.cypher(namespace, "MATCH (n:Extra) RETURN id(n) AS i")
    assert entity.id == moved.rows[0][0]
    found = await memory.search(namespace, SearchQuery(embedding=_vector(0), types=("entities",)))
    assert found.hits and found.hits[0].uid == "ada"
    words = await memory.search(namespace, SearchQuery(text="Lovelace", types=("entities",)))
    assert [h.uid for h in words.hits][:1] == ["ada"]
    facts = await memory.cypher(namespace, "MATCH (:Extra)-[f:KNOWS]->(b) RETURN b.uid AS b")
    assert facts.rows == [["bab"]]
    await memory.cypher(namespace, "MATCH (n:Extra) REMOVE n:Person", mode="write")
    assert (await memory.get_entity(namespace, "ada")).entity.label == "Extra"
