"""``kgmem namespaces keyword-index``: rebuilds the BM25 indexes that drifted from the
live rows (all of them with ``--rebuild``) and prints each index's counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgmem import BatchWrite, EntityWrite, Memory
from tests.cli.test_serve import env_for, kgmem
from tests.fixtures.database import store_settings


async def test_keyword_index_rebuilds_drifted_indexes(home_dir: Path, fresh_database) -> None:  # type: ignore[no-untyped-def]
    url = await fresh_database()
    memory = await Memory.open(store_settings(url, home_dir))
    try:
        if memory.database.keyword_search != "bm25":
            pytest.skip("pg_textsearch is not installed on this server")
        await memory.create_namespace("cli_bm25")
        for seen in range(3):
            notes = [
                EntityWrite(f"n{i}", "Note", {"text": f"note {i}", "seen": seen}) for i in range(5)
            ]
            await memory.write_batch("cli_bm25", BatchWrite(entities=notes))
    finally:
        await memory.close()
    env = env_for(
        home_dir,
        KGMEM_DATABASE_URL=url,
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="384",
    )
    first = kgmem("namespaces", "keyword-index", env=env)
    assert first.returncode == 0, first.stderr
    lines = {d["index"]: d for d in map(json.loads, first.stdout.splitlines())}
    vertex = lines["cli_bm25._kg_vertex_text"]
    assert (vertex["documents"], vertex["live"], vertex["rebuilt"]) == (15, 5, True)
    assert vertex["documents_after"] == 5
    assert lines["cli_bm25._kg_fact_text"]["rebuilt"] is False
    again = kgmem("namespaces", "keyword-index", "cli_bm25", env=env)
    assert all(not json.loads(line)["rebuilt"] for line in again.stdout.splitlines())
    forced = kgmem("namespaces", "keyword-index", "cli_bm25", "--rebuild", env=env)
    assert all(json.loads(line)["rebuilt"] for line in forced.stdout.splitlines())
    missing = kgmem("namespaces", "keyword-index", "no_such_ns", env=env)
    assert missing.returncode != 0
