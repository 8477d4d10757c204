"""``elementId()``: the element id the driver reports, and lookups by it."""

from kgmem import Memory
from kgmem.cypher import plan
from tests.fixtures.bolt import Bolt


def test_a_lookup_by_element_id_compares_graph_ids() -> None:
    planned = plan(
        "UNWIND $rows AS row MATCH (n) WHERE elementId(n) = row.id AND n.x > 1 RETURN n",
        {"rows": []},
    )
    assert "id(n) = kgmem_cypher.to_integer( row.id) AND n.x > 1" in planned.text


def test_element_ids_elsewhere_are_graph_ids_as_text() -> None:
    planned = plan("MATCH (n) RETURN elementId(n) AS e, [elementId(n)] AS l")
    assert planned.text.count("kgmem_cypher.to_string(id(n))") == 2


async def test_element_ids_round_trip(memory: Memory, namespace: str) -> None:
    made = await memory.cypher(
        namespace,
        "CREATE (a:L {k: 1})-[r:R]->(b:L {k: 2}) RETURN elementId(a), elementId(r), id(a)",
        mode="write",
    )
    node, rel, graph_id = made.rows[0]
    assert node == str(graph_id)
    found = await memory.cypher(
        namespace, "MATCH (n) WHERE elementId(n) = $id RETURN n.k", {"id": node}
    )
    assert found.rows == [[1]]
    by_rel = await memory.cypher(
        namespace, "MATCH ()-[r]->() WHERE elementId(r) = $id RETURN type(r)", {"id": rel}
    )
    assert by_rel.rows == [["R"]]
    for foreign in ("4:0b6c1c2a-1f9a-4c8e-9d7a-2f7a1c1e6b1d:12", "", "x"):
        none = await memory.cypher(
            namespace, "MATCH (n) WHERE elementId(n) = $id RETURN n", {"id": foreign}
        )
        assert none.rows == []


async def test_element_id_equals_what_the_driver_reports(bolt: Bolt) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        result = await session.run("CREATE (n:L {k: 3}) RETURN n, elementId(n) AS e")
        record = await result.single()
    assert record is not None
    assert record["n"].element_id == record["e"]
