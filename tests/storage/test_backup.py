"""Backups of a store or a namespace come back whole: the same checksum, the same
search answers, and Cypher working on the restored graphs (AGE keeps schema oids)."""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.errors import InvalidBackup, NamespaceExists, StoreNotEmpty
from kgmem.ingest.types import EpisodeWrite, FactMention
from kgmem.model import AxisWeights, SearchQuery
from kgmem.storage.backups import backup, checksum
from tests.fixtures.database import NewDatabase, store_settings
from tests.retrieval.graphs import add_people, axis_vector, vector_query

ONLY_KEYWORD = AxisWeights(vector=0, keyword=1, temporal=0, spatial=0, causal=0, graph=0)


async def fill(memory: Memory, ns: str) -> None:
    """Entities with vectors, facts with claims from sources, an episode with its facts."""
    await memory.create_namespace(ns, "people and where they work")
    await add_people(memory, ns)
    await memory.add_fact(
        ns,
        FactWrite("alice", "KNOWS", "bob", source="staff-list", text="alice knows bob"),
    )
    await memory.add_fact(ns, FactWrite("bob", "KNOWS", "alice", source="staff-list"))
    await memory.add_episodes(
        ns,
        [
            EpisodeWrite(
                text="Carol joined Acme as a rocket engineer.",
                uid="ep-1",
                reference_time=datetime(2024, 3, 1, tzinfo=UTC),
                source="newsletter",
                facts=(FactMention("Carol", "WORKS_AT", "Acme", valid_from="2024-03-01"),),
            )
        ],
    )


async def answers(memory: Memory, ns: str) -> dict[str, Any]:
    """What a user sees: keyword and vector search hits, Cypher rows, facts and sources."""
    keyword = await memory.search(
        ns, SearchQuery(text="rocket engineer", weights=ONLY_KEYWORD, k=10)
    )
    vector = await memory.search(ns, vector_query(axis_vector((0, 1.0)), k=3))
    cypher = await memory.cypher(
        ns, "MATCH (a)-[r]->(b) RETURN a.uid, type(r), b.uid ORDER BY a.uid, type(r), b.uid"
    )
    # Three-valued quantifiers run kgmem's SQL functions (their schema is restored too).
    quantifier = await memory.cypher(
        ns, "MATCH (a) WITH collect(a.uid) + [null] AS u RETURN single(x IN u WHERE x = 'zz')"
    )
    knows = await memory.list_facts(ns)
    return {
        "quantifier": quantifier.rows,
        # Hits in order, not BM25's scores: its corpus statistics also count row versions
        # that VACUUM has not removed yet (building writes an episode twice, each time a
        # new index entry), and a restore builds the index from the live rows only.
        "keyword": [h.uid for h in keyword.hits],
        "vector": [(h.uid, round(h.score, 6)) for h in vector.hits],
        "cypher": cypher.rows,
        "facts": sorted((f.uid, f.sources) for f in knows.items),
        "episode": (await memory.get_episode(ns, "ep-1")).properties,
    }


async def opened(url: str, home: Path) -> Memory:
    return await Memory.open(store_settings(url, home))


async def filled(fresh_database: NewDatabase, home: Path) -> tuple[str, dict[str, Any]]:
    """A new database holding the ``people`` namespace, and its answers."""
    source = await fresh_database()
    memory = await opened(source, home)
    try:
        await fill(memory, "people")
        return source, await answers(memory, "people")
    finally:
        await memory.close()


async def test_store_round_trip_keeps_every_row_and_answer(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    source, before = await filled(fresh_database, tmp_path)
    assert before["keyword"] and before["cypher"]  # the comparison below means something
    assert before["quantifier"] == [[None]]

    manifest = await asyncio.to_thread(backup.backup, source, tmp_path / "store.kgb")
    target = await fresh_database()
    await asyncio.to_thread(backup.restore, target, tmp_path / "store.kgb")

    assert checksum.summary(target)["digest"] == checksum.summary(source)["digest"]
    assert checksum.summary(target)["digest"] == manifest.digest
    assert manifest.vertices > 5 and manifest.edges > 4
    restored = await opened(target, tmp_path)
    try:
        assert await answers(restored, "people") == before
        # New labels and vertices go through AGE's catalog of the restored graph.
        await restored.upsert_entity("people", EntityWrite("zed", "Spaceship", {"name": "Zed"}))
        rows = await restored.cypher("people", "MATCH (s:Spaceship) RETURN s.uid")
        assert rows.rows == [["zed"]]
    finally:
        await restored.close()


async def test_store_restore_is_refused_over_namespaces_unless_replacing(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    source, _ = await filled(fresh_database, tmp_path)
    await asyncio.to_thread(backup.backup, source, tmp_path / "store.kgb")
    target = await fresh_database()
    other = await opened(target, tmp_path)
    await other.create_namespace("precious")
    await other.close()

    with pytest.raises(StoreNotEmpty, match="precious"):
        await asyncio.to_thread(backup.restore, target, tmp_path / "store.kgb")
    memory = await opened(target, tmp_path)
    try:
        assert [n.name for n in await memory.list_namespaces()] == ["precious"]
    finally:
        await memory.close()

    await asyncio.to_thread(backup.restore, target, tmp_path / "store.kgb", replace=True)
    assert checksum.summary(target)["digest"] == checksum.summary(source)["digest"]


async def test_namespace_restores_beside_the_original_under_another_name(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    url = await fresh_database()
    memory = await opened(url, tmp_path)
    try:
        await fill(memory, "people")
        before = await answers(memory, "people")
        manifest = await asyncio.to_thread(
            backup.backup, url, tmp_path / "people.kgb", namespace="people"
        )
        with pytest.raises(NamespaceExists):
            await asyncio.to_thread(backup.restore, url, tmp_path / "people.kgb")
        await asyncio.to_thread(backup.restore, url, tmp_path / "people.kgb", into="people_copy")
        assert checksum.summary(url, "people_copy")["digest"] == manifest.digest
        assert await answers(memory, "people_copy") == before
        assert await answers(memory, "people") == before
    finally:
        await memory.close()


async def test_namespace_restore_with_replace_brings_back_deleted_rows(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    url = await fresh_database()
    memory = await opened(url, tmp_path)
    try:
        await fill(memory, "people")
        before = await answers(memory, "people")
        manifest = await asyncio.to_thread(
            backup.backup, url, tmp_path / "people.kgb", namespace="people"
        )
        await memory.delete_entity("people", "acme")
        await memory.upsert_entity("people", EntityWrite("newcomer", "Person", {"name": "N"}))
        assert checksum.summary(url, "people")["digest"] != manifest.digest

        await asyncio.to_thread(backup.restore, url, tmp_path / "people.kgb", replace=True)
        assert checksum.summary(url, "people")["digest"] == manifest.digest
        assert await answers(memory, "people") == before
    finally:
        await memory.close()


async def test_namespace_restores_into_an_empty_database(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    source, before = await filled(fresh_database, tmp_path)
    await asyncio.to_thread(backup.backup, source, tmp_path / "people.kgb", namespace="people")

    target = await fresh_database()
    await asyncio.to_thread(backup.restore, target, tmp_path / "people.kgb", into="team")
    restored = await opened(target, tmp_path)
    try:
        assert await answers(restored, "team") == before
    finally:
        await restored.close()


def rewrite_json(path: Path, out: Path, member: str, change: Callable[[Any], Any]) -> None:
    """The backup at ``path`` written to ``out`` with its JSON ``member`` changed."""
    with tarfile.open(path) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    members[member] = json.dumps(change(json.loads(members[member]))).encode()
    with tarfile.open(out, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _rewrite_manifest(path: Path, change: dict[str, Any]) -> None:
    rewrite_json(path, path, "manifest.json", lambda manifest: {**manifest, **change})


async def test_a_restore_that_does_not_match_its_checksum_fails(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    source, _ = await filled(fresh_database, tmp_path)
    await asyncio.to_thread(backup.backup, source, tmp_path / "people.kgb", namespace="people")
    _rewrite_manifest(tmp_path / "people.kgb", {"digest": "0" * 64})
    with pytest.raises(InvalidBackup, match="checksum"):
        await asyncio.to_thread(backup.restore, await fresh_database(), tmp_path / "people.kgb")


async def test_files_that_are_not_backups_are_refused_before_anything_changes(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.kgb"
    garbage.write_bytes(b"not a backup at all")
    url = await fresh_database()
    with pytest.raises(InvalidBackup, match="not a kgmem backup"):
        await asyncio.to_thread(backup.restore, url, garbage)
    future = tmp_path / "future.kgb"
    source = await fresh_database()
    memory = await opened(source, tmp_path)
    try:
        await memory.create_namespace("tiny")
    finally:
        await memory.close()
    await asyncio.to_thread(backup.backup, source, future)
    _rewrite_manifest(future, {"revision": "9999_from_the_future"})
    with pytest.raises(InvalidBackup, match="does not know"):
        await asyncio.to_thread(backup.restore, url, future)
    with pytest.raises(InvalidBackup):
        backup.read_manifest(tmp_path / "missing.kgb")


async def test_a_whole_store_backup_of_format_1_is_restored_by_its_counts(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    """An earlier kgmem's store backup (format 1, checksummed by an earlier rule) still
    restores, checked by its namespaces and counts; its namespace backups are refused."""
    source, before = await filled(fresh_database, tmp_path)
    old = tmp_path / "old.kgb"
    await asyncio.to_thread(backup.backup, source, old)
    _rewrite_manifest(old, {"format": 1, "digest": "f" * 64})
    target = await fresh_database()
    await asyncio.to_thread(backup.restore, target, old)
    restored = await opened(target, tmp_path)
    try:
        assert await answers(restored, "people") == before
    finally:
        await restored.close()
    miscounted = tmp_path / "miscounted.kgb"
    await asyncio.to_thread(backup.backup, source, miscounted)
    _rewrite_manifest(miscounted, {"format": 1, "digest": "f" * 64, "edges": 10_000})
    with pytest.raises(InvalidBackup, match="do not use this store"):
        await asyncio.to_thread(backup.restore, await fresh_database(), miscounted)
    part = tmp_path / "part.kgb"
    await asyncio.to_thread(backup.backup, source, part, namespace="people")
    _rewrite_manifest(part, {"format": 1})
    with pytest.raises(InvalidBackup, match="format 1"):
        await asyncio.to_thread(backup.restore, await fresh_database(), part)
