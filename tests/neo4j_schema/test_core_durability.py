"""Declared indexes live in the namespace's graph schema: they survive reopening the
store, a namespace backup restored under another name (in the same store and in an
empty one), are covered by the checksum, and go with a namespace delete."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import NamespaceNotFound
from kgmem.storage.backups import backup, checksum
from tests.storage.test_backup import NewDatabase, opened

DECLARE = (
    "CREATE INDEX person_name FOR (n:Person) ON (n.name)",
    "CREATE TEXT INDEX FOR (n:Person) ON (n.bio)",
    "CREATE INDEX knows_since FOR ()-[r:KNOWS]-() ON (r.since, r.weight)",
)
SHOW = "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties WHERE type <> 'LOOKUP'"


async def _declare(memory: Memory, ns: str) -> list[list[object]]:
    await memory.create_namespace(ns)
    await memory.cypher(
        ns,
        "UNWIND range(1, 50) AS i CREATE (:Person:Poet {name: 'p' + i})"
        "-[:KNOWS {since: i, weight: 1}]->(:Person {name: 'q' + i})",
        mode="write",
    )
    for statement in DECLARE:
        await memory.cypher(ns, statement, mode="write")
    return (await memory.cypher(ns, SHOW)).rows


async def _built(url: str, ns: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_indexes WHERE schemaname = $1 "
                "AND indexname LIKE 'kgd\\_%'",
                ns,
            )
        )
    finally:
        await conn.close()


async def test_declarations_survive_reopening_the_store(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    url = await fresh_database()
    memory = await opened(url, tmp_path)
    try:
        declared = await _declare(memory, "people")
    finally:
        await memory.close()
    assert len(declared) == 3
    reopened = await opened(url, tmp_path)
    try:
        assert (await reopened.cypher("people", SHOW)).rows == declared
        await reopened.cypher("people", "CREATE (:Person:Critic {name: 'c'})", mode="write")
    finally:
        await reopened.close()
    # Person, Person:Poet and the new Person:Critic tables (2 indexes), KNOWS (1)
    assert await _built(url, "people") == 2 * 3 + 1


async def test_a_namespace_restored_under_another_name_keeps_its_indexes(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    url = await fresh_database()
    memory = await opened(url, tmp_path)
    try:
        declared = await _declare(memory, "people")
        manifest = await asyncio.to_thread(
            backup.backup, url, tmp_path / "people.kgb", namespace="people"
        )
        assert "graph._kg_declared" in checksum.summary(url, "people")["rows"]
        await asyncio.to_thread(backup.restore, url, tmp_path / "people.kgb", into="copy")
        assert checksum.summary(url, "copy")["digest"] == manifest.digest
        assert (await memory.cypher("copy", SHOW)).rows == declared
        assert await _built(url, "copy") == await _built(url, "people") == 5
        # the id(n) indexes were built again for the copy's graph: writes and lookups work
        made = await memory.cypher(
            "copy", "CREATE (n:Person {name: 'new'})-[:KNOWS]->(:Poet) RETURN id(n)", mode="write"
        )
        found = await memory.cypher(
            "copy", "MATCH (n) WHERE id(n) = $id RETURN n.name", {"id": made.rows[0][0]}
        )
        assert found.rows == [["new"]]
        await memory.cypher("copy", "DROP INDEX person_name", mode="write")
        await memory.cypher("copy", "CREATE (:Person:Editor {name: 'e'})", mode="write")
        assert await _built(url, "copy") == 4
        assert len((await memory.cypher("people", SHOW)).rows) == 3
    finally:
        await memory.close()

    target = await fresh_database()
    await asyncio.to_thread(backup.restore, target, tmp_path / "people.kgb", into="team")
    restored = await opened(target, tmp_path)
    try:
        assert (await restored.cypher("team", SHOW)).rows == declared
        assert await _built(target, "team") == 5
    finally:
        await restored.close()


async def test_a_declaration_changes_the_checksum_and_a_delete_removes_it(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    url = await fresh_database()
    memory = await opened(url, tmp_path)
    try:
        await _declare(memory, "people")
        before = checksum.summary(url, "people")
        assert before["rows"]["graph._kg_declared"] == 3
        await memory.cypher("people", "DROP INDEX person_name", mode="write")
        after = checksum.summary(url, "people")
        assert after["digest"] != before["digest"]
        assert after["rows"]["graph._kg_declared"] == 2
        await memory.delete_namespace("people")
        with pytest.raises(NamespaceNotFound):
            await memory.cypher("people", SHOW)
        assert await _built(url, "people") == 0
        await _declare(memory, "people")  # the name is free again, with nothing left over
        assert await _built(url, "people") == 5
    finally:
        await memory.close()
