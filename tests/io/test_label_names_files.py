"""Files with labels and types AGE cannot hold as table names (``Big Co``, ``works at``):
GraphML and CSV imports take them as every door does (``kgmem.schema.label_names``),
Cypher finds them, and every export writes them as written (RDF in kgmem's vocabulary
IRIs, percent-encoded: ``urn:kgmem:vocab:Big%20Co``), so an export imports back to the
same graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kgmem import Memory
from kgmem.errors import ImportRejected
from kgmem.io.exporter import EXTENSIONS, ExportOptions
from kgmem.io.loader import ImportOptions
from tests.io.test_equivalence_and_export import two  # noqa: F401 (the fixture)

GRAPHML = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="kg_label" for="all" attr.name="kg_label" attr.type="string" kgmem.role="label"/>
  <key id="name" for="node" attr.name="name" attr.type="string"/>
  <key id="labels" for="node" attr.name="labels" attr.type="string"/>
  <graph edgedefault="directed">
    <node id="acme"><data key="kg_label">Big Co</data><data key="name">Acme</data></node>
    <node id="ada"><data key="labels">:Programming language</data><data key="name">Ada</data>
    </node>
    <node id="park"><data key="kg_label">Place</data><data key="name">Park</data></node>
    <edge source="acme" target="park"><data key="kg_label">works at</data></edge>
    <edge source="ada" target="acme"><data key="kg_label">made by</data></edge>
  </graph>
</graphml>
"""
NODES = """\
uid:ID,name,:LABEL
acme,Acme,Big Co
ada,Ada,Programming language
park,Park,Place
"""
EDGES = """\
:START_ID,:END_ID,:TYPE
acme,park,works at
ada,acme,made by
"""
RDF = ("ntriples", "turtle", "jsonld", "rdfxml")  # kgmem's vocabulary IRIs percent-encode
SHAPE = "MATCH (a)-[r]->(b) RETURN a.uid, labels(a), type(r), b.uid, labels(b) ORDER BY a.uid"
EXPECTED = [
    ["acme", ["Big Co"], "works at", "park", ["Place"]],
    ["ada", ["Programming language"], "made by", "acme", ["Big Co"]],
]


async def _shape(memory: Memory, namespace: str) -> list[list[Any]]:
    return (await memory.cypher(namespace, SHAPE)).rows


async def _export(memory: Memory, namespace: str, options: ExportOptions) -> bytes:
    return b"".join([chunk async for chunk in memory.export(namespace, options)])


async def _imported(memory: Memory, namespace: str, folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        report = await memory.import_file(namespace, path, ImportOptions(report_dir=folder))
        assert report.records_rejected == 0, report.errors


@pytest.mark.parametrize(
    "files",
    [{"g.graphml": GRAPHML}, {"nodes.csv": NODES, "edges.csv": EDGES}],
    ids=["graphml", "csv"],
)
async def test_an_import_takes_the_names_and_cypher_and_rest_read_them_as_written(
    memory: Memory, namespace: str, tmp_path: Path, files: dict[str, str]
) -> None:
    await _imported(memory, namespace, tmp_path, files)
    assert await _shape(memory, namespace) == EXPECTED
    acme = await memory.get_entity(namespace, "acme")
    assert acme.entity.label == "Big Co"
    assert [(f.predicate, f.object) for f in acme.outgoing] == [("works at", "park")]
    stats = await memory.namespace_stats(namespace)
    assert stats.vertices["Big Co"] == 1 and stats.edges["works at"] == 1


@pytest.mark.parametrize(
    "fmt", ["graphml", "csv", "jsonl", "gml", "ntriples", "turtle", "jsonld", "rdfxml"]
)
async def test_an_export_writes_the_names_as_written_and_imports_back(
    memory: Memory,
    two: tuple[str, str],  # noqa: F811
    tmp_path: Path,
    fmt: str,
) -> None:
    source, target = two
    await _imported(memory, source, tmp_path, {"g.graphml": GRAPHML})
    parts = ("nodes", "relationships") if fmt == "csv" else ("nodes",)
    for part in parts:
        data = await _export(memory, source, ExportOptions(fmt, part=part))  # type: ignore[arg-type]
        text = data.decode()
        assert "__kgmem_L_" not in text
        written = {"nodes": "Big Co", "relationships": "works at"}[part]
        # RDF/XML splits an IRI into a namespace and an element name: the round trip shows it
        if fmt != "rdfxml":
            assert (written if fmt not in RDF else written.replace(" ", "%20")) in text
        path = tmp_path / f"out.{part}{EXTENSIONS[fmt]}"
        path.write_bytes(data)
        report = await memory.import_file(target, path, ImportOptions(report_dir=tmp_path))
        assert report.records_rejected == 0, report.errors
    assert await _shape(memory, target) == EXPECTED


async def test_a_name_no_door_takes_is_refused_with_its_line(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"uid:ID,:LABEL\nok,Big Co\nlong,{'x' * 64}\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        await memory.import_file(namespace, path, ImportOptions(report_dir=tmp_path))
    assert refused.value.extra["line"] == 3 and "too long" in refused.value.detail
