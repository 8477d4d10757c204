"""``python -m bench constraints`` end to end on a few nodes: each variant timed, the
constrained run compared to both others, nothing left behind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

from bench import constraints
from bench.scratch import Scratch


async def test_constraints_bench_times_each_variant_and_cleans_up(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    url = await fresh_database()
    args = constraints.parse(["--nodes", "50", "--runs", "2"])
    report = await constraints.run(args, Scratch(tmp_path, url, None))
    figures = {f.name: f for f in report.figures}
    assert all(f.value > 0 and f.count == 2 for f in figures.values())
    assert figures["MERGE, uniqueness constraint wall"].baseline_name == "the floor"
    assert figures["MERGE, uniqueness constraint vs btree"].baseline
    conn = await asyncpg.connect(url)
    try:
        left = await conn.fetchval(
            "SELECT count(*) FROM ag_catalog.ag_graph WHERE name LIKE 'bench_constraints_%'"
        )
    finally:
        await conn.close()
    assert left == 0
