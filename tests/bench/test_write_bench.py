"""``python -m bench write --only facts`` end to end on a tiny store, so the batched-facts
phases (one writer, then concurrent writers) stay runnable and write what they claim."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from bench import write


@pytest.mark.slow
async def test_facts_phases_with_concurrent_writers_write_every_fact_once(
    fresh_database: Callable[[], Awaitable[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = await fresh_database()
    args = write.parse(
        ["--entities", "600", "--batch", "100", "--only", "facts", "--writers", "2,3"]
    )
    report = await write.run(args, url, tmp_path, None)
    figures = {f.name: f for f in report.figures}
    assert list(figures) == [
        "facts/s, batched",
        "facts/s, batched, 2 writers",
        "facts/s, batched, 3 writers",
    ]
    for f in figures.values():
        assert f.value > 0 and f.baseline and f.count == 600
    assert "on 3 connections" in figures["facts/s, batched, 3 writers"].baseline_name
    assert any("cores busy" in n for n in report.notes)
    conn = await asyncpg.connect(url)
    try:
        # Each phase wrote its own 600 facts, each with one edge; the baseline graph got
        # the same facts as Cypher edges, once per phase.
        assert await conn.fetchval("SELECT count(DISTINCT uid) FROM bench_kgmem._kg_fact") == 1800
        assert await conn.fetchval("SELECT count(*) FROM bench_kgmem._ag_label_edge") == 1800
        assert await conn.fetchval('SELECT count(*) FROM bench_cypher."REL"') == 1800
    finally:
        await conn.close()
    assert "writers" in capsys.readouterr().out


def test_writer_counts_are_checked() -> None:
    with pytest.raises(SystemExit):
        write.parse(["--writers", "0"])
    assert write.parse(["--writers", ""]).writers == []
