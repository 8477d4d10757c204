"""Uniqueness constraints: enforced on Cypher CREATE, MERGE, SET, relabels and SQL
writes, across composite labels, on relationships, checked against existing data at
creation, gone once dropped."""

import asyncpg
import pytest

from kgmem import Memory
from kgmem.neo4j_schema.constraints import ConstraintHandler
from kgmem.neo4j_schema.errors import ConstraintViolation
from kgmem.neo4j_schema.model import Constraint
from tests.neo4j_schema.constraint_helpers import declare, ref, undeclare, unique


async def _count(memory: Memory, namespace: str, query: str) -> int:
    result = await memory.cypher(namespace, query)
    return int(result.rows[0][0])


async def _write(memory: Memory, namespace: str, query: str) -> None:
    await memory.cypher(namespace, query, mode="write")


async def test_a_second_node_with_the_same_value_is_refused(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE (:Book {isbn: '1'})")
    await declare(memory, namespace, unique("Book", "isbn", name="book_isbn"))
    with pytest.raises(ConstraintViolation) as caught:
        await _write(memory, namespace, "CREATE (:Book {isbn: '1'})")
    assert "already exists with label `Book` and property `isbn` = '1'" in caught.value.detail
    assert caught.value.detail.startswith("Node(")
    assert caught.value.code == "constraint_validation_failed"
    assert caught.value.extra["constraint"] == "book_isbn"
    await _write(memory, namespace, "MERGE (:Book {isbn: '1'})")
    await _write(memory, namespace, "UNWIND ['3', '3'] AS i MERGE (:Book {isbn: i})")
    await _write(memory, namespace, "CREATE (:Book {isbn: '2'}), (:Book {title: 'x'})")
    await _write(memory, namespace, "CREATE (:Book {title: 'y'})")  # missing: not concerned
    with pytest.raises(ConstraintViolation):
        await _write(memory, namespace, "MATCH (b:Book {isbn: '2'}) SET b.isbn = '1'")
    with pytest.raises(ConstraintViolation):
        await _write(memory, namespace, "MATCH (b:Book {title: 'x'}) SET b += {isbn: '3'}")
    with pytest.raises(ConstraintViolation):  # two of one statement
        await _write(memory, namespace, "CREATE (:Book {isbn: '9'}), (:Book {isbn: '9'})")
    with pytest.raises(ConstraintViolation):  # numbers compare by value, as Neo4j's do
        await _write(memory, namespace, "CREATE (:Book {isbn: 4}), (:Book {isbn: 4.0})")
    assert await _count(memory, namespace, "MATCH (b:Book) RETURN count(b)") == 5


async def test_sql_writes_into_the_label_tables_are_checked(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await _write(memory, namespace, "CREATE (:Book {isbn: '1'}), (:Book:Old {isbn: '2'})")
    await declare(memory, namespace, unique("Book", "isbn"))
    for table in ("Book", "__kgmem_L_Book_sOld"):
        for isbn in ("1", "2"):
            with pytest.raises(asyncpg.UniqueViolationError, match="already exists"):
                await raw_conn.execute(
                    f'INSERT INTO "{namespace}"."{table}" (properties) '
                    f'VALUES (\'{{"isbn": "{isbn}"}}\')'
                )
    await raw_conn.execute(
        f'INSERT INTO "{namespace}"."Book" (properties) VALUES (\'{{"isbn": "3"}}\')'
    )


async def test_composite_labels_are_checked_against_the_label_and_back(
    memory: Memory, namespace: str
) -> None:
    await _write(memory, namespace, "CREATE (:A {k: 1}), (:A:B {k: 2}), (:B {k: 3})")
    await declare(memory, namespace, unique("A", "k"))
    with pytest.raises(ConstraintViolation):
        await _write(memory, namespace, "CREATE (:A:B {k: 1})")  # against an A-only node
    with pytest.raises(ConstraintViolation):
        await _write(memory, namespace, "CREATE (:A {k: 2})")  # against an A:B node
    with pytest.raises(ConstraintViolation):
        await _write(memory, namespace, "MATCH (n:A {k: 1}) SET n.k = 2")
    await _write(memory, namespace, "CREATE (:B {k: 1})")  # B is not constrained
    with pytest.raises(ConstraintViolation):  # a relabel moves the row into A's tables
        await _write(memory, namespace, "MATCH (n:B {k: 1}) SET n:A")
    await _write(memory, namespace, "MATCH (n:A {k: 2}) REMOVE n:B")  # moves, keeps its value
    await _write(memory, namespace, "MATCH (n:A {k: 2}) SET n:B")
    await _write(memory, namespace, "MATCH (n:B {k: 3}) SET n:A")
    assert await _count(memory, namespace, "MATCH (n:A) RETURN count(n)") == 3


async def test_a_composite_table_made_after_the_constraint_gets_it_before_inheriting(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await _write(memory, namespace, "CREATE (:A {k: 1}), (:C)")
    c = unique("A", "k")
    await declare(memory, namespace, c)
    ns = await ref(raw_conn, namespace)
    async with raw_conn.transaction():
        await raw_conn.execute(f"SELECT ag_catalog.create_vlabel('{namespace}', 'AC')")
        await ConstraintHandler().extend(raw_conn, ns, c, "AC")
        await raw_conn.execute(f'ALTER TABLE "{namespace}"."AC" INHERIT "{namespace}"."A"')
    with pytest.raises(asyncpg.UniqueViolationError, match="`k` = 1"):
        await raw_conn.execute(
            f'INSERT INTO "{namespace}"."AC" (properties) VALUES (\'{{"k": 1}}\')'
        )
    await undeclare(memory, namespace, c)
    await raw_conn.execute(f'INSERT INTO "{namespace}"."AC" (properties) VALUES (\'{{"k": 1}}\')')


async def test_existing_duplicates_fail_the_creation_and_leave_nothing(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await _write(memory, namespace, "CREATE (:P {e: 'a@x'}), (:P:Q {e: 'a@x'}), (:P {e: 'b'})")
    before = await _objects(raw_conn, namespace)
    with pytest.raises(ConstraintViolation) as caught:
        await declare(memory, namespace, unique("P", "e", name="p_e"))
    assert "Unable to create constraint `p_e`" in caught.value.detail
    assert "`e` = 'a@x'" in caught.value.detail
    assert await _objects(raw_conn, namespace) == before
    await _write(memory, namespace, "CREATE (:P {e: 'b'})")


async def _objects(conn: asyncpg.Connection, namespace: str) -> list[str]:
    """Every index and CHECK in the namespace's schema."""
    rows = await conn.fetch(
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = $1 "
        "UNION ALL SELECT conname::text FROM pg_constraint c JOIN pg_namespace n "
        "ON n.oid = c.connamespace WHERE n.nspname = $1 AND c.contype = 'c' ORDER BY 1",
        namespace,
    )
    return [r[0] for r in rows]


async def test_composite_properties_are_unique_together(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE (:Actor {first: 'Keanu', last: 'Reeves'})")
    await declare(memory, namespace, unique("Actor", "first", "last"))
    await _write(memory, namespace, "CREATE (:Actor {first: 'Keanu', last: 'Other'})")
    await _write(memory, namespace, "CREATE (:Actor {first: 'Keanu'})")
    with pytest.raises(ConstraintViolation) as caught:
        await _write(memory, namespace, "CREATE (:Actor {first: 'Keanu', last: 'Reeves'})")
    assert "and properties `first` = 'Keanu', `last` = 'Reeves'" in caught.value.detail


async def test_relationship_uniqueness(memory: Memory, namespace: str) -> None:
    await _write(memory, namespace, "CREATE (:N)-[:R {k: 1}]->(:N)")
    c = Constraint(
        name="r_k", type="UNIQUENESS", entity="RELATIONSHIP", label="R", properties=("k",)
    )
    await declare(memory, namespace, c)
    with pytest.raises(ConstraintViolation) as caught:
        await _write(memory, namespace, "CREATE (:N)-[:R {k: 1}]->(:N)")
    assert caught.value.detail.startswith("Relationship(")
    assert "already exists with type `R` and property `k` = 1" in caught.value.detail
    await _write(memory, namespace, "CREATE (:N)-[:R {k: 2}]->(:N)")
    with pytest.raises(ConstraintViolation):
        await _write(memory, namespace, "MATCH ()-[r:R {k: 2}]->() SET r.k = 1")


async def test_a_dropped_constraint_no_longer_refuses(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await _write(memory, namespace, "CREATE (:Book {isbn: '1'}), (:Book:Old {isbn: '2'})")
    before = await _objects(raw_conn, namespace)
    c = unique("Book", "isbn")
    await declare(memory, namespace, c)
    assert len(await _objects(raw_conn, namespace)) == len(before) + 4  # index and CHECK per table
    await undeclare(memory, namespace, c)
    assert await _objects(raw_conn, namespace) == before
    await _write(memory, namespace, "CREATE (:Book {isbn: '1'}), (:Book {isbn: '2'})")
