"""Every door of a write meets the constraints: REST entity writes (409
problem+json), Bolt (Neo4j's status code), bulk imports."""

import json
from pathlib import Path

import httpx
import neo4j
import pytest

from kgmem import Memory
from kgmem.io.loader import ImportOptions
from kgmem.model import EntityWrite
from kgmem.neo4j_schema.errors import ConstraintViolation
from tests.fixtures.bolt import Bolt
from tests.neo4j_schema.constraint_helpers import declare, unique
from tests.server.test_entities_api import assert_problem


async def test_rest_entity_writes_meet_a_uniqueness_constraint(
    memory: Memory, namespace: str, client: httpx.AsyncClient
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("b1", "Book", {"isbn": "1"}))
    await declare(memory, namespace, unique("Book", "isbn", name="book_isbn"))
    with pytest.raises(ConstraintViolation, match="property `isbn` = '1'"):
        await memory.upsert_entity(namespace, EntityWrite("b2", "Book", {"isbn": "1"}))
    url = f"/v1/namespaces/{namespace}/entities/b3"
    refused = await client.put(url, json={"label": "Book", "properties": {"isbn": "1"}})
    body = assert_problem(refused, 409, "constraint_validation_failed")
    assert "already exists with label `Book` and property `isbn` = '1'" in body["detail"]
    made = await client.put(url, json={"label": "Book", "properties": {"isbn": "2"}})
    assert made.status_code in (200, 201), made.text
    # the same entity written again keeps its own value
    await memory.upsert_entity(namespace, EntityWrite("b1", "Book", {"isbn": "1", "n": 2}))
    await memory.upsert_entity(namespace, EntityWrite("b4", "Other", {"isbn": "1"}))
    with pytest.raises(ConstraintViolation):  # a REST relabel moves it into Book's table
        await memory.upsert_entity(namespace, EntityWrite("b4", "Book", {"isbn": "1"}))


async def test_bolt_answers_neo4j_constraint_validation_failed(bolt: Bolt) -> None:
    await bolt.memory.cypher("alpha", "CREATE (:Book {isbn: '1'})", mode="write")
    await declare(bolt.memory, "alpha", unique("Book", "isbn"))
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        with pytest.raises(neo4j.exceptions.ConstraintError) as caught:
            await (await session.run("CREATE (:Book {isbn: $i})", i="1")).consume()
        assert caught.value.code == "Neo.ClientError.Schema.ConstraintValidationFailed"
        assert "already exists with label `Book` and property `isbn` = '1'" in str(
            caught.value.message
        )
        await (await session.run("CREATE (:Book {isbn: $i})", i="2")).consume()


async def test_a_bulk_import_cannot_slip_a_duplicate_in(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("b1", "Book", {"isbn": "1"}))
    await declare(memory, namespace, unique("Book", "isbn"))
    path = tmp_path / "books.jsonl"
    records = [
        {"kind": "vertex", "uid": f"i{n}", "label": "Book", "properties": {"isbn": isbn}}
        for n, isbn in enumerate(["5", "1", "6", "6"])
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(ConstraintViolation, match="property `isbn` = '1'"):
        await memory.import_file(namespace, path, ImportOptions(format="jsonl"))
    rows = await memory.cypher(namespace, "MATCH (b:Book) RETURN b.isbn AS i, count(*) AS n")
    assert all(n == 1 for _, n in rows.rows), rows.rows
