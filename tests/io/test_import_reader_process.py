"""The fast path's reading process and its index deferral: a file read, parsed and
mapped in a second process loads exactly the graph the in-process reader loads; a load
with deferred indexes (those of the labels it creates included) ends with the same
indexes as one without; a bad line read in the worker is reported with its line."""

import re
import uuid
from pathlib import Path

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import ImportRejected
from kgmem.io.loader import ImportOptions
from tests.io.test_resume import checksum, generate


async def index_definitions(conn: asyncpg.Connection, ns: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname", ns
    )
    # The id index names its graph's oid (kgmem_neo4j.build_id_index), which differs.
    return [
        re.sub(r"_label_name\(\(\d+\)::oid", "_label_name(GRAPH", r["indexdef"]).replace(
            f"{ns}.", "NS."
        )
        for r in rows
    ]


async def test_reader_process_and_deferred_indexes_load_the_same_graph(
    memory: Memory, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    path = tmp_path / "people.nt"
    generate(path, 1500)  # 6,000 statements, forward references, two labels
    plain, worker = f"t_{uuid.uuid4().hex[:12]}", f"t_{uuid.uuid4().hex[:12]}"
    for ns in (plain, worker):
        await memory.create_namespace(ns)
    try:
        a = await memory.import_file(
            plain,
            path,
            ImportOptions(
                batch_size=1000, write_report=False, reader_process="never", defer_indexes="never"
            ),
        )
        b = await memory.import_file(
            worker,
            path,
            ImportOptions(
                batch_size=1000, write_report=False, reader_process="always", defer_indexes="always"
            ),
        )
        assert b.records_read == a.records_read == 6000
        assert (b.vertices_created, b.edges_created) == (a.vertices_created, a.edges_created)
        assert (a.vertices_created, a.edges_created) == (1500, 1500)
        assert await checksum(raw_conn, worker) == await checksum(raw_conn, plain)
        # Every index is back, the label tables' unique uid and id indexes included.
        defs = await index_definitions(raw_conn, worker)
        assert defs == await index_definitions(raw_conn, plain)
        assert any("UNIQUE" in d and "Person" in d and '"uid"' in d for d in defs)
        assert await raw_conn.fetchval("SELECT count(*) FROM kgmem.deferred_index") == 0
        assert set((await memory.check_namespace(worker)).values()) == {0}
        # Re-importing through the worker changes nothing.
        again = await memory.import_file(
            worker,
            path,
            ImportOptions(batch_size=1000, write_report=False, reader_process="always"),
        )
        assert again.batches_already_loaded == again.batches == 6
        assert await checksum(raw_conn, worker) == await checksum(raw_conn, plain)
    finally:
        for ns in (plain, worker):
            await memory.delete_namespace(ns)


async def test_reader_process_reports_a_bad_line(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.nt"
    path.write_text(
        "<http://example.org/a> <http://example.org/knows> <http://example.org/b> .\n"
        "<http://example.org/a> <http://example.org/knows> oops .\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as caught:
        await memory.import_file(
            namespace, path, ImportOptions(report_dir=tmp_path, reader_process="always")
        )
    assert "bad.nt, line 2" in caught.value.detail and caught.value.extra["line"] == 2
    skipped = await memory.import_file(
        namespace,
        path,
        ImportOptions(report_dir=tmp_path, reader_process="always", on_error="skip"),
    )
    assert (skipped.records_read, skipped.records_loaded, skipped.records_rejected) == (2, 1, 1)


QUADS = """\
<http://example.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/Person> <http://example.org/g1> .
<http://example.org/a> <http://example.org/name> "Ada"@en .
<http://example.org/a> <http://example.org/name> "Ada L." .
<http://example.org/a> <http://example.org/born> "1815-12-10"^^<http://www.w3.org/2001/XMLSchema#date> .
<http://example.org/a> <http://example.org/age> "36"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://example.org/a> <http://example.org/knows> _:b1 <http://example.org/g1> .
<http://example.org/a> <http://example.org/knows> <http://example.org/c> <http://example.org/g2> .
_:b1 <http://example.org/description> "tab\\there, a backslash \\\\ and a\\nnew line" .
<http://example.org/c> <http://example.org/knows> <http://example.org/a> .
"""  # noqa: E501


async def test_reader_process_carries_every_kind_of_value_exactly(
    memory: Memory, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    """Batches cross from the reading process as plain tuples (``encode_batch``):
    language-tagged and typed literals (value objects), several values of a key (a
    list), named graphs (per statement), blank nodes and texts COPY must escape load the same
    graph as the in-process reader."""
    path = tmp_path / "mixed.nq"
    path.write_text(QUADS, encoding="utf-8")
    plain, worker = f"t_{uuid.uuid4().hex[:12]}", f"t_{uuid.uuid4().hex[:12]}"
    for ns in (plain, worker):
        await memory.create_namespace(ns)
    try:
        reports = [
            await memory.import_file(
                ns, path, ImportOptions(batch_size=4, write_report=False, reader_process=how)
            )
            for ns, how in ((plain, "never"), (worker, "always"))
        ]
        assert reports[0].records_loaded == reports[1].records_loaded == 9
        assert reports[0].edges_created == reports[1].edges_created == 3
        assert await checksum(raw_conn, worker) == await checksum(raw_conn, plain)
        graphs = await raw_conn.fetch(
            f"SELECT * FROM cypher('{worker}', $$ MATCH ()-[r]->() WHERE r.rdf_graphs "
            "IS NOT NULL RETURN r.rdf_graphs $$) AS (g agtype)"
        )
        assert sorted(str(r["g"]) for r in graphs) == [
            '["http://example.org/g1"]',
            '["http://example.org/g2"]',
        ]
        note = await raw_conn.fetchval(
            f"SELECT properties::text FROM cypher('{worker}', $$ MATCH (n) "
            "WHERE n.description IS NOT NULL RETURN n.description $$) AS (properties agtype)"
        )
        assert note == "tab\there, a backslash \\ and a\nnew line"
        for ns in (plain, worker):  # the side row's text, COPYed with its escapes
            text = await raw_conn.fetchval(
                f'SELECT text FROM "{ns}"._kg_vertex WHERE text IS NOT NULL AND uid LIKE $1',
                "_:%",
            )
            assert text == note
    finally:
        for ns in (plain, worker):
            await memory.delete_namespace(ns)


def test_batches_cross_the_pipe_unchanged() -> None:
    from kgmem.io.batches import Batch, decode_batch, encode_batch
    from kgmem.io.readers import Reject
    from kgmem.storage.bulk import EdgeOp, VertexOp

    batch = Batch(
        3,
        7,
        [VertexOp("a", "Person", {"name": ["Ada", {"@value": "Ada", "@language": "en"}],
                                  "age": 36, "ok": True, "x": 1.5}, True, 1)],
        [EdgeOp("rdf:1", "knows", "a", "b", {"iri": "http://example.org/knows"}, True, 6,
                ["http://example.org/g1"])],
        [Reject(5, "bad", "raw line")],
        [("edge_label", "knows", "http://example.org/knows")],
    )  # fmt: skip
    assert decode_batch(encode_batch(batch, 1234)) == (batch, 1234)
    assert decode_batch(encode_batch(None, 99)) == (None, 99)
