"""An import killed with kill -9 halfway and run again ends in the graph one clean run
makes: same vertices, edges and properties (checksummed), no duplicates, no orphans."""

import asyncio
import contextlib
import hashlib
import os
import signal
import sys
import uuid
from pathlib import Path

import asyncpg
import orjson
import pytest

from kgmem import Memory, Settings
from kgmem.io.loader import ImportOptions

EX = "http://example.org/"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
BATCH = 1500


def generate(path: Path, people: int) -> None:
    """People typed after others already point at them, so later batches relabel."""
    with path.open("w") as f:
        for i in range(people):
            f.write(f"<{EX}p{i}> <{EX}knows> <{EX}p{(i * 7 + 3) % people}> .\n")
            f.write(f'<{EX}p{i}> <{EX}name> "Person {i}"@en .\n')
            f.write(
                f'<{EX}p{i}> <{EX}age> "{i % 90}"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
            )
            f.write(f"<{EX}p{i}> <{TYPE}> <{EX}{'Person' if i % 3 else 'Robot'}> .\n")


async def checksum(conn: asyncpg.Connection, ns: str) -> tuple[str, int, int]:
    """A digest of every vertex (uid, label, properties) and edge (uid, label, endpoint
    uids, properties without the load time), and the counts."""
    vertices = await conn.fetch(
        f'SELECT v.uid, v.label, v.name, v.text, t.properties::text AS p FROM "{ns}"._kg_vertex v '
        f'JOIN "{ns}"._ag_label_vertex t ON t.id = v.id ORDER BY v.uid'
    )
    edges = await conn.fetch(
        f"SELECT f.uid, f.predicate, s.uid AS s, o.uid AS o, f.text, e.properties::text AS p "
        f'FROM "{ns}"._kg_fact f JOIN "{ns}"._ag_label_edge e ON e.id = f.id '
        f'JOIN "{ns}"._kg_vertex s ON s.id = e.start_id '
        f'JOIN "{ns}"._kg_vertex o ON o.id = e.end_id '
        "ORDER BY f.uid"
    )
    digest = hashlib.sha256()
    for r in vertices:
        digest.update(
            orjson.dumps([r["uid"], r["label"], r["name"], r["text"], orjson.loads(r["p"])])
        )
    for r in edges:
        props = orjson.loads(r["p"])
        props.pop("recorded_at")
        digest.update(orjson.dumps([r["uid"], r["predicate"], r["s"], r["o"], r["text"], props]))
    labels = await conn.fetchval(f'SELECT count(*) FROM "{ns}"._ag_label_vertex')
    assert labels == len(vertices), "a vertex label row without its side row, or twice"
    return digest.hexdigest(), len(vertices), len(edges)


@pytest.mark.slow
async def test_kill_minus_9_then_rerun_equals_one_clean_run(
    memory: Memory, settings: Settings, pg_url: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    path = tmp_path / "people.nt"
    generate(path, 6000)  # 24,000 statements, 16 batches
    clean_ns, killed_ns = f"t_{uuid.uuid4().hex[:12]}", f"t_{uuid.uuid4().hex[:12]}"
    for ns in (clean_ns, killed_ns):
        await memory.create_namespace(ns)
    try:
        options = ImportOptions(batch_size=BATCH, report_dir=tmp_path, defer_indexes="always")
        await memory.import_file(clean_ns, path, options)
        env = {
            **os.environ,
            "KGMEM_DATABASE_URL": pg_url,
            "KGMEM_HOME": str(tmp_path / "home"),
            "KGMEM_EMBEDDING_PROVIDER": "none",
            "KGMEM_EMBEDDING_DIMENSION": "384",
        }
        cli = [sys.executable, "-c", "from kgmem.cli.main import main; main()",
               "import", str(path), "-n", killed_ns,
               "--batch-size", str(BATCH), "--report-dir", str(tmp_path / "cli"), "--no-embed",
               "--defer-indexes", "always"]  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            *cli, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        committed = 0
        for _ in range(1200):
            committed = await raw_conn.fetchval(
                "SELECT count(*) FROM kgmem.import_batch WHERE namespace = $1", killed_ns
            )
            if committed >= 4:
                break
            await asyncio.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGKILL)
        await proc.wait()
        committed = await raw_conn.fetchval(
            "SELECT count(*) FROM kgmem.import_batch WHERE namespace = $1", killed_ns
        )
        assert 4 <= committed < 16, f"the kill came at {committed} of 16 batches"
        report = await memory.import_file(killed_ns, path, options)
        assert report.batches_already_loaded == committed
        assert await checksum(raw_conn, killed_ns) == await checksum(raw_conn, clean_ns)
        assert set((await memory.check_namespace(killed_ns)).values()) == {0}
        # The indexes dropped for the load are all back, in both namespaces.
        indexes = "SELECT count(*) FROM pg_indexes WHERE schemaname = $1"
        assert await raw_conn.fetchval(indexes, killed_ns) == await raw_conn.fetchval(
            indexes, clean_ns
        )
        assert await raw_conn.fetchval("SELECT count(*) FROM kgmem.deferred_index") == 0
    finally:
        for ns in (clean_ns, killed_ns):
            await memory.delete_namespace(ns)
