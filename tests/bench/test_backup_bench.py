"""``python -m bench backup`` end to end on a tiny store: every figure with its plain
pg_dump/pg_restore baseline, the checksum verified, Cypher working after the kgmem
restore and broken after the plain one (the bench checks both), nothing left behind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from bench import backup
from bench.scratch import Scratch


@pytest.mark.slow
async def test_backup_bench_measures_both_ways_and_cleans_up(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    url = await fresh_database()
    conn = await asyncpg.connect(url)
    try:
        pgdata = Path(await conn.fetchval("SHOW data_directory"))
    finally:
        await conn.close()
    args = backup.parse(["--entities", "60", "--namespaces", "2", "--runs", "2"])
    report = await backup.run(args, Scratch(tmp_path, url, pgdata))

    figures = {f.name: f for f in report.figures}
    for op, plain in (("kgmem backup", "pg_dump"), ("kgmem restore", "pg_restore")):
        for part in ("wall", "client cpu", "postgres cpu"):
            figure = figures[f"{op} {part}"]
            assert figure.value > 0 and figure.count == 2
            assert figure.baseline and figure.baseline > 0 and plain in figure.baseline_name
    size = figures["backup file kB"]
    assert size.value > 0 and size.baseline and size.baseline > 0
    assert figures["checksum of the store wall"].value > 0
    assert report.data["vertices"] == 120 and report.data["edges"] == 240
    assert any("verified after every kgmem restore" in n for n in report.notes)
    conn = await asyncpg.connect(url)
    try:
        left = await conn.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'bench_backup_restore_%'"
        )
    finally:
        await conn.close()
    assert left == 0


def test_sizes_and_runs_are_checked() -> None:
    for bad in (["--entities", "5"], ["--runs", "0"], ["--namespaces", "0"]):
        with pytest.raises(SystemExit):
            backup.parse(bad)
