"""``python -m bench replicas`` end to end on a tiny store: a real standby made with
pg_basebackup, and each way of serving searches runs them where it says."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from bench import replicas
from kgmem.storage.engine.embedded import start_embedded
from tests.fixtures.database import SMALL_BUFFERS

pytestmark = pytest.mark.slow


async def test_replica_bench_serves_each_way_where_it_says(server_homes: Path) -> None:
    home = replicas.reachable(Path(tempfile.mkdtemp(dir=server_homes)))
    primary = start_embedded(home / "primary", owner=True, shared_buffers=SMALL_BUFFERS)
    try:
        args = replicas.parse(
            ["--entities", "200", "--searches", "300", "--rounds", "1", "--clients", "3"]
        )
        report = await replicas.run(args, primary, home)
    finally:
        primary.stop()
    figures = {f.name: f.value for f in report.figures}
    for way in replicas.WAYS:
        assert figures[f"{way}: searches/s"] > 0
        assert figures[f"{way}: client cpu per search"] > 0
    # Alone, the primary does the searching; with the standby as the replica, it does.
    assert figures["primary: primary cpu per search"] > figures["primary: standby cpu per search"]
    assert figures["replica: standby cpu per search"] > figures["replica: primary cpu per search"]
    assert figures["both: primary cpu per search"] > figures["replica: primary cpu per search"]


def test_counts_are_checked() -> None:
    with pytest.raises(SystemExit):
        replicas.parse(["--clients", "0"])
