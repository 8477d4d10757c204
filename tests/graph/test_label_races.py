"""Concurrent writers introducing the same new labels in a fresh namespace all succeed
(through the write API and through Cypher); inside an explicit transaction the second
waits for the first.

Sixteen batches at once that each bring a vertex label and an edge label the
namespace has never seen once answered 500 ``relation "<ns>.Thing" does not exist``
in about one fresh namespace of three.
"""

from __future__ import annotations

import asyncio
import uuid

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.graph.cypher import CypherRequest

NAMESPACES = 6
WRITERS = 16


def batch(writer: int) -> BatchWrite:
    label = ("Thing", "Gadget")[writer % 2]
    entities = [
        EntityWrite(f"x{writer}-{k}", label, {"name": f"Item {writer} {k}"}) for k in range(3)
    ]
    entities.append(EntityWrite("shared", "Thing", {"name": "Shared"}))
    facts = [
        FactWrite(f"x{writer}-{k}", ("PART_OF_SET", "NEAR")[k % 2], "shared", source=f"s{writer}")
        for k in range(3)
    ]
    return BatchWrite(entities=entities, facts=facts)


async def test_new_labels_created_by_many_writers_at_once(memory: Memory) -> None:
    for _ in range(NAMESPACES):
        ns = f"t_{uuid.uuid4().hex[:12]}"
        await memory.create_namespace(ns)
        try:
            async with asyncio.timeout(60):
                results = await asyncio.gather(
                    *(memory.write_batch(ns, batch(w)) for w in range(WRITERS)),
                    return_exceptions=True,
                )
            errors = [r for r in results if isinstance(r, BaseException)]
            assert errors == [], errors
            stats = await memory.namespace_stats(ns)
            assert stats.vertices.get("Thing", 0) == 1 + 3 * (WRITERS // 2)
            assert stats.vertices.get("Gadget", 0) == 3 * (WRITERS // 2)
        finally:
            await memory.delete_namespace(ns)


def _create(label: str, edge: str, uid: str) -> str:
    return f"CREATE (:{label} {{uid: '{uid}-a'}})-[:{edge}]->(:{label} {{uid: '{uid}-b'}})"


async def test_cypher_writes_creating_the_same_new_labels_at_once_all_succeed(
    memory: Memory,
) -> None:
    """kgmem makes the labels a Cypher CREATE writes before it runs, under a lock on
    each name, as the entity writes do: every writer finds or makes them, none fails."""
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    try:
        for k in range(4):
            label, edge = f"Fresh{k}", f"LINKS{k}"
            writes = [
                memory.cypher(ns, _create(label, edge, f"c{k}-{w}"), mode="write") for w in range(6)
            ]
            writes += [
                memory.upsert_entity(ns, EntityWrite(f"api{k}-{w}", label, {"name": "n"}))
                for w in range(2)
            ]
            async with asyncio.timeout(60):
                results = await asyncio.gather(*writes, return_exceptions=True)
            assert [r for r in results if isinstance(r, BaseException)] == []
            found = await memory.cypher(ns, f"MATCH (n:{label}) RETURN count(n)")
            assert found.rows == [[6 * 2 + 2]]
            edges = await memory.cypher(ns, f"MATCH ()-[r:{edge}]->() RETURN count(r)")
            assert edges.rows == [[6]]
    finally:
        await memory.delete_namespace(ns)


async def test_an_explicit_transaction_racing_for_a_label_waits_for_the_first(
    memory: Memory,
) -> None:
    """Inside an explicit transaction the second writer of a new label waits on the
    first one's lock on the name, then finds the committed label and goes on."""
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    create = "CREATE (:Late {uid: $uid})"
    try:
        async with asyncio.timeout(60):
            async with memory.cypher_transaction(ns, "write") as first:
                await first(CypherRequest(create, {"uid": "first"}, mode="write"))

                async def second() -> None:
                    async with memory.cypher_transaction(ns, "write") as run:
                        await run(CypherRequest(create, {"uid": "second"}, mode="write"))

                waiting = asyncio.create_task(second())
                await asyncio.sleep(0.5)  # it waits on the first one's uncommitted label
                assert not waiting.done()
            await waiting
        found = await memory.cypher(ns, "MATCH (n:Late) RETURN n.uid ORDER BY n.uid")
        assert found.rows == [["first"], ["second"]]
    finally:
        await memory.delete_namespace(ns)
