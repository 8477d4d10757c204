"""Schema statements through ``Memory.cypher`` and its transactions: CREATE / DROP of
range, text and point indexes, SHOW, the errors Neo4j gives, the plans that use them."""

from __future__ import annotations

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import (
    CypherPermissionDenied,
    CypherSyntaxError,
    KgmemError,
    LimitExceeded,
    ProcedureFailed,
)
from kgmem.neo4j_schema.errors import (
    ConstraintNotFound,
    IndexNameTaken,
    IndexNotFound,
    IndexOwnedByConstraint,
    SchemaRuleExists,
)
from tests.cypher.hostile import corpus


async def _write(memory: Memory, ns: str, query: str, **params: object) -> list[list[object]]:
    result = await memory.cypher(ns, query, params, mode="write")
    return result.rows


async def _plan(memory: Memory, ns: str, query: str) -> str:
    return "\n".join(await memory.explain_cypher(ns, query, {"x": 3}))


async def _pg_indexes(memory: Memory, ns: str) -> list[str]:
    rows = await memory.read_sql(
        ns,
        "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename <> '_kg_declared'",
        [ns],
    )
    return [r[0] for r in rows]


async def test_create_index_answers_nothing_and_show_lists_it(
    memory: Memory, namespace: str
) -> None:
    result = await memory.cypher(
        namespace, "CREATE INDEX person_name FOR (n:Person) ON (n.name)", mode="write"
    )
    assert (result.columns, result.rows) == ([], [])
    shown = await memory.cypher(
        namespace,
        "SHOW INDEXES YIELD name, type, labelsOrTypes, properties, state, owningConstraint "
        "WHERE name = 'person_name'",
    )
    assert shown.columns == [
        "name",
        "type",
        "labelsOrTypes",
        "properties",
        "state",
        "owningConstraint",
    ]
    assert shown.rows == [["person_name", "RANGE", ["Person"], ["name"], "ONLINE", None]]


async def test_show_indexes_default_columns_and_builtins(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE TEXT INDEX `doc_body` FOR (n:`Doc`) ON (n.`body`)")
    shown = await memory.cypher(namespace, "SHOW INDEXES")
    assert shown.columns == [
        "id",
        "name",
        "state",
        "populationPercent",
        "type",
        "entityType",
        "labelsOrTypes",
        "properties",
        "indexProvider",
        "owningConstraint",
        "lastRead",
        "readCount",
    ]
    by_name = {row[1]: row for row in shown.rows}
    assert by_name["doc_body"][4] == "TEXT"
    assert by_name["index_343aff4e"][4:6] == ["LOOKUP", "NODE"]
    # kgmem's own uid index is no declared one: not listed, so no client tries to drop it
    assert not [name for name in by_name if name.startswith("kgmem_uid_")]
    every = await memory.cypher(namespace, "SHOW TEXT INDEXES YIELD *")
    assert len(every.columns) == 16
    assert [row[1] for row in every.rows] == ["doc_body"]
    assert every.rows[0][-1] == "CREATE TEXT INDEX `doc_body` FOR (n:`Doc`) ON (n.`body`)"
    commented = await memory.cypher(namespace, "// which?\nSHOW TEXT INDEXES YIELD name")
    assert commented.rows == [["doc_body"]]
    counted = await memory.cypher(
        namespace, "SHOW INDEXES YIELD name, type WHERE type = 'LOOKUP' RETURN count(*) AS n"
    )
    assert counted.rows == [[2]]


async def test_index_is_built_on_every_table_of_the_label(memory: Memory, namespace: str) -> None:
    # Enough rows that an index beats reading the table.
    await _write(memory, namespace, "UNWIND range(1, 3000) AS i CREATE (:P:Q {x: i}), (:P {x: i})")
    await _write(memory, namespace, "CREATE INDEX p_x FOR (n:P) ON (n.x)")
    # a composite table made after the index: the index is built on it too
    await _write(memory, namespace, "UNWIND range(1, 3000) AS i CREATE (:P:R {x: i})")
    plan = await _plan(memory, namespace, "MATCH (n:P) WHERE n.x = $x RETURN n")
    assert "Seq Scan" not in plan, plan
    assert plan.count("Index Scan") + plan.count("Bitmap Index Scan") >= 3, plan
    ranged = await _plan(memory, namespace, "MATCH (n:P) WHERE n.x > 1 AND n.x < 5 RETURN n")
    assert "Seq Scan" not in ranged, ranged


async def test_composite_index_on_relationships(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE INDEX r_ab FOR ()-[r:R]->() ON (r.a, r.b)")
    await _write(memory, namespace, "CREATE (:A)-[:R {a: 1, b: 2}]->(:B)")
    plan = await _plan(memory, namespace, "MATCH ()-[r:R]->() WHERE r.a = 1 AND r.b = 2 RETURN r")
    assert 'Seq Scan on "R"' not in plan, plan
    rows = await memory.cypher(
        namespace, "SHOW RANGE INDEXES YIELD name, entityType, properties WHERE name = 'r_ab'"
    )
    assert rows.rows == [["r_ab", "RELATIONSHIP", ["a", "b"]]]


async def test_neo4j_errors_for_names_and_equivalents(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE INDEX i FOR (n:L) ON (n.p)")
    with pytest.raises(IndexNameTaken):
        await _write(memory, namespace, "CREATE INDEX i FOR (n:L) ON (n.q)")
    with pytest.raises(SchemaRuleExists, match="equivalent"):
        await _write(memory, namespace, "CREATE INDEX j FOR (n:L) ON (n.p)")
    with pytest.raises(SchemaRuleExists, match="equivalent") as again:
        await _write(memory, namespace, "CREATE INDEX i FOR (n:L) ON (n.p)")
    assert not isinstance(again.value, IndexNameTaken)  # the same rule declared again
    await _write(memory, namespace, "CREATE INDEX j IF NOT EXISTS FOR (n:L) ON (n.p)")
    await _write(memory, namespace, "CREATE INDEX i IF NOT EXISTS FOR (n:L) ON (n.q)")
    with pytest.raises(IndexNotFound):
        await _write(memory, namespace, "DROP INDEX nope")
    with pytest.raises(ConstraintNotFound):
        await _write(memory, namespace, "DROP CONSTRAINT i")
    await _write(memory, namespace, "DROP INDEX nope IF EXISTS")
    shown = await memory.cypher(namespace, "SHOW INDEXES YIELD name WHERE name IN ['i', 'j']")
    assert shown.rows == [["i"]]


@pytest.mark.parametrize("kind", ["IS UNIQUE", "IS NODE KEY"])
async def test_drop_index_of_a_constraints_own_index_is_refused(
    memory: Memory, namespace: str, kind: str
) -> None:
    await _write(memory, namespace, f"CREATE CONSTRAINT c FOR (n:L) REQUIRE n.p {kind}")
    for query in ("DROP INDEX c", "DROP INDEX c IF EXISTS"):  # as Neo4j: IF EXISTS too
        with pytest.raises(IndexOwnedByConstraint) as caught:
            await _write(memory, namespace, query)
        assert caught.value.detail == "Unable to drop index: Index belongs to constraint: `c`"
    shown = await memory.cypher(namespace, "SHOW INDEXES YIELD name, owningConstraint")
    assert ["c", "c"] in shown.rows  # index and constraint both kept
    await _write(memory, namespace, "DROP CONSTRAINT c")
    with pytest.raises(IndexNotFound):  # its index went with it
        await _write(memory, namespace, "DROP INDEX c")


async def test_drop_index_of_a_constraint_without_an_index_is_no_such_index(
    memory: Memory, namespace: str
) -> None:
    await _write(memory, namespace, "CREATE CONSTRAINT e FOR (n:L) REQUIRE n.p IS NOT NULL")
    with pytest.raises(IndexNotFound):
        await _write(memory, namespace, "DROP INDEX e")
    await _write(memory, namespace, "DROP INDEX e IF EXISTS")


async def test_drop_removes_the_postgres_indexes(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE (:P:Q {x: 1})")
    before = set(await _pg_indexes(memory, namespace))
    await _write(memory, namespace, "CREATE POINT INDEX pt FOR (n:P) ON (n.x)")
    built = set(await _pg_indexes(memory, namespace)) - before
    assert len(built) == 2 and all(name.startswith("kgd_") for name in built)
    await _write(memory, namespace, "DROP INDEX pt")
    assert set(await _pg_indexes(memory, namespace)) == before


async def test_schema_changes_need_write_mode(memory: Memory, namespace: str) -> None:
    with pytest.raises(CypherPermissionDenied):
        await memory.cypher(namespace, "CREATE INDEX i FOR (n:L) ON (n.p)")
    with pytest.raises(CypherPermissionDenied):
        await memory.cypher(namespace, "DROP INDEX i IF EXISTS")
    async with memory.cypher_transaction(namespace, "read") as run:
        from kgmem.graph.cypher import CypherRequest

        with pytest.raises(CypherPermissionDenied):
            await run(CypherRequest(query="CREATE INDEX i FOR (n:L) ON (n.p)", params={}))


async def test_transactions_create_and_roll_back(memory: Memory, namespace: str) -> None:
    from kgmem.graph.cypher import CypherRequest

    async def rolled_back() -> None:
        async with memory.cypher_transaction(namespace, "write") as run:
            await run(
                CypherRequest(query="CREATE INDEX gone FOR (n:L) ON (n.p)", params={}, mode="write")
            )
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        await rolled_back()
    async with memory.cypher_transaction(namespace, "write") as run:
        await run(
            CypherRequest(query="CREATE INDEX kept FOR (n:L) ON (n.p)", params={}, mode="write")
        )
    shown = await memory.cypher(namespace, "SHOW INDEXES YIELD name WHERE name IN ['gone', 'kept']")
    assert shown.rows == [["kept"]]


async def test_explain_of_a_schema_statement_runs_nothing(memory: Memory, namespace: str) -> None:
    result = await memory.cypher(
        namespace, "EXPLAIN CREATE INDEX e FOR (n:L) ON (n.p)", mode="write"
    )
    assert result.columns == ["plan"]
    shown = await memory.cypher(namespace, "SHOW INDEXES YIELD name WHERE name = 'e'")
    assert shown.rows == []
    with pytest.raises(CypherSyntaxError):
        await memory.cypher(namespace, "EXPLAIN CREATE INDEX FOR (n:L) ON n.p", mode="write")


async def test_await_indexes(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE INDEX w FOR (n:L) ON (n.p)")
    assert (await memory.cypher(namespace, "CALL db.awaitIndexes(10)")).rows == []
    assert (await memory.cypher(namespace, "CALL db.awaitIndex('w')")).rows == []
    with pytest.raises(ProcedureFailed, match="No such index"):
        await memory.cypher(namespace, "CALL db.awaitIndex('nope', 5)")


async def test_id_lookups_use_an_index_on_every_label_table(
    memory: Memory, namespace: str, pg_url: str
) -> None:
    # A type AGE makes itself in a CREATE has only AGE's indexes; one a schema statement
    # (or kgmem's label catalogue) makes has kgmem's too.
    await _write(memory, namespace, "CREATE INDEX r_i FOR ()-[r:R]-() ON (r.i)")
    await _write(
        memory,
        namespace,
        "UNWIND range(1, 2000) AS i CREATE (:P {x: i})-[:R {i: i}]->(:P:Q {x: i})",
    )
    found = await memory.cypher(namespace, "MATCH (n:P:Q {x: 7}) RETURN id(n)")
    node = found.rows[0][0]
    plan = "\n".join(
        await memory.explain_cypher(namespace, f"MATCH (n) WHERE id(n) = {node} RETURN n")
    )
    assert 'Seq Scan on "P"' not in plan and "kgmem_id_" in plan, plan
    edge = (await memory.cypher(namespace, "MATCH ()-[r:R {i: 7}]->() RETURN id(r)")).rows[0][0]
    # Until R is analysed the planner guesses 10 matches and joins on end_id first.
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(f'ANALYZE "{namespace}"."R"')
    finally:
        await conn.close()
    plan = "\n".join(
        await memory.explain_cypher(namespace, f"MATCH ()-[r:R]->() WHERE id(r) = {edge} RETURN r")
    )
    assert 'Seq Scan on "R"' not in plan and "kgmem_id_" in plan, plan
    again = await memory.cypher(namespace, f"MATCH (n) WHERE id(n) = {node} RETURN n.x")
    assert again.rows == [[7]]


async def test_hostile_schema_statements_are_refused_before_any_work(
    memory: Memory, namespace: str
) -> None:
    for _, query, _ in [
        shape
        for shape in corpus()
        if "schema" in shape[0] or "SHOW" in shape[0] or "index" in shape[0]
    ]:
        with pytest.raises(KgmemError) as refused:
            await memory.cypher(namespace, query, mode="write")
        assert isinstance(refused.value, (LimitExceeded, CypherSyntaxError)), refused.value
