"""The fast path's reading process and its index deferral: a file read, parsed and
mapped in a second process loads exactly the graph the in-process reader loads; a load
with deferred indexes (those of the labels it creates included) ends with the same
indexes as one without; a bad line read in the worker is reported with its line."""

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
    return [r["indexdef"].replace(f"{ns}.", "NS.") for r in rows]


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
