"""``python -m bench cache`` end to end on a tiny store, so the scenario stays runnable:
every mode runs, the cached modes hit, and events arrive in both backends."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench import cache
from bench.redis_process import RedisProcess


@pytest.mark.slow
async def test_cache_bench_runs_every_mode_on_a_tiny_store(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = cache.parse(
        ["--entities", "300", "--requests", "120", "--distinct", "20", "--events", "8"]
    )
    args.reuse = False
    assert isinstance(args, argparse.Namespace)
    with RedisProcess() as redis_url:
        report = await cache.run(args, pg_url, redis_url, tmp_path)
    figures = {f.name: f for f in report.figures}
    for mode in ("memory", "redis"):
        # 120 Zipf draws from 20 requests: at most 20 misses.
        assert figures[f"{mode} cache: hit rate"].value >= 100 * (120 - 20) / 120
        assert figures[f"{mode} cache: requests/s"].baseline
    for backend in ("postgres", "redis"):
        assert figures[f"event delivery p95 ({backend})"].count == 8
    out = capsys.readouterr().out
    assert "no cache  hit rate   0.0%" in out
