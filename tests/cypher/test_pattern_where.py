"""``WHERE`` inside node and relationship patterns (``(n:Person WHERE n.age > 30)``,
``-[r:KNOWS WHERE r.since > 2000]->``), answered as Neo4j 5 answers them."""

from __future__ import annotations

import neo4j

from kgmem import Memory
from kgmem.cypher import plan
from tests.fixtures.bolt import Bolt

PEOPLE = (
    "CREATE (ann:Person {name: 'Ann', age: 25}), (bo:Person {name: 'Bo', age: 35}), "
    "(cy:Person {name: 'Cy', age: 45}), "
    "(ann)-[:KNOWS {since: 1999}]->(bo), (bo)-[:KNOWS {since: 2010}]->(cy), "
    "(cy)-[:KNOWS {since: 2020}]->(ann)"
)


def test_the_predicates_move_to_the_clause_where() -> None:
    planned = plan(
        "MATCH (n:Person WHERE n.age > 30)-[r:KNOWS WHERE r.since > 2000]->(m) "
        "WHERE m.name <> 'x' RETURN m"
    )
    assert planned.text == (
        "MATCH (n:Person)-[r:KNOWS]->(m) WHERE ((n.age > 30 AND n.age < 'NaN'::float)) "
        "AND ((r.since > 2000 AND r.since < 'NaN'::float)) AND m.name <> 'x' RETURN m"
    )


async def test_node_and_relationship_predicates_filter_as_in_neo4j(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, PEOPLE, mode="write")
    older = await memory.cypher(
        namespace, "MATCH (n:Person WHERE n.age > 30) RETURN n.name AS name ORDER BY name"
    )
    assert older.rows == [["Bo"], ["Cy"]]
    recent = await memory.cypher(
        namespace,
        "MATCH (a:Person WHERE a.age < 40)-[r:KNOWS WHERE r.since > 2000]->(b) "
        "RETURN a.name, b.name",
    )
    assert recent.rows == [["Bo", "Cy"]]
    both = await memory.cypher(
        namespace,
        "MATCH (a WHERE a.name STARTS WITH 'C')-[r WHERE r.since >= 2020]->(b {age: 25}) "
        "WHERE b.name = 'Ann' RETURN a.name, r.since, b.name",
    )
    assert both.rows == [["Cy", 2020, "Ann"]]


async def test_an_optional_match_keeps_its_row_when_the_predicate_fails(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, PEOPLE, mode="write")
    found = await memory.cypher(
        namespace,
        "MATCH (a:Person {name: 'Ann'}) "
        "OPTIONAL MATCH (a)-[r:KNOWS WHERE r.since > 2005]->(b) RETURN a.name, b",
    )
    assert found.rows == [["Ann", None]]


async def test_bolt_answers_pattern_predicates_and_label_expressions(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        await driver.execute_query(PEOPLE, database_="alpha")
        records, _, _ = await driver.execute_query(
            "MATCH (a:Person|Robot WHERE a.age > 30)-[r:KNOWS WHERE r.since > 2000]->(b:!Robot) "
            "RETURN a.name AS a, b.name AS b ORDER BY a",
            database_="alpha",
            routing_=neo4j.RoutingControl.READ,
        )
    assert [(r["a"], r["b"]) for r in records] == [("Bo", "Cy"), ("Cy", "Ann")]
