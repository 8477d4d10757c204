"""The procedures graph tools call when they connect, answered by kgmem over Bolt."""

import neo4j
import pytest
from neo4j.exceptions import ClientError

from kgmem.memory.procedures import NAMES
from kgmem.procedures import builtin, table
from tests.fixtures.bolt import Bolt
from tests.server.test_cypher_procedures import BROWSER, called


@pytest.fixture
async def filled(bolt: Bolt) -> Bolt:
    await bolt.memory.cypher(
        "alpha",
        "CREATE (:Person {name: 'Ann', age: 3})-[:KNOWS {since: 1}]->(:City {name: 'Oslo'})",
        mode="write",
    )
    return bolt


async def _column(driver: neo4j.AsyncDriver, query: str, db: str = "alpha") -> list[object]:
    records, _, _ = await driver.execute_query(query, database_=db)
    return [r[0] for r in records]


async def test_labels_types_and_property_keys(filled: Bolt) -> None:
    async with filled.driver() as driver:
        assert await _column(driver, "CALL db.labels()") == ["City", "Person"]
        assert await _column(driver, "CALL db.relationshipTypes()") == ["KNOWS"]
        assert await _column(driver, "CALL db.propertyKeys() YIELD propertyKey") == [
            "age", "name", "since"
        ]  # fmt: skip


async def test_schema_visualization_is_a_graph_of_labels(filled: Bolt) -> None:
    async with filled.driver() as driver:
        records, _, _ = await driver.execute_query(
            "CALL db.schema.visualization()", database_="alpha"
        )
    nodes, rels = records[0]["nodes"], records[0]["relationships"]
    assert sorted(n["name"] for n in nodes) == ["City", "Person"]
    assert [(r.start_node["name"], r.type, r.end_node["name"]) for r in rels] == [
        ("Person", "KNOWS", "City")
    ]


async def test_components_and_databases_the_key_may_see(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        records, _, _ = await driver.execute_query("CALL dbms.components()", database_="system")
        names = await _column(driver, "SHOW DATABASES", "system")
    assert records[0]["name"] == "Neo4j Kernel" and records[1]["name"] == "kgmem"
    assert {"alpha", "beta", "default"} <= set(names)
    async with bolt.driver(bolt.alpha_only) as driver:
        assert await _column(driver, "SHOW DATABASES", "system") == ["alpha"]
        with pytest.raises(ClientError):
            await driver.execute_query("CALL db.labels()", database_="beta")


async def test_other_procedures_are_refused_clearly(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        with pytest.raises(ClientError) as caught:
            await driver.execute_query("CALL apoc.export.csv.all()", database_="alpha")
        with pytest.raises(ClientError) as yielded:
            await driver.execute_query("CALL db.labels() YIELD nope", database_="alpha")
    assert "not available" in caught.value.message
    assert yielded.value.code == "Neo.ClientError.Statement.SemanticError"


async def test_the_neo4j_browser_statement_through_the_driver(filled: Bolt) -> None:
    async with filled.driver() as driver:
        records, _, _ = await driver.execute_query(BROWSER, database_="alpha")
    assert [(r["result"]["name"], sorted(r["result"]["data"])) for r in records] == [
        ("labels", ["City", "Person"]),
        ("relationshipTypes", ["KNOWS"]),
        ("propertyKeys", ["age", "name", "since"]),
    ]


async def test_yield_aliases_where_and_aggregation_in_a_transaction(filled: Bolt) -> None:
    async with (
        filled.driver() as driver,
        driver.session(database="alpha") as session,
        await session.begin_transaction() as tx,
    ):
        found = await tx.run(
            "CALL db.labels() YIELD label AS l WHERE l <> 'City' RETURN l, size(l) AS n"
        )
        rows = [r.values() async for r in found]
        counted = await tx.run("CALL db.propertyKeys() YIELD propertyKey RETURN count(*) AS n")
        [total] = [r["n"] async for r in counted]
    assert rows == [["Person", 6]] and total == 3


async def test_an_unknown_procedure_inside_a_query_is_a_client_error(filled: Bolt) -> None:
    async with filled.driver() as driver:
        with pytest.raises(ClientError) as caught:
            await driver.execute_query(
                "CALL apoc.nope.schema() YIELD value RETURN value", database_="alpha"
            )
    assert "not available" in caught.value.message
    assert caught.value.code.startswith("Neo.ClientError.")


# Those that need arguments (the vector procedures need an index too: tests/neo4j_schema)
# or write (APOC's writes: tests/procedures/test_apoc_writes.py) are tested apart.
ANSWERED = [
    p.name
    for p in builtin.registry("")
    if p.mode == "read" and all(a.optional for a in p.arguments)
]


async def _refused(driver: neo4j.AsyncDriver, query: str) -> list[str]:
    """The status codes of ``query`` on a database that is no namespace: auto-commit
    (``session.run``), a managed transaction (``execute_query``), an explicit one."""
    codes = []
    with pytest.raises(ClientError) as auto:
        async with driver.session(database="nosuchns") as session:
            await (await session.run(query)).consume()
    codes.append(auto.value.code)
    with pytest.raises(ClientError) as managed:
        await driver.execute_query(query, database_="nosuchns")
    codes.append(managed.value.code)
    with pytest.raises(ClientError) as explicit:
        await _in_a_transaction(driver, query)
    codes.append(explicit.value.code)
    return codes


async def _in_a_transaction(driver: neo4j.AsyncDriver, query: str) -> None:
    async with driver.session(database="nosuchns") as session:
        tx = await session.begin_transaction()
        await (await tx.run(query)).consume()


# Built-ins with no rows on a namespace without declarations: none to list, or void.
ROWLESS = frozenset({"kgmem.schema.showConstraints", "db.awaitIndexes", "db.awaitIndex",
                     "apoc.schema.nodes", "apoc.schema.relationships"})  # fmt: skip


async def test_every_procedure_on_a_database_that_is_no_namespace_is_not_found(
    filled: Bolt,
) -> None:
    """As a plain query there: DatabaseNotFound however it is sent; the system database
    and a namespace still answer them."""
    async with filled.driver() as driver:
        plain = await _refused(driver, "MATCH (n) RETURN n")
        assert plain == ["Neo.ClientError.Database.DatabaseNotFound"] * 3
        for name in ANSWERED:
            counted = called("CALL {name}() YIELD {column} RETURN count(*) AS n", name)
            for query in (called("CALL {name}()", name), counted):
                assert await _refused(driver, query) == plain, query
            if name not in ROWLESS:
                assert await _column(driver, f"CALL {name}()"), name  # rows on a namespace
        records, _, _ = await driver.execute_query("CALL dbms.components()", database_="system")
        assert records[1]["name"] == "kgmem"


async def test_registered_procedures_are_listed_and_called_with_parameters(bolt: Bolt) -> None:
    declared = table(
        "test.my.proc(name :: STRING?, id = 1 :: INTEGER?) :: (city :: STRING?)",
        [["Stefan", 1, "Berlin"], ["Stefan", 2, "München"]],
        description="Where people live.",
    )
    with bolt.memory.procedures.registered(declared):
        async with bolt.driver() as driver:
            shown, _, _ = await driver.execute_query(
                "SHOW PROCEDURES YIELD name, signature, description, mode", database_="alpha"
            )
            implicit, _, _ = await driver.execute_query(
                "CALL test.my.proc", {"name": "Stefan", "id": 2}, database_="alpha"
            )
            inner, _, _ = await driver.execute_query(
                "UNWIND [1, 2] AS x CALL test.my.proc($n) YIELD city RETURN x, city",
                {"n": "Stefan"},
                database_="alpha",
            )
            with pytest.raises(ClientError) as wrong:
                await driver.execute_query("CALL test.my.proc(1)", database_="alpha")
    listed = {r["name"]: r for r in shown}
    assert listed["test.my.proc"]["signature"] == (
        "test.my.proc(name :: STRING?, id = 1 :: INTEGER?) :: (city :: STRING?)"
    )
    assert listed["test.my.proc"]["description"] == "Where people live."
    assert listed["test.my.proc"]["mode"] == "READ"
    assert set(NAMES) <= set(listed)
    assert [r.values() for r in implicit] == [["München"]]
    assert [r.values() for r in inner] == [[1, "Berlin"], [2, "Berlin"]]
    assert wrong.value.code == "Neo.ClientError.Statement.SemanticError"


async def test_names_the_graph_cannot_hold_as_they_are_round_trip(bolt: Bolt) -> None:
    rows = [{"s": "a", "t": "b", "type": "Works at"}, {"s": "a", "t": "c", "type": "Big Co"}]
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        made = await session.run(
            "UNWIND $rows AS row MERGE (s {id: row.s}) MERGE (t {id: row.t}) WITH s, t, row "
            "CALL apoc.merge.relationship(s, row.type, {}, {}, t) YIELD rel RETURN count(rel)",
            rows=rows,
        )
        assert (await made.single()) is not None
        await (
            await session.run(
                "MATCH (n {id: 'b'}) SET n:`My Label` WITH n "
                "CALL apoc.merge.node(['Has space', 'Person'], {id: 'd'}) YIELD node "
                "RETURN node"
            )
        ).consume()
        read = await session.run(
            "MATCH p = (s {id: 'a'})-[r:`Works at`]->(t:`My Label`) "
            "RETURN r, t, type(r) AS kind, labels(t) AS labels, p"
        )
        record = await read.single()
        labels = await (await session.run("CALL db.labels()")).values()
        types = await (await session.run("CALL db.relationshipTypes()")).values()
    assert record is not None
    assert record["r"].type == "Works at" and record["kind"] == "Works at"
    assert record["t"].labels == {"My Label"} and record["labels"] == ["My Label"]
    assert [r.type for r in record["p"].relationships] == ["Works at"]
    assert labels == [["Has space"], ["My Label"], ["Person"]]
    assert types == [["Big Co"], ["Works at"]]
