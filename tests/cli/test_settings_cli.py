"""``kgmem settings`` shows the values in effect, not only the defaults."""

from __future__ import annotations

from pathlib import Path

from kgmem.settings.config import Settings, effective_settings
from tests.cli.test_serve import env_for, kgmem


def test_effective_values_and_masked_secrets(tmp_path: Path) -> None:
    env = env_for(
        tmp_path,
        KGMEM_LIMITS_MAX_PAGE_SIZE="77",
        KGMEM_DATABASE_URL="postgresql://kg:hunter2@db.example/kg",
        COLUMNS="250",
    )
    done = kgmem("settings", env=env)
    assert done.returncode == 0, done.stderr
    [page] = [line for line in done.stdout.splitlines() if "KGMEM_LIMITS_MAX_PAGE_SIZE" in line]
    assert "77" in page and "1000" in page
    assert "hunter2" not in done.stdout


def test_every_documented_setting_has_an_effective_value() -> None:
    settings = Settings(limits={"max_page_size": 42})
    rows = {name: value for name, value, _, _ in effective_settings(settings)}
    assert rows["KGMEM_LIMITS_MAX_PAGE_SIZE"] == "42"
    assert rows["KGMEM_HOME"] == str(settings.home)
    assert "None" not in {rows["KGMEM_EMBEDDING_PROVIDER"]}
