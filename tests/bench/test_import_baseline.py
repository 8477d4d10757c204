"""``bench.imports.cypher_baseline``: the AGE Cypher baselines load the sample they are
given (all of the file for 0), count its distinct vertices, and leave no graph behind."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from bench.imports import BASELINE_GRAPH, cypher_baseline

EX = "http://example.org/"


@pytest.mark.usefixtures("memory")  # the store's migrations: AGE's catalog exists
@pytest.mark.parametrize("verb", ["create", "merge"])
async def test_baseline_loads_its_sample_and_drops_its_graph(
    raw_conn: asyncpg.Connection, tmp_path: Path, verb: str
) -> None:
    path = tmp_path / "ring.nt"
    # 30 statements over 12 vertices: a ring and its chords.
    lines = [f"<{EX}v{i % 12}> <{EX}p{i % 3}> <{EX}v{(i * 5 + 1) % 12}> .\n" for i in range(30)]
    path.write_text("".join(lines), encoding="utf-8")

    whole = await cypher_baseline(raw_conn, path, 0, verb)
    assert (whole.statements, whole.vertices) == (30, 12)
    assert whole.rate == 30 / whole.seconds > 0
    assert (await cypher_baseline(raw_conn, path, 99, verb)).statements == 30  # all there is
    part = await cypher_baseline(raw_conn, path, 4, verb)
    expected = {f"v{i % 12}" for i in range(4)} | {f"v{(i * 5 + 1) % 12}" for i in range(4)}
    assert (part.statements, part.vertices) == (4, len(expected))
    assert not await raw_conn.fetchval(
        "SELECT count(*) FROM ag_catalog.ag_graph WHERE name = $1", BASELINE_GRAPH
    )
