"""Concurrent writers introducing the same new labels in a fresh namespace all succeed.

Sixteen batches at once that each bring a vertex label and an edge label the
namespace has never seen once answered 500 ``relation "<ns>.Thing" does not exist``
in about one fresh namespace of three.
"""

from __future__ import annotations

import asyncio
import uuid

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory

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
