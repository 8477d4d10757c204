"""What an import said of the whole graph (graph attributes, directedness, the default
edge type, RDF prefixes) lives in the store: a backup carries it, and a restore, under
the same name or another, exports the files it exported before."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import networkx as nx

from kgmem import Memory
from kgmem.io.exporter import ExportOptions
from kgmem.io.loader import ImportOptions
from kgmem.storage.backups import backup
from tests.io.test_turtle_prefixes import TURTLE
from tests.storage.test_backup import NewDatabase, opened


async def exports(memory: Memory, ns: str) -> dict[str, bytes]:
    out = {}
    for fmt, plain in (("graphml", True), ("gml", True), ("turtle", False)):
        chunks = [c async for c in memory.export(ns, ExportOptions(fmt, plain=plain))]
        out[fmt] = b"".join(chunks)
    return out


async def test_backup_and_restore_carry_the_graph_attributes(
    fresh_database: NewDatabase, tmp_path: Path
) -> None:
    source = await fresh_database()
    memory = await opened(source, tmp_path)
    graphml, turtle = tmp_path / "karate.graphml", tmp_path / "people.ttl"
    nx.write_graphml(nx.karate_club_graph(), graphml)
    turtle.write_bytes(TURTLE)
    try:
        await memory.create_namespace("graphs")
        await memory.import_file("graphs", graphml, ImportOptions(edge_type="FIGHTS"))
        await memory.import_file("graphs", turtle)
        before = await exports(memory, "graphs")
    finally:
        await memory.close()
    assert b'edgedefault="undirected"' in before["graphml"]
    assert b"directed 0" in before["gml"] and b"Zachary" in before["gml"]
    assert b"@prefix foaf:" in before["turtle"]
    path = tmp_path / "graphs.kgb"
    await asyncio.to_thread(backup.backup, source, path, namespace="graphs")

    target = await fresh_database()
    await asyncio.to_thread(backup.restore, target, path)
    await asyncio.to_thread(backup.restore, target, path, into="copy")
    restored = await opened(target, tmp_path)
    try:
        assert await exports(restored, "graphs") == before
        assert await exports(restored, "copy") == before
    finally:
        await restored.close()
    back = nx.read_graphml(io.BytesIO(before["graphml"]))
    assert back.graph["name"] == "Zachary's Karate Club" and not back.is_directed()
    karate = [d for s, t, d in back.edges(data=True) if s.isdigit() and t.isdigit()]
    assert len(karate) == 78 and all("kg_label" not in d for d in karate)  # FIGHTS: the default
