"""``DETACH DELETE p`` of a path: the rewrite as text, and what it deletes on AGE."""

import pytest

from kgmem import Memory
from kgmem.cypher import plan


def test_a_final_detach_delete_of_a_path_unwinds_its_nodes() -> None:
    planned = plan("MATCH (n), p = (a)-->(b) DETACH DELETE p, n", mode="write")
    assert planned.text == (
        "MATCH (n), p = (a)-->(b) WITH collect(nodes(p) + [n]) AS __kgmem_d1r "
        "UNWIND __kgmem_d1r AS __kgmem_d1l UNWIND __kgmem_d1l AS __kgmem_d1n "
        "DETACH DELETE __kgmem_d1n"
    )
    assert "deleted_paths" in planned.rewrites


@pytest.mark.parametrize(
    "query",
    [
        "MATCH p = (a)-->(b) DETACH DELETE p RETURN count(*) AS c",
        "MATCH p = (a)-->(b) DELETE p",
        "MATCH (a)-->(b) DETACH DELETE a, b",
        "MATCH p = (a)-->(b) WITH p AS q DETACH DELETE q.x",
    ],
)
def test_other_deletes_are_left_alone(query: str) -> None:
    assert "__kgmem_d" not in plan(query, mode="write").text


async def test_detach_deleting_paths_deletes_their_nodes_and_relationships(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace,
        "CREATE (x:X)-[:R]->(n1:M)-[:R]->(n2:M)-[:R]->(n3:M), (n1)-[:R]->(n4:M), "
        "(keep:K)-[:R]->(n4)",
        mode="write",
    )
    await memory.cypher(namespace, "MATCH p = (:X)-->()-->() DETACH DELETE p", mode="write")
    left = await memory.cypher(
        namespace, "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN labels(n)[0] AS l, count(r) AS c"
    )
    assert sorted(left.rows) == [["K", 0], ["M", 0]]  # n3 is on no matched path


async def test_detach_deleting_a_null_path_deletes_nothing(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:A)", mode="write")
    await memory.cypher(namespace, "OPTIONAL MATCH p = (:B)-->() DETACH DELETE p", mode="write")
    left = await memory.cypher(namespace, "MATCH (n) RETURN count(n) AS c")
    assert left.rows == [[1]]
