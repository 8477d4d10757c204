"""A vertex or relationship deleted by Cypher is gone from every read path (REST reads,
fact listings, searches), with kgmem's rows of it, and its uid can be written again by
every writer (a write, an import) as if it had never been."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import EntityNotFound, FactNotFound
from kgmem.model import EntityWrite, FactQuery, FactWrite

pytestmark = pytest.mark.usefixtures("namespace")


async def _people(memory: Memory, namespace: str) -> None:
    for uid in ("ann", "bob", "cy"):
        await memory.upsert_entity(namespace, EntityWrite(uid, "Person", {"name": uid.title()}))
    await memory.add_fact(
        namespace, FactWrite("ann", "KNOWS", "bob", uid="f1", text="Ann knows Bob")
    )
    await memory.add_fact(namespace, FactWrite("bob", "KNOWS", "cy", uid="f2", text="Bob knows Cy"))


async def _count(conn: asyncpg.Connection, namespace: str, side: str) -> int:
    return int(await conn.fetchval(f'SELECT count(*) FROM "{namespace}".{side}'))


async def test_a_node_detach_deleted_by_cypher_is_gone_with_its_facts(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await _people(memory, namespace)
    done = await memory.cypher(
        namespace, "MATCH (n:Person {uid: 'bob'}) DETACH DELETE n", mode="write"
    )
    assert done.counters.nodes_deleted == 1 and done.counters.relationships_deleted == 2
    with pytest.raises(EntityNotFound):
        await memory.get_entity(namespace, "bob")
    for uid in ("f1", "f2"):
        with pytest.raises(FactNotFound):
            await memory.get_fact(namespace, uid)
    assert (await memory.list_facts(namespace, FactQuery(include_closed=True))).items == ()
    assert (await memory.get_entity(namespace, "ann")).outgoing == ()
    assert await _count(raw_conn, namespace, "_kg_vertex") == 2
    assert await _count(raw_conn, namespace, "_kg_fact") == 0
    await memory.upsert_entity(namespace, EntityWrite("bob", "Person", {"name": "Bobby"}))
    found = await memory.cypher(namespace, "MATCH (n:Person {uid: 'bob'}) RETURN n.name")
    assert found.rows == [["Bobby"]]


async def test_a_relationship_deleted_by_cypher_takes_its_fact(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await _people(memory, namespace)
    await memory.cypher(namespace, "MATCH (:Person {uid: 'ann'})-[r]->() DELETE r", mode="write")
    with pytest.raises(FactNotFound):
        await memory.get_fact(namespace, "f1")
    assert (await memory.get_fact(namespace, "f2")).text == "Bob knows Cy"
    assert await _count(raw_conn, namespace, "_kg_fact") == 1
    assert await _count(raw_conn, namespace, "_kg_vertex") == 3


async def test_a_graph_emptied_by_cypher_takes_an_import_of_the_same_uids(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection, tmp_path: Path
) -> None:
    for round_ in ("first", "second"):
        path = tmp_path / f"{round_}.jsonl"
        records = [
            {"kind": "vertex", "uid": uid, "label": "Person", "properties": {"name": round_}}
            for uid in ("ann", "bob")
        ]
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        report = await memory.import_file(namespace, path)
        assert report.vertices_created == 2
        found = await memory.cypher(
            namespace, "MATCH (n:Person) RETURN n.uid, n.name ORDER BY n.uid"
        )
        assert found.rows == [["ann", round_], ["bob", round_]]
        assert (await memory.get_entity(namespace, "ann")).entity.properties == {"name": round_}
        await memory.cypher(namespace, "MATCH (n) DETACH DELETE n", mode="write")
        assert await _count(raw_conn, namespace, "_kg_vertex") == 0
