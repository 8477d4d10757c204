"""APOC's procedures and functions, SHOW PROCEDURES / SHOW FUNCTIONS and
dbms.clientConfig over Bolt with the real neo4j driver: virtual nodes and merged nodes
come back as the driver's Node and Relationship, a read key is refused APOC's writes
with Neo4j's code, in every transaction mode."""

import neo4j
import pytest
from neo4j.exceptions import ClientError
from neo4j.graph import Node, Relationship

from tests.fixtures.bolt import Bolt

pytestmark = pytest.mark.slow

MERGE = (
    "UNWIND $rows AS row CALL apoc.merge.node([row.type], {id: row.id}, row.props, {}) "
    "YIELD node RETURN node"
)
LINK = (
    "MATCH (a {id: $a}), (b {id: $b}) "
    "CALL apoc.merge.relationship(a, $type, {}, {w: 1}, b) YIELD rel RETURN rel"
)


async def test_merges_return_nodes_and_relationships(bolt: Bolt) -> None:
    rows = [{"type": "Person", "id": "ann", "props": {"name": "Ann"}},
            {"type": "City", "id": "oslo", "props": {}}]  # fmt: skip
    async with bolt.driver() as driver:
        merged, _, _ = await driver.execute_query(MERGE, {"rows": rows}, database_="alpha")
        linked, _, _ = await driver.execute_query(
            LINK, {"a": "ann", "b": "oslo", "type": "LIVES_IN"}, database_="alpha"
        )
        again, _, _ = await driver.execute_query(
            "MATCH (a:Person)-[r:LIVES_IN]->(b:City) RETURN elementId(a), r", database_="alpha"
        )
    nodes = [record["node"] for record in merged]
    assert all(isinstance(node, Node) for node in nodes)
    assert [(set(n.labels), dict(n)) for n in nodes] == [
        ({"Person"}, {"id": "ann", "name": "Ann"}), ({"City"}, {"id": "oslo"})]  # fmt: skip
    rel = linked[0]["rel"]
    assert isinstance(rel, Relationship)
    assert (rel.type, dict(rel)) == ("LIVES_IN", {"w": 1})
    assert again[0]["elementId(a)"] == nodes[0].element_id
    assert again[0]["r"].element_id == rel.element_id


async def test_a_read_key_is_refused_writes_in_every_mode(bolt: Bolt) -> None:
    query = "CALL apoc.merge.node(['X'], {id: 1}) YIELD node RETURN node"
    async with bolt.driver(bolt.reader) as driver:
        with pytest.raises(ClientError) as managed:
            await driver.execute_query(query, database_="alpha")
        async with driver.session(database="alpha") as session:
            with pytest.raises(ClientError) as auto:
                await (await session.run(query)).consume()
        reads, _, _ = await driver.execute_query(
            "CALL apoc.meta.data() YIELD label RETURN count(*) AS n", database_="alpha"
        )
    assert managed.value.code == auto.value.code == "Neo.ClientError.Security.Forbidden"
    assert reads[0]["n"] == 0


async def test_meta_graph_over_bolt_gives_virtual_nodes(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        await driver.execute_query(
            "CREATE (:Person {name: 'a'})-[:KNOWS]->(:Person {name: 'b'})", database_="alpha"
        )
        records, _, _ = await driver.execute_query(
            "CALL apoc.meta.subGraph({}) YIELD nodes, relationships RETURN nodes, "
            "[rel in relationships | {name: apoc.any.property(rel, 'type'), "
            "count: apoc.any.property(rel, 'count')}] AS relationships",
            database_="alpha",
            routing_=neo4j.RoutingControl.READ,
        )
    nodes = records[0]["nodes"]
    assert [(set(n.labels), n["name"], n["count"]) for n in nodes] == [({"Person"}, "Person", 2)]
    assert records[0]["relationships"] == [{"name": "KNOWS", "count": 1}]


async def test_show_procedures_and_functions_with_yield_where_return(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        default, _, _ = await driver.execute_query("SHOW PROCEDURES", database_="alpha")
        writers, _, _ = await driver.execute_query(
            "SHOW PROCEDURES YIELD name, mode, signature WHERE name STARTS WITH 'apoc.merge' "
            "RETURN name, mode, signature ORDER BY name",
            database_="alpha",
        )
        functions, _, _ = await driver.execute_query(
            "SHOW FUNCTIONS YIELD * WHERE name = 'apoc.map.clean'", database_="alpha"
        )
        system, _, _ = await driver.execute_query("SHOW FUNCTIONS", database_="system")
        config, _, _ = await driver.execute_query("CALL dbms.clientConfig()", database_="alpha")
    assert default[0].keys() == ["name", "description", "mode", "worksOnSystem"]
    assert [(r["name"], r["mode"]) for r in writers] == [
        ("apoc.merge.node", "WRITE"), ("apoc.merge.relationship", "WRITE")]  # fmt: skip
    assert writers[0]["signature"].startswith("apoc.merge.node(labels :: LIST OF STRING")
    clean = functions[0]
    assert (clean["category"], clean["isBuiltIn"], clean["returnDescription"]) == (
        "Other", False, "MAP")  # fmt: skip
    assert [a["name"] for a in clean["argumentDescription"]] == ["map", "keys", "values"]
    assert system[0].keys() == ["name", "category", "description"]
    assert "toUpper" in {r["name"] for r in system}
    assert dict(r.values() for r in config)["dbms.security.auth_enabled"] == "true"
