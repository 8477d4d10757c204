"""APOC's schema procedures on the store: apoc.meta.data / schema / graph / subGraph,
apoc.schema.nodes / relationships / properties.distinct, db.schema.*TypeProperties,
with the rows and columns APOC and Neo4j give, in the queries the libraries send."""

from typing import Any

import pytest

from kgmem import Memory

GRAPH = (
    "CREATE (a:Person {name: 'Ann', age: 31})-[:KNOWS {since: 2001}]->"
    "(b:Person:Employee {name: 'Bo', tags: ['x']})-[:WORKS_AT]->(c:Company {name: 'Acme'}), "
    "(a)-[:WORKS_AT]->(c)"
)
# neo4j-graphrag's (and so LangChain's) three schema queries, as they send them
NODE_PROPERTIES = (
    "CALL apoc.meta.data({sample: $SAMPLE}) YIELD label, other, elementType, type, property "
    "WHERE NOT type = 'RELATIONSHIP' AND elementType = 'node' AND NOT label IN $EXCLUDED_LABELS "
    "WITH label AS nodeLabel, collect({property:property, type:type}) AS properties "
    "RETURN {label: nodeLabel, properties: properties} AS output"
)
REL_PROPERTIES = (
    "CALL apoc.meta.data({sample: $SAMPLE}) YIELD label, other, elementType, type, property "
    "WHERE NOT type = 'RELATIONSHIP' AND elementType = 'relationship' "
    "AND NOT label in $EXCLUDED_LABELS "
    "WITH label AS relType, collect({property:property, type:type}) AS properties "
    "RETURN {type: relType, properties: properties} AS output"
)
PATTERNS = (
    "CALL apoc.meta.data({sample: $SAMPLE}) YIELD label, other, elementType, type, property "
    "WHERE type = 'RELATIONSHIP' AND elementType = 'node' UNWIND other AS other_node "
    "WITH * WHERE NOT label IN $EXCLUDED_LABELS AND NOT other_node IN $EXCLUDED_LABELS "
    "RETURN {start: label, type: property, end: toString(other_node)} AS output"
)
COUNTS = (
    "CALL apoc.meta.graph({sample: 1000, maxRels: 100}) YIELD nodes, relationships "
    "RETURN nodes, [rel in relationships | {name:apoc.any.property(rel, 'type'), "
    "count: apoc.any.property(rel, 'count')}] AS relationships"
)
INDEX_QUERY = (
    "CALL apoc.schema.nodes() YIELD label, properties, type, size, valuesSelectivity "
    "WHERE type = 'RANGE' RETURN *, size * valuesSelectivity as distinctValues"
)
PARAMS = {"SAMPLE": 1000, "EXCLUDED_LABELS": ["_Bloom_Perspective_"]}


@pytest.fixture
async def graph(memory: Memory, namespace: str) -> str:
    await memory.cypher(namespace, GRAPH, mode="write")
    await memory.cypher(namespace, "CREATE CONSTRAINT person_name FOR (p:Person) "
                        "REQUIRE p.name IS UNIQUE", mode="write")  # fmt: skip
    await memory.cypher(namespace, "CREATE INDEX company_name FOR (c:Company) ON (c.name)",
                        mode="write")  # fmt: skip
    return namespace


async def _outputs(memory: Memory, namespace: str, query: str) -> list[Any]:
    result = await memory.cypher(namespace, query, PARAMS)
    return [row[0] for row in result.rows]


async def test_meta_data_rows_describe_labels_types_and_patterns(
    memory: Memory, graph: str
) -> None:
    result = await memory.cypher(graph, "CALL apoc.meta.data()")
    assert result.columns == [
        "label", "property", "count", "unique", "index", "existence", "type", "array",
        "sample", "left", "right", "other", "otherLabels", "elementType"]  # fmt: skip
    rows = {(r[0], r[1], r[13]): dict(zip(result.columns, r, strict=True)) for r in result.rows}
    name = rows[("Person", "name", "node")]
    assert (name["type"], name["unique"], name["index"], name["array"]) == (
        "STRING", True, True, False)  # fmt: skip
    assert rows[("Person", "age", "node")]["type"] == "INTEGER"
    tags = rows[("Employee", "tags", "node")]
    assert (tags["type"], tags["array"]) == ("LIST", True)
    assert rows[("Company", "name", "node")]["index"] is True
    assert rows[("KNOWS", "since", "relationship")]["type"] == "INTEGER"
    knows = rows[("Person", "KNOWS", "node")]
    assert (knows["type"], knows["other"], knows["count"]) == (
        "RELATIONSHIP", ["Employee", "Person"], 1)  # fmt: skip
    works = rows[("Person", "WORKS_AT", "node")]
    assert (works["other"], works["count"]) == (["Company"], 2)
    # only outgoing relationships: nothing starts at a Company
    assert not [k for k in rows if k[0] == "Company" and k[2] == "node" and k[1].isupper()]


async def test_the_three_schema_queries_of_graphrag_and_langchain(
    memory: Memory, graph: str
) -> None:
    nodes = {o["label"]: o["properties"] for o in await _outputs(memory, graph, NODE_PROPERTIES)}
    assert sorted(nodes) == ["Company", "Employee", "Person"]
    assert {"property": "age", "type": "INTEGER"} in nodes["Person"]
    rels = {o["type"]: o["properties"] for o in await _outputs(memory, graph, REL_PROPERTIES)}
    assert rels == {"KNOWS": [{"property": "since", "type": "INTEGER"}]}
    patterns = await _outputs(memory, graph, PATTERNS)
    assert {"start": "Person", "type": "KNOWS", "end": "Employee"} in patterns
    assert {"start": "Employee", "type": "WORKS_AT", "end": "Company"} in patterns
    assert {"start": "Company", "type": "WORKS_AT", "end": "Person"} not in patterns


async def test_sample_reads_at_most_that_many_nodes_per_label(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "UNWIND range(1, 5) AS i CREATE (:Item {n: i})", mode="write")
    await memory.cypher(namespace, "CREATE (:Item {late: true})", mode="write")
    one = await memory.cypher(namespace, "CALL apoc.meta.data({sample: 1}) YIELD property "
                              "RETURN collect(property)")  # fmt: skip
    every = await memory.cypher(namespace, "CALL apoc.meta.data({sample: -1}) YIELD property "
                                "RETURN collect(property)")  # fmt: skip
    assert one.rows[0][0] in (["n"], ["late"])
    assert sorted(every.rows[0][0]) == ["late", "n"]


async def test_meta_graph_counts_read_with_apoc_any_property(memory: Memory, graph: str) -> None:
    result = await memory.cypher(graph, COUNTS)
    nodes, relationships = result.rows[0]
    assert {n["properties"]["name"]: n["properties"]["count"] for n in nodes} == {
        "Company": 1, "Employee": 1, "Person": 2}  # fmt: skip
    assert {"name": "WORKS_AT", "count": 2} in relationships
    assert {"name": "KNOWS", "count": 1} in relationships
    sub = await memory.cypher(
        graph,
        "CALL apoc.meta.subGraph({labels: ['Company']}) YIELD nodes "
        "RETURN [n IN nodes | apoc.any.property(n, 'name')] AS names",
    )
    assert sub.rows == [[["Company"]]]


async def test_meta_schema_map(memory: Memory, graph: str) -> None:
    value = (await memory.cypher(graph, "CALL apoc.meta.schema()")).rows[0][0]
    person = value["Person"]
    assert (person["type"], person["count"], person["labels"]) == ("node", 2, ["Employee"])
    assert person["properties"]["name"]["unique"] is True
    assert person["relationships"]["KNOWS"]["labels"] == ["Employee", "Person"]
    assert value["KNOWS"]["type"] == "relationship"


async def test_schema_nodes_gives_size_and_selectivity(memory: Memory, graph: str) -> None:
    await memory.cypher(graph, "CREATE (:Company {name: 'Acme'}), (:Company {name: 'Bolt'})",
                        mode="write")  # fmt: skip
    result = await memory.cypher(graph, INDEX_QUERY)
    rows = [dict(zip(result.columns, r, strict=True)) for r in result.rows]
    assert rows == [{"label": "Company", "properties": ["name"], "size": 3, "type": "RANGE",
                     "valuesSelectivity": pytest.approx(2 / 3),
                     "distinctValues": pytest.approx(2.0)}]  # fmt: skip
    every = await memory.cypher(graph, "CALL apoc.schema.nodes() YIELD name, type RETURN *")
    assert sorted(every.rows) == [["company_name", "RANGE"], ["person_name", "UNIQUENESS"]]
    distinct = await memory.cypher(graph, "CALL apoc.schema.properties.distinct('Company', 'name')")
    assert sorted(distinct.rows[0][0]) == ["Acme", "Bolt"]


async def test_db_schema_type_properties(memory: Memory, graph: str) -> None:
    nodes = await memory.cypher(graph, "CALL db.schema.nodeTypeProperties()")
    assert nodes.columns == ["nodeType", "nodeLabels", "propertyName", "propertyTypes", "mandatory"]
    assert [":`Employee`:`Person`", ["Employee", "Person"], "tags", ["StringArray"], True] in (
        nodes.rows)  # fmt: skip
    assert [":`Person`", ["Person"], "age", ["Long"], True] in nodes.rows
    rels = await memory.cypher(graph, "CALL db.schema.relTypeProperties()")
    assert rels.columns == ["relType", "propertyName", "propertyTypes", "mandatory"]
    assert sorted(rels.rows) == [[":`KNOWS`", "since", ["Long"], True],
                                 [":`WORKS_AT`", None, None, False]]  # fmt: skip


async def test_an_empty_namespace_has_no_rows(memory: Memory, namespace: str) -> None:
    assert (await memory.cypher(namespace, "CALL apoc.meta.data()")).rows == []
    assert (await memory.cypher(namespace, COUNTS)).rows == [[[], []]]
    assert (await memory.cypher(namespace, INDEX_QUERY)).rows == []


async def test_temporal_and_point_properties_are_typed_as_apoc_and_neo4j_name_them(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace,
        "CREATE (:Event {on: date('2024-06-01'), at: datetime('2024-06-01T10:00:00Z'), "
        "local: localdatetime('2024-06-01T10:00:00'), t: time('10:00:00+01:00'), "
        "took: duration('PT5M'), where: point({x: 1.0, y: 2.0}), label: 'x'})",
        mode="write",
    )
    result = await memory.cypher(
        namespace, "CALL apoc.meta.data() YIELD property, type RETURN property, type"
    )
    assert dict(result.rows) == {
        "on": "DATE", "at": "DATE_TIME", "local": "LOCAL_DATE_TIME", "t": "TIME",
        "took": "DURATION", "where": "POINT", "label": "STRING"}  # fmt: skip
    typed = await memory.cypher(
        namespace,
        "CALL db.schema.nodeTypeProperties() YIELD propertyName, propertyTypes "
        "RETURN propertyName, propertyTypes",
    )
    assert dict(typed.rows) == {
        "on": ["Date"], "at": ["DateTime"], "local": ["LocalDateTime"], "t": ["Time"],
        "took": ["Duration"], "where": ["Point"], "label": ["String"]}  # fmt: skip
