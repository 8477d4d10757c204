"""DELETE of a node or relationship held in a list or a map (``kgmem.cypher.deleted_values``):
as text, then run against AGE, where it was refused ("unexpected Node for cypher_clause")."""

import pytest

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherSyntaxError, CypherTypeError
from tests.cypher.rules import written


def test_a_computed_item_is_bound_and_checked_before_it_is_deleted() -> None:
    text = plan("MATCH (n) WITH [n] AS l, n DETACH DELETE n, l[0]", mode="write").text
    assert text.endswith(
        "WITH l, n, l[0] AS __kgmem_x1 WITH * WHERE kgmem_cypher.written(__kgmem_x1, 'l[0]') "
        "DETACH DELETE n, __kgmem_x1"
    )
    assert "__kgmem_x" not in plan("MATCH (n) DETACH DELETE n", mode="write").text


async def _counts(memory: Memory, namespace: str) -> list[object]:
    query = "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n), count(r)"
    [row] = await written(memory, namespace, query)
    return row


async def test_nodes_and_relationships_are_deleted_from_lists_and_maps(
    memory: Memory, namespace: str
) -> None:
    await written(memory, namespace, "CREATE (:X)-[:R]->(:Y), (:X)-[:R]->(:Y)")
    await written(memory, namespace, "MATCH ()-[r:R]->() WITH collect(r) AS rs DELETE rs[0]")
    assert await _counts(memory, namespace) == [4, 1]
    await written(memory, namespace, "MATCH ()-[r:R]->() WITH {key: r} AS m DELETE m.key")
    assert await _counts(memory, namespace) == [4, 0]
    query = "MATCH (n:X) WITH {k: [n]} AS m DETACH DELETE m.k[0] RETURN count(*)"
    assert await written(memory, namespace, query) == [[2]]
    assert await _counts(memory, namespace) == [2, 0]
    assert await written(memory, namespace, "WITH [null] AS l DELETE l[0] RETURN 1") == [[1]]


async def test_the_empty_list_is_neo4js_type_error_and_the_database_answers_after(
    memory: Memory, namespace: str
) -> None:
    await written(memory, namespace, "CREATE (:X)")
    with pytest.raises(CypherTypeError, match="empty list"):
        await written(memory, namespace, "MATCH (n) WITH [[], n] AS l DELETE l[0]")
    assert await _counts(memory, namespace) == [1, 0]


def test_an_item_that_cannot_be_an_entity_is_refused_before_anything_runs() -> None:
    for query in (
        "MATCH (a) DELETE 1 + 1",
        "MATCH (a) DELETE 'x'",
        "MATCH (a) DELETE [a]",
        "MATCH (a) DETACH DELETE {k: a}",
        "MATCH (a) DELETE $p",
        "MATCH (a) DELETE a.x = 1",
    ):
        with pytest.raises(CypherSyntaxError, match="InvalidArgumentType"):
            plan(query, {"p": 1}, mode="write")
    assert "__kgmem_x1" in plan("MATCH (a) DELETE [a][0]", mode="write").text
