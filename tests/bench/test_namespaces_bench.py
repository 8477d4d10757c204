"""``python -m bench namespaces`` on a few rounds: both steps measured beside the
baseline that makes every declared label, and nothing left behind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from bench import namespaces
from bench.scratch import Scratch


@pytest.mark.slow
async def test_namespace_bench_measures_both_steps_and_cleans_up(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    url = await fresh_database()
    report = await namespaces.run(namespaces.parse(["--runs", "2"]), Scratch(tmp_path, url, None))
    figures = {f.name: f for f in report.figures}
    for step in ("create", "delete"):
        figure = figures[f"{step} a namespace wall"]
        assert figure.value > 0 and figure.count == 2
        assert figure.baseline and figure.baseline > 0
    conn = await asyncpg.connect(url)
    try:
        left = await conn.fetchval("SELECT count(*) FROM kgmem.namespace")
        graphs = await conn.fetchval("SELECT count(*) FROM ag_catalog.ag_graph")
    finally:
        await conn.close()
    assert left == 0 and graphs == 0
