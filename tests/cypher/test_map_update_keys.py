"""``SET n = row.create``: a map update whose expression reads a property key that is a
Cypher keyword (neomodel's ``get_or_create`` sends ``ON CREATE SET n = params.create``)."""

from kgmem import Memory
from kgmem.cypher import plan


def test_the_keyword_key_inside_the_wrapped_map_is_quoted() -> None:
    planned = plan("MATCH (n:L) SET n = $p.create, n += $p.match RETURN n", {"p": {}}, mode="write")
    assert "properties(kgmem_cypher.settable($p.`create`, true))" in planned.text
    assert "properties(kgmem_cypher.settable($p.`match`, false))" in planned.text


async def test_merge_on_create_sets_the_map_under_a_keyword_key(
    memory: Memory, namespace: str
) -> None:
    query = (
        "UNWIND $merge_params AS params MERGE (n:Book {title: params.create.title}) "
        "ON CREATE SET n = params.create RETURN n.title AS title, n.year AS year"
    )
    rows = [{"create": {"title": "Notes", "year": 1843}}, {"create": {"title": "Sketch"}}]
    result = await memory.cypher(namespace, query, {"merge_params": rows}, mode="write")
    assert [list(row) for row in result.rows] == [["Notes", 1843], ["Sketch", None]]
    again = [{"create": {"title": "Notes", "year": 1}}]
    result = await memory.cypher(namespace, query, {"merge_params": again}, mode="write")
    assert [list(row) for row in result.rows] == [["Notes", 1843]]
    count = await memory.cypher(namespace, "MATCH (n:Book) RETURN count(n)")
    assert count.rows == [[2]]
