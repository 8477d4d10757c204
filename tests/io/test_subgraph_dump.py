"""A JSON Lines export of a subgraph carries the vertices that its facts' claims name
(sources, in force or withdrawn), so that importing it restores every claim instead of
skipping those whose source lay outside the subgraph."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.io.exporter import ExportOptions
from kgmem.io.loader import ImportOptions


async def _world(memory: Memory, ns: str) -> None:
    entities = [
        EntityWrite("dana", "Person", {"name": "Dana"}),
        EntityWrite("berlin", "Place", {"name": "Berlin"}),
        EntityWrite("lisbon", "Place", {"name": "Lisbon"}),
        EntityWrite("oslo", "Place", {"name": "Oslo"}),
        EntityWrite("eve", "Person", {"name": "Eve"}),
        EntityWrite("census", "Source", {"name": "Census"}),
        EntityWrite("atlas", "Source", {"name": "Atlas"}),
        EntityWrite("agency", "Organization", {"name": "Agency"}),
    ]
    await memory.write_batch(ns, BatchWrite(entities=entities))
    await memory.add_fact(ns, FactWrite("dana", "LIVES_IN", "berlin", source="census"))
    await memory.add_fact(ns, FactWrite("dana", "LIVES_IN", "berlin", source="atlas"))
    # atlas moves to Lisbon: its claim on Berlin is withdrawn, kept as history.
    await memory.add_fact(ns, FactWrite("dana", "LIVES_IN", "lisbon", source="atlas"))
    await memory.add_fact(ns, FactWrite("eve", "LIVES_IN", "oslo", source="census"))
    await memory.add_fact(ns, FactWrite("census", "RUN_BY", "agency"))


async def _claims(memory: Memory, ns: str) -> set[tuple[Any, ...]]:
    """(subject, object, source, withdrawn) of every claim with a source."""
    async with memory.database.acquire() as conn:
        found = set()
        for claims, withdrawn in (("_kg_claim", "NULL"), ("_kg_claim_history", "c.withdrawn_at")):
            rows = await conn.fetch(
                f'SELECT s.uid, o.uid, x.uid, {withdrawn} IS NOT NULL FROM "{ns}".{claims} c '
                f'JOIN "{ns}"._kg_fact f ON f.id = c.fact_id '
                f'JOIN "{ns}"._kg_vertex s ON s.id = f.subject_id '
                f'JOIN "{ns}"._kg_vertex o ON o.id = f.object_id '
                f'JOIN "{ns}"._kg_vertex x ON x.id = c.source_id'
            )
            found |= {tuple(r) for r in rows}
        return found


async def _export(memory: Memory, ns: str, fmt: str, uids: tuple[str, ...]) -> bytes:
    options = ExportOptions(fmt, uids=uids, depth=1)
    return b"".join([c async for c in memory.export(ns, options)])


async def test_a_subgraph_dump_carries_the_sources_of_its_claims(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    await _world(memory, namespace)
    dumped = await _export(memory, namespace, "jsonl", ("dana",))
    lines = [json.loads(x) for x in dumped.decode().splitlines()]
    vertices = {x["uid"] for x in lines if x["kind"] == "vertex"}
    edges = {(x["start"], x["end"]) for x in lines if x["kind"] == "edge"}
    # The subgraph, plus the two sources whose claims (atlas's withdrawn one too) are
    # on its facts; not eve, oslo or agency, and no edge of a source.
    assert vertices == {"dana", "berlin", "lisbon", "census", "atlas"}
    assert edges == {("dana", "berlin"), ("dana", "lisbon")}
    path = tmp_path / "near.jsonl"
    path.write_bytes(dumped)
    target = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(target)
    try:
        report = await memory.import_file(target, path, ImportOptions(report_dir=tmp_path))
        assert report.records_rejected == 0
        expected = {c for c in await _claims(memory, namespace) if c[0] == "dana"}
        assert ("dana", "berlin", "atlas", True) in expected
        assert await _claims(memory, target) == expected
    finally:
        await memory.delete_namespace(target)


async def test_graph_tool_subgraph_exports_keep_to_the_subgraph(
    memory: Memory, namespace: str
) -> None:
    """Only the JSON Lines dump carries claims, so only it adds their sources."""
    await _world(memory, namespace)
    data = json.loads(await _export(memory, namespace, "cytoscape", ("dana",)))
    assert {n["data"]["id"] for n in data["elements"]["nodes"]} == {"dana", "berlin", "lisbon"}
