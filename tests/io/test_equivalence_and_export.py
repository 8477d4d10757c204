"""A bulk-loaded graph answers Cypher exactly like the same graph written through the
API; exports in every format carry the graph (and re-import to the same graph)."""

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.io.exporter import EXPORT_FORMATS, ExportOptions
from kgmem.io.loader import ImportOptions

PEOPLE = [
    ("ann", "Person", {"name": "Ann", "age": 31}),
    ("bob", "Person", {"name": "Bob", "age": 45}),
    ("cy", "Person", {"name": "Cy"}),
    ("acme", "Organization", {"name": "Acme", "tags": ["x", "y"]}),
]
LINKS = [
    ("k1", "ann", "KNOWS", "bob", {"since": 2001}),
    ("k2", "bob", "KNOWS", "cy", {}),
    ("w1", "ann", "WORKS_AT", "acme", {"role": "CTO"}),
    ("w2", "cy", "WORKS_AT", "acme", {}),
]
QUERIES = [
    ("MATCH (n) RETURN count(n)", "c agtype"),
    ("MATCH (n:Person) WHERE n.age > 40 RETURN n.uid", "u agtype"),
    (
        "MATCH (a:Person)-[r:KNOWS]->(b) RETURN a.name, r.since, b.name",
        "a agtype, s agtype, b agtype",
    ),
    ("MATCH (a)-[:KNOWS]->()-[:KNOWS]->(c) RETURN a.uid, c.uid", "a agtype, c agtype"),
    (
        "MATCH (p)-[r:WORKS_AT]->(o:Organization {uid: 'acme'}) "
        "RETURN p.uid, r.role, r.text, r.valid_to",
        "p agtype, r agtype, t agtype, v agtype",
    ),
    ("MATCH (o:Organization) RETURN o.tags, labels(o)", "t agtype, l agtype"),
    ("MATCH (n) WHERE n.uid = 'cy' RETURN n.name", "n agtype"),
]  # fmt: skip


@pytest.fixture
async def two(memory: Memory) -> AsyncIterator[tuple[str, str]]:
    names = (f"t_{uuid.uuid4().hex[:12]}", f"t_{uuid.uuid4().hex[:12]}")
    for n in names:
        await memory.create_namespace(n)
    yield names
    for n in names:
        await memory.delete_namespace(n)


def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "g.jsonl"
    rows = [{"kind": "vertex", "uid": u, "label": lab, "properties": p} for u, lab, p in PEOPLE]
    rows += [
        {"kind": "edge", "uid": u, "label": lab, "start": s, "end": e, "properties": p}
        for u, s, lab, e, p in LINKS
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


async def answers(conn: asyncpg.Connection, ns: str) -> list[list[str]]:
    out = []
    for query, cols in QUERIES:
        rows = await conn.fetch(
            f"SELECT * FROM ag_catalog.cypher('{ns}', $$ {query} $$) AS ({cols})"
        )
        out.append(sorted(json.dumps([str(v) for v in r.values()]) for r in rows))
    return out


async def test_loaded_graph_answers_cypher_like_api_written_graph(
    memory: Memory, two: tuple[str, str], tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    api_ns, bulk_ns = two
    await memory.write_batch(
        api_ns,
        BatchWrite(
            entities=[EntityWrite(u, lab, p, embedding=[0.1] * 384) for u, lab, p in PEOPLE],
            facts=[
                FactWrite(s, lab, e, properties=p, uid=u, embedding=[0.1] * 384)
                for u, s, lab, e, p in LINKS
            ],
        ),
    )
    await memory.import_file(bulk_ns, jsonl(tmp_path), ImportOptions(report_dir=tmp_path))
    assert await answers(raw_conn, bulk_ns) == await answers(raw_conn, api_ns)
    side = 'SELECT uid, label, name, text FROM "{}"._kg_vertex ORDER BY uid'
    facts = 'SELECT uid, predicate, text, valid_from, expired_at FROM "{}"._kg_fact ORDER BY uid'
    for sql in (side, facts):
        assert await raw_conn.fetch(sql.format(bulk_ns)) == await raw_conn.fetch(sql.format(api_ns))
    # The planner has statistics and the uid index is used, as for API-written labels.
    plan = await raw_conn.fetchval(
        f"SELECT count(*) FROM pg_stats WHERE schemaname = '{bulk_ns}' AND tablename = 'Person'"
    )
    assert plan > 0
    # API writes on top of a bulk-loaded graph work as usual.
    await memory.add_fact(bulk_ns, FactWrite("cy", "KNOWS", "ann", uid="k3"))
    assert len((await memory.get_entity(bulk_ns, "ann")).incoming) == 1


async def export_bytes(memory: Memory, ns: str, options: ExportOptions) -> bytes:
    return b"".join([c async for c in memory.export(ns, options)])


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "graphml"])
async def test_property_graph_export_reimports_to_the_same_graph(
    memory: Memory, two: tuple[str, str], tmp_path: Path, raw_conn: asyncpg.Connection, fmt: str
) -> None:
    source, target = two
    await memory.import_file(source, jsonl(tmp_path), ImportOptions(report_dir=tmp_path))
    files = []
    parts = ("nodes", "relationships") if fmt == "csv" else ("nodes",)
    for part in parts:
        path = tmp_path / f"out.{part}.{fmt}"
        path.write_bytes(await export_bytes(memory, source, ExportOptions(fmt, part=part)))  # type: ignore[arg-type]
        files.append(path)
    for path in files:
        await memory.import_file(target, path, ImportOptions(report_dir=tmp_path))
    assert await answers(raw_conn, target) == await answers(raw_conn, source)


async def test_every_format_exports_and_subgraph_limits_it(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    await memory.import_file(namespace, jsonl(tmp_path), ImportOptions(report_dir=tmp_path))
    for fmt in EXPORT_FORMATS:
        data = await export_bytes(memory, namespace, ExportOptions(fmt))
        assert b"acme" in data, fmt
    gexf = ET.fromstring(await export_bytes(memory, namespace, ExportOptions("gexf")))
    ns = "{http://gexf.net/1.3}"
    assert len(gexf.findall(f".//{ns}node")) == 4 and len(gexf.findall(f".//{ns}edge")) == 4
    cy = json.loads(await export_bytes(memory, namespace, ExportOptions("cytoscape")))
    assert {n["data"]["id"] for n in cy["elements"]["nodes"]} == {"ann", "bob", "cy", "acme"}
    near = json.loads(
        await export_bytes(memory, namespace, ExportOptions("cytoscape", uids=("cy",), depth=1))
    )
    assert {n["data"]["id"] for n in near["elements"]["nodes"]} == {"bob", "cy", "acme"}
    assert {e["data"]["id"] for e in near["elements"]["edges"]} == {"k2", "w2"}
