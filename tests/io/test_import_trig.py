"""TriG imports: blank nodes keep their uids across re-imports (the parser names an
anonymous one afresh on every parse), and named graphs are kept per statement, not as
vertices."""

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


async def test_trig_blank_nodes_are_stable_and_graphs_are_memberships(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    path = tmp_path / "data.trig"
    path.write_text(TRIG, encoding="utf-8")
    first = await memory.import_file(namespace, path)
    assert first.records_rejected == 0
    uids = sorted(r["uid"] for r in await raw_conn.fetch(f"SELECT uid FROM {namespace}._kg_vertex"))
    blanks = [u for u in uids if u.startswith("_:")]
    assert len(blanks) == 2  # _:anon and _:org, one vertex each across both graphs
    assert "http://example.org/g1" not in uids and "http://example.org/g2" not in uids
    # Another batch size is another load: every statement is met again, nothing new.
    again = await memory.import_file(namespace, path, ImportOptions(batch_size=2))
    assert (again.vertices_created, again.edges_created) == (0, 0)
    assert (again.vertices_updated, again.edges_updated) == (0, 0)
    assert again.vertices_unchanged > 0
    after = sorted(
        r["uid"] for r in await raw_conn.fetch(f"SELECT uid FROM {namespace}._kg_vertex")
    )
    assert after == uids
    # alice knows anon in the default graph and in g2: one edge in both.
    graphs = await raw_conn.fetch(
        f"SELECT * FROM ag_catalog.cypher('{namespace}', $$ MATCH ()-[r]->() "
        "RETURN r.rdf_graphs $$) AS (g agtype)"
    )
    assert sorted(str(r["g"]) for r in graphs) == [
        '["default", "http://example.org/g2"]',
        '["http://example.org/g1"]',
    ]
    names = sorted(
        [(await memory.get_entity(namespace, u)).entity.properties["name"] for u in blanks]
    )
    assert names == ["Anon", "Org"]
