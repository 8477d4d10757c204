"""Uniqueness constraints: enforced on Cypher CREATE, MERGE, SET and SQL writes, across
composite labels, checked against existing data at creation."""

import pytest

from kgmem import Memory
from kgmem.errors import ConstraintCreationFailed, ConstraintViolation

from tests.neo4j_schema.constraint_helpers import declare, undeclare, unique


async def _count(memory: Memory, namespace: str, query: str) -> int:
    result = await memory.cypher(namespace, query)
    return int(result.rows[0][0])


async def test_a_second_node_with_the_same_value_is_refused(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, "CREATE (:Book {isbn: '1'})", mode="write")
    await declare(memory, namespace, unique("Book", "isbn", name="book_isbn"))
    with pytest.raises(ConstraintViolation) as caught:
        await memory.cypher(namespace, "CREATE (:Book {isbn: '1'})", mode="write")
    assert "already exists with label `Book` and property `isbn` = '1'" in caught.value.detail
    assert caught.value.code == "constraint_validation_failed"
    assert caught.value.extra["constraint"] == "book_isbn"
    await memory.cypher(namespace, "MERGE (:Book {isbn: '1'})", mode="write")
    await memory.cypher(namespace, "CREATE (:Book {isbn: '2'}), (:Book {title: 'x'})", mode="write")
    with pytest.raises(ConstraintViolation):
        await memory.cypher(namespace, "MATCH (b:Book {isbn: '2'}) SET b.isbn = '1'", mode="write")
    assert await _count(memory, namespace, "MATCH (b:Book) RETURN count(b)") == 3
