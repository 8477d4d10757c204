"""TriG imports: named graphs become sources, and blank nodes keep their uids across
re-imports (rdflib names them afresh on every parse)."""

from pathlib import Path

import asyncpg

from kgmem import Memory
from kgmem.io.loader import ImportOptions

TRIG = """\
@prefix ex: <http://example.org/> .
ex:alice ex:name "Alice" .
ex:alice ex:knows _:anon .
ex:g1 { _:anon ex:name "Anon" . _:anon ex:worksAt _:org . _:org ex:name "Org" . }
ex:g2 { ex:alice ex:knows _:anon . }
"""


async def test_trig_blank_nodes_are_stable_and_graphs_are_sources(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    path = tmp_path / "data.trig"
    path.write_text(TRIG, encoding="utf-8")
    first = await memory.import_file(namespace, path)
    assert first.records_rejected == 0
    uids = sorted(r["uid"] for r in await raw_conn.fetch(f"SELECT uid FROM {namespace}._kg_vertex"))
    blanks = [u for u in uids if u.startswith("_:")]
    assert len(blanks) == 2  # _:anon and _:org, one vertex each across both graphs
    assert "http://example.org/g1" in uids and "http://example.org/g2" in uids
    # Another batch size is another load: every statement is met again, nothing new.
    again = await memory.import_file(namespace, path, ImportOptions(batch_size=2))
    assert (again.vertices_created, again.edges_created) == (0, 0)
    assert (again.vertices_updated, again.edges_updated) == (0, 0)
    assert again.vertices_unchanged > 0
    after = sorted(
        r["uid"] for r in await raw_conn.fetch(f"SELECT uid FROM {namespace}._kg_vertex")
    )
    assert after == uids
    # alice knows anon in the default graph and in g2: one edge, claimed by source g2.
    sources = await raw_conn.fetch(
        f"SELECT s.uid AS source, f.predicate FROM {namespace}._kg_claim c "
        f"JOIN {namespace}._kg_fact f ON f.id = c.fact_id "
        f"JOIN {namespace}._kg_vertex s ON s.id = c.source_id ORDER BY 1, 2"
    )
    assert [(r["source"], r["predicate"]) for r in sources] == [
        ("http://example.org/g1", "worksAt"),
        ("http://example.org/g2", "knows"),
    ]
    names = sorted(
        [(await memory.get_entity(namespace, u)).entity.properties["name"] for u in blanks]
    )
    assert names == ["Anon", "Org"]
