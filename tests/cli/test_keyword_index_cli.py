"""``kgmem namespaces keyword-index``: compares each namespace's keyword statistics with
its rows, one JSON line per kind, and writes them again from the rows with ``--rebuild``."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg

from kgmem import BatchWrite, EntityWrite, Memory
from tests.cli.test_serve import env_for, kgmem
from tests.fixtures.database import store_settings


async def test_keyword_index_reports_and_rebuilds_differences(
    home_dir: Path, fresh_database
) -> None:  # type: ignore[no-untyped-def]
    url = await fresh_database()
    memory = await Memory.open(store_settings(url, home_dir))
    try:
        await memory.create_namespace("cli_kw")
        for seen in range(3):
            notes = [
                EntityWrite(f"n{i}", "Note", {"text": f"note {i} seen {seen}"}) for i in range(5)
            ]
            await memory.write_batch("cli_kw", BatchWrite(entities=notes))
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
    lines = {d["kind"]: d for d in map(json.loads, first.stdout.splitlines())}
    vertices = lines["vertices"]
    assert (vertices["rows"], vertices["documents"], vertices["counted"]) == (5, 5, 5)
    assert vertices["ok"] and not vertices["rebuilt"]
    assert lines["facts"]["ok"]
    # Statistics that differ from the rows (written behind kgmem's back): reported, exit 1.
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO cli_kw._kg_text_stats (kind, lexeme, docs) VALUES ('v', 'note', 7)"
        )
    finally:
        await conn.close()
    off = kgmem("namespaces", "keyword-index", "cli_kw", env=env)
    assert off.returncode == 1
    vertices = next(d for d in map(json.loads, off.stdout.splitlines()) if d["kind"] == "vertices")
    assert vertices["mismatched_lexemes"] == 1 and not vertices["ok"]
    fixed = kgmem("namespaces", "keyword-index", "cli_kw", "--rebuild", env=env)
    assert fixed.returncode == 0, fixed.stderr
    assert any(json.loads(line)["rebuilt"] for line in fixed.stdout.splitlines())
    again = kgmem("namespaces", "keyword-index", "cli_kw", env=env)
    assert again.returncode == 0
    assert all(json.loads(line)["ok"] for line in again.stdout.splitlines())
    missing = kgmem("namespaces", "keyword-index", "no_such_ns", env=env)
    assert missing.returncode != 0
