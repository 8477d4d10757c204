"""A namespace's constraints come back with its backup, under its own name or another:
the restored copy refuses duplicates against its own nodes only, and its composite
labels still carry the CHECK."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kgmem.neo4j_schema.errors import ConstraintViolation
from kgmem.storage.backups import backup
from tests.neo4j_schema.constraint_helpers import declare, unique
from tests.storage.test_backup import NewDatabase, opened


async def test_a_namespace_restored_under_another_name_keeps_its_constraint(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    url = await fresh_database()
    memory = await opened(url, tmp_path)
    try:
        await memory.create_namespace("books")
        await memory.cypher(
            "books", "CREATE (:Book {isbn: '1'}), (:Book:Old {isbn: '2'})", mode="write"
        )
        await declare(memory, "books", unique("Book", "isbn"))
        await asyncio.to_thread(backup.backup, url, tmp_path / "books.kgb", namespace="books")
        await asyncio.to_thread(backup.restore, url, tmp_path / "books.kgb", into="copy")
        for query in ("CREATE (:Book {isbn: '2'})", "CREATE (:Book:Old {isbn: '1'})"):
            with pytest.raises(ConstraintViolation):
                await memory.cypher("copy", query, mode="write")
        await memory.cypher("copy", "CREATE (:Book {isbn: '3'})", mode="write")
        await memory.cypher("books", "CREATE (:Book {isbn: '4'})", mode="write")
        # each namespace looks only at its own nodes
        await memory.cypher("books", "CREATE (:Book {isbn: '3'})", mode="write")
        await memory.cypher("copy", "CREATE (:Book {isbn: '4'})", mode="write")
    finally:
        await memory.close()
