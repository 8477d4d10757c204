"""``kgmem tiers policy|apply``: a policy stored and applied from the command line,
applying again changes nothing, and bad input is an error message."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kgmem import BatchWrite, EntityWrite, Memory
from tests.cli.test_serve import env_for, kgmem
from tests.fixtures.database import store_settings


async def test_tiers_apply_archives_once(home_dir: Path, fresh_database) -> None:  # type: ignore[no-untyped-def]
    url = await fresh_database()
    memory = await Memory.open(store_settings(url, home_dir))
    old = (datetime.now(UTC) - timedelta(days=100)).isoformat()
    try:
        await memory.create_namespace("cli_tiers")
        await memory.write_batch(
            "cli_tiers",
            BatchWrite(entities=[EntityWrite("ep", "Episode", {"text": "hi", "occurred_at": old})]),
        )
    finally:
        await memory.close()
    env = env_for(
        home_dir,
        KGMEM_DATABASE_URL=url,
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="384",
    )
    bad = kgmem("tiers", "policy", "cli_tiers", "--set", "{nope", env=env)
    assert bad.returncode != 0 and "not JSON" in bad.stderr + bad.stdout
    stored = kgmem("tiers", "policy", "cli_tiers", "--set", '{"archive_after_days": 30}', env=env)
    assert stored.returncode == 0, stored.stderr
    assert json.loads(stored.stdout)["archive_after_days"] == 30
    first = kgmem("tiers", "apply", env=env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["archived"] == ["ep"]
    second = kgmem("tiers", "apply", "cli_tiers", env=env)
    assert json.loads(second.stdout)["archived"] == []
