"""``kgmem import --graph-names`` and ``kgmem export --as-of / --current-only``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from tests.cli.test_serve import env_for, kgmem
from tests.fixtures.database import store_settings


async def test_export_keeps_facts_of_a_time(home_dir: Path, fresh_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = await fresh_database()
    memory = await Memory.open(store_settings(url, home_dir))
    t = datetime(2019, 1, 1, tzinfo=UTC)
    try:
        await memory.create_namespace("cli_export")
        await memory.write_batch(
            "cli_export",
            BatchWrite(
                entities=[EntityWrite(uid=u, label="Thing") for u in "abc"],
                facts=[
                    FactWrite("a", "AT", "b", uid="old", valid_from=t, recorded_at=t),
                    FactWrite("a", "AT", "c", uid="new", recorded_at=t),
                ],
            ),
        )
        await memory.close_fact("cli_export", "old", valid_to=datetime(2020, 1, 1, tzinfo=UTC))
    finally:
        await memory.close()
    env = env_for(
        home_dir,
        KGMEM_DATABASE_URL=url,
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="384",
    )
    out = tmp_path / "now.cyjs"
    done = kgmem(
        "export", "-n", "cli_export", "--format", "cytoscape", "--current-only", "-o", str(out),
        env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    edges = json.loads(out.read_text())["elements"]["edges"]
    assert [e["data"]["target"] for e in edges] == ["c"]
    then = kgmem(
        "export", "-n", "cli_export", "--format", "jsonl", "--as-of", "2019-06-01T00:00:00+00:00",
        env=env,
    )  # fmt: skip
    assert then.returncode == 0, then.stderr
    targets = sorted(json.loads(x)["end"] for x in then.stdout.splitlines() if '"edge"' in x)
    assert targets == ["b", "c"]
    trig = tmp_path / "d.trig"
    trig.write_text("<http://e/g> { <http://e/a> <http://e/p> <http://e/b> . }\n")
    loaded = kgmem(
        "import", str(trig), "-n", "cli_export", "--graph-names", "sources", "--no-embed",
        env=env,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    bad = kgmem("import", str(trig), "-n", "cli_export", "--graph-names", "nope", env=env)
    assert bad.returncode != 0 and "graph-names" in bad.stderr
