"""CSV (neo4j-admin style), JSON Lines and GraphML imports; bad records; gzip; updates."""

import gzip
import json
from pathlib import Path

import pytest

from kgmem import Memory
from kgmem.errors import ImportRejected
from kgmem.io.loader import ImportOptions

NODES = """\
personId:ID,name,age:int,score:double,active:boolean,tags:string[],:LABEL
alice,Alice,42,1.5,true,a;b,Person
bob,Bob,not-a-number,2.0,false,,Person
carol,Carol,31,,,x,Person;Employee
acme,Acme Corp,,,,,Organization
"""
RELS = """\
:START_ID,:END_ID,:TYPE,since:int
alice,acme,WORKS_AT,2019
carol,acme,WORKS_AT,2020
carol,nobody,WORKS_AT,2021
alice,carol
"""


def opts(tmp_path: Path, **kw: object) -> ImportOptions:
    return ImportOptions(report_dir=tmp_path / "reports", **kw)  # type: ignore[arg-type]


async def test_csv_with_typed_columns_skips_bad_rows_into_a_reject_file(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    (tmp_path / "people.csv").write_text(NODES)
    (tmp_path / "works.csv").write_text(RELS)
    nodes = await memory.import_file(
        namespace, tmp_path / "people.csv", opts(tmp_path, on_error="skip")
    )
    assert (nodes.records_read, nodes.records_loaded, nodes.records_rejected) == (4, 3, 1)
    assert nodes.errors[0]["line"] == 3 and "age" in nodes.errors[0]["reason"]
    rels = await memory.import_file(
        namespace, tmp_path / "works.csv", opts(tmp_path, on_error="skip")
    )
    assert (rels.records_read, rels.records_loaded, rels.records_rejected) == (4, 2, 2)
    reasons = {e["line"]: e["reason"] for e in rels.errors}
    assert "nobody" in reasons[4] and "fields" in reasons[5]
    reject_text = Path(rels.reject_file or "").read_text()  # noqa: ASYNC240
    rejected = [json.loads(line) for line in reject_text.splitlines()]
    assert [r["line"] for r in rejected] == [5, 4] or [r["line"] for r in rejected] == [4, 5]
    report = json.loads(Path(rels.report_file or "").read_text())  # noqa: ASYNC240
    assert report["records_rejected"] == 2
    alice = await memory.get_entity(namespace, "alice")
    assert alice.entity.label == "Person"
    assert alice.entity.properties == {
        "personId": "alice", "name": "Alice", "age": 42,
        "score": 1.5, "active": True, "tags": ["a", "b"],
    }  # fmt: skip
    assert [(f.predicate, f.object, f.properties) for f in alice.outgoing] == [
        ("WORKS_AT", "acme", {"since": 2019})
    ]
    assert alice.outgoing[0].text == "Alice works at Acme Corp"


async def test_stop_names_file_line_and_reason(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    (tmp_path / "people.csv").write_text(NODES)
    with pytest.raises(ImportRejected) as caught:
        await memory.import_file(namespace, tmp_path / "people.csv", opts(tmp_path))
    assert "people.csv, line 3" in caught.value.detail and caught.value.extra["line"] == 3


async def test_jsonl_gzip_and_update_by_uid(memory: Memory, namespace: str, tmp_path: Path) -> None:
    lines = [
        {"kind": "vertex", "uid": "a", "label": "Person", "properties": {"name": "Ann"}},
        {"kind": "vertex", "uid": "b", "label": "Person", "properties": {"name": "Ben", "age": 3}},
        {
            "kind": "edge",
            "uid": "ab",
            "label": "KNOWS",
            "start": "a",
            "end": "b",
            "properties": {"w": 1},
        },
    ]
    path = tmp_path / "g.jsonl.gz"
    path.write_bytes(gzip.compress("\n".join(json.dumps(x) for x in lines).encode() + b"\n{oops\n"))
    first = await memory.import_file(namespace, path, opts(tmp_path, on_error="skip"))
    assert (first.vertices_created, first.edges_created, first.records_rejected) == (2, 1, 1)
    assert first.errors[0]["line"] == 4 and "JSON" in first.errors[0]["reason"]
    lines[1]["properties"] = {"name": "Benjamin"}
    lines[2]["properties"] = {"w": 2}
    path2 = tmp_path / "g2.jsonl"
    path2.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    second = await memory.import_file(namespace, path2, opts(tmp_path))
    assert (second.vertices_updated, second.vertices_unchanged, second.edges_updated) == (1, 1, 1)
    b = await memory.get_entity(namespace, "b")
    assert b.entity.properties == {"name": "Benjamin"}
    assert b.incoming[0].properties == {"w": 2}


async def test_graphml_nodes_and_edges(memory: Memory, namespace: str, tmp_path: Path) -> None:
    (tmp_path / "g.graphml").write_text(
        """<?xml version="1.0"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
 <key id="d0" for="node" attr.name="name" attr.type="string"/>
 <key id="d1" for="node" attr.name="size" attr.type="int"/>
 <key id="d2" for="edge" attr.name="weight" attr.type="double"/>
 <key id="l" for="all" attr.name="label" attr.type="string"/>
 <graph edgedefault="directed">
  <node id="n1"><data key="l">City</data><data key="d0">Paris</data><data key="d1">2</data></node>
  <node id="n2"><data key="d0">Lyon</data></node>
  <edge id="e1" source="n1" target="n2"><data key="l">ROAD</data><data key="d2">4.5</data></edge>
 </graph>
</graphml>"""
    )
    report = await memory.import_file(namespace, tmp_path / "g.graphml", opts(tmp_path))
    assert (report.vertices_created, report.edges_created) == (2, 1)
    paris = await memory.get_entity(namespace, "n1")
    assert paris.entity.label == "City" and paris.entity.properties == {"name": "Paris", "size": 2}
    assert paris.outgoing[0].properties == {"weight": 4.5} and paris.outgoing[0].predicate == "ROAD"
    lyon = await memory.get_entity(namespace, "n2")
    assert lyon.entity.label == "Entity"


async def test_unknown_extension_needs_a_format(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    from kgmem.errors import InvalidInput

    (tmp_path / "data.bin").write_text("x")
    with pytest.raises(InvalidInput, match="--format"):
        await memory.import_file(namespace, tmp_path / "data.bin", opts(tmp_path))
